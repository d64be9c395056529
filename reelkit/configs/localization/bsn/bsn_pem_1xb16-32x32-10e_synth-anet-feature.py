# BSN step 3 of 3, PEM on the proposals `reelkit bsn-proposals` wrote with
# bsn_pgm_32x32_synth-anet-feature.py (SynthANet). MMAction2's
# bsn_pem_1xb16-400x100-20e_activitynet-feature cut down for a CPU: pem_hidden_dim 64 instead
# of 256, 10 epochs (lr 0.01, x0.1 after 5), one process, top_k 500 in both splits (all the
# candidates of 32 snippets). Measured with the three steps on the default 160 videos (`--seed 0`,
# OMP_NUM_THREADS=1, 2 shared CPU cores, 111 s in all): on the 40 val videos AUC 72.3, AR@1 0.105,
# AR@100 0.756 (BSN yields ~60 proposals a video here, so AR@100 is capped); 100 random
# proposals per video score AUC 50.8, AR@100 0.709. tests/e2e/test_bsn_pipeline.py runs it on 80.
_base_ = ['../../_base_/default_runtime.py']

model = dict(
    type='PEM',
    pem_feat_dim=32,
    pem_hidden_dim=64,
    pem_u_ratio_m=1,
    pem_u_ratio_l=2,
    pem_high_temporal_iou_threshold=0.6,
    pem_low_temporal_iou_threshold=0.2,
    soft_nms_alpha=0.75,
    soft_nms_low_threshold=0.65,
    soft_nms_high_threshold=0.9,
    post_process_top_k=100)

# dataset settings
dataset_type = 'ActivityNetDataset'
data_root = 'data/synth_anet/features/'
data_root_val = 'data/synth_anet/features/'
ann_file_train = 'data/synth_anet/anet_anno_train.json'
ann_file_val = 'data/synth_anet/anet_anno_val.json'
ann_file_test = 'data/synth_anet/anet_anno_val.json'

work_dir = 'work_dirs/bsn_32x32_synth-anet-feature/'
pgm_proposals_dir = f'{work_dir}/pgm_proposals/'
pgm_features_dir = f'{work_dir}/pgm_features/'

train_pipeline = [
    dict(
        type='LoadProposals',
        top_k=500,
        pgm_proposals_dir=pgm_proposals_dir,
        pgm_features_dir=pgm_features_dir),
    dict(
        type='PackLocalizationInputs',
        keys=('reference_temporal_iou', 'bsp_feature'),
        meta_keys=())
]
val_pipeline = [
    dict(
        type='LoadProposals',
        top_k=500,
        pgm_proposals_dir=pgm_proposals_dir,
        pgm_features_dir=pgm_features_dir),
    dict(
        type='PackLocalizationInputs',
        keys=('tmin', 'tmax', 'tmin_score', 'tmax_score', 'bsp_feature'),
        meta_keys=('video_name', 'duration_second', 'duration_frame',
                   'annotations', 'feature_frame')),
]
test_pipeline = val_pipeline

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
    val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=0.01, weight_decay=0.00001),
    clip_grad=dict(max_norm=40, norm_type=2))

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[5],
        gamma=0.1)
]

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs))

test_evaluator = dict(
    type='ANetMetric',
    metric_type='AR@AN',
    dump_config=dict(out=f'{work_dir}/results.json', output_format='json'))
val_evaluator = test_evaluator
