# BSN step 1 of 3, TEM trained from scratch on SynthANet (`reelkit data synth-anet
# data/synth_anet`: 32 snippets x 32 channels per video). MMAction2's
# bsn_tem_1xb16-400x100-20e_activitynet-feature cut down for a CPU: temporal_dim 32 instead of
# 100, tem_feat_dim 32 instead of 400, tem_hidden_dim 128 instead of 512, one process, lr 0.01
# instead of 0.001 (x0.1 after 15 of the 20 epochs): SynthANet's few videos give few iterations.
# `reelkit test` with this config writes one TEM csv per video of both splits to tem_results_dir
# (MMAction2 tests on anet_anno_full.json for this); then `reelkit bsn-proposals` with
# bsn_pgm_32x32_synth-anet-feature.py, then bsn_pem_1xb16-32x32-10e_synth-anet-feature.py
# (tests/e2e/test_bsn_pipeline.py runs all three).
_base_ = ['../../_base_/default_runtime.py']

model = dict(
    type='TEM',
    temporal_dim=32,
    boundary_ratio=0.1,
    tem_feat_dim=32,
    tem_hidden_dim=128,
    tem_match_threshold=0.5)

# dataset settings
dataset_type = 'ActivityNetDataset'
data_root = 'data/synth_anet/features/'
data_root_val = 'data/synth_anet/features/'
ann_file_train = 'data/synth_anet/anet_anno_train.json'
ann_file_val = 'data/synth_anet/anet_anno_val.json'

train_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='GenerateLocalizationLabels'),
    dict(
        type='PackLocalizationInputs',
        keys=('gt_bbox', ),
        meta_keys=('video_name', ))
]
val_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='GenerateLocalizationLabels'),
    dict(
        type='PackLocalizationInputs',
        keys=('gt_bbox', ),
        meta_keys=('video_name', ))
]
test_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(type='PackLocalizationInputs', meta_keys=('video_name', ))
]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        pipeline=val_pipeline,
        test_mode=True))
# Both splits: PEM trains on the proposals of the training videos and is tested on the others.
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                ann_file=ann_file,
                data_prefix=dict(video=data_root_val),
                pipeline=test_pipeline,
                test_mode=True) for ann_file in (ann_file_train, ann_file_val)
        ]))

max_epochs = 20
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=0.01, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[15],
        gamma=0.1)
]

work_dir = 'work_dirs/bsn_32x32_synth-anet-feature/'
tem_results_dir = f'{work_dir}/tem_results/'

test_evaluator = dict(
    type='ANetMetric',
    metric_type='TEM',
    dump_config=dict(out=tem_results_dir, output_format='csv'))
val_evaluator = dict(type='ANetMetric', metric_type='TEM')

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, filename_tmpl='tem_epoch_{}.pth'))
