# BMN trained from scratch on SynthANet (`reelkit data synth-anet data/synth_anet`): per-video
# features of 32 snippets x 32 channels in which 4 action classes show as class vectors over the
# noise, with ActivityNet-format annotations. MMAction2's bmn_2xb8-400x100-9e_activitynet-feature
# cut down for a CPU: temporal_dim 32 instead of 100, feat_dim 32 instead of 400, 8 samples per
# proposal instead of 32, a quarter of the widths or less, 10 epochs over the 120 training videos
# of the default 160, one process, lr 0.004 instead of 0.001 (the short schedule needs it).
# Measured with `reelkit train` this file `--seed 0` (OMP_NUM_THREADS=1, 2 CPU cores shared with
# other jobs): 72 s in all; on the 40 val (= test) videos AUC 87.5, AR@1 0.17-0.19, AR@100 0.914
# at epoch 10 in three runs (epoch 5: 84.3, 0.189, 0.890). 100 random proposals per video on the
# same 32-snippet grid score AUC 50.8, AR@1 0.048, AR@100 0.709
# (tests/e2e/test_localization_first_run.py).
_base_ = ['../../_base_/default_runtime.py']

model = dict(
    type='BMN',
    temporal_dim=32,
    boundary_ratio=0.5,
    num_samples=8,
    num_samples_per_bin=3,
    feat_dim=32,
    soft_nms_alpha=0.4,
    soft_nms_low_threshold=0.5,
    soft_nms_high_threshold=0.9,
    post_process_top_k=100,
    hidden_dim_1d=64,
    hidden_dim_2d=32,
    hidden_dim_3d=128)

# dataset settings
dataset_type = 'ActivityNetDataset'
data_root = 'data/synth_anet/features/'
data_root_val = 'data/synth_anet/features/'
ann_file_train = 'data/synth_anet/anet_anno_train.json'
ann_file_val = 'data/synth_anet/anet_anno_val.json'
ann_file_test = 'data/synth_anet/anet_anno_val.json'

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
        meta_keys=('video_name', 'duration_second', 'duration_frame',
                   'annotations', 'feature_frame'))
]

test_pipeline = [
    dict(type='LoadLocalizationFeature'),
    dict(
        type='PackLocalizationInputs',
        keys=('gt_bbox', ),
        meta_keys=('video_name', 'duration_second', 'duration_frame',
                   'annotations', 'feature_frame'))
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    drop_last=True,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))

val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        pipeline=val_pipeline,
        test_mode=True))

test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root_val),
        pipeline=test_pipeline,
        test_mode=True))

max_epochs = 10
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=0.004, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[
            8,
        ],
        gamma=0.1)
]

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=5, save_best='auto'))

work_dir = './work_dirs/bmn_1xb8-32x32-10e_synth-anet-feature/'
test_evaluator = dict(
    type='ANetMetric',
    metric_type='AR@AN',
    dump_config=dict(out=f'{work_dir}/results.json', output_format='json'))
val_evaluator = test_evaluator
