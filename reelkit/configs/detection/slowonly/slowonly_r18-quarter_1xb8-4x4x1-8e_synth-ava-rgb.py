# SlowOnly Fast R-CNN-style action detector trained from scratch on SynthAVA
# (`reelkit data synth-ava data/synth_ava`): AVA-format keyframes of moving coloured boxes whose
# actions (stand / walk, talk when red) show in their motion and colour. The structure of
# MMAction2's slowonly_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py, cut down for a
# CPU: a ResNet-18 SlowOnly of a quarter width (base_channels=16, 128 channels out) with temporal
# kernels in every stage and a spatial stride of 8 (64x64 frames give 8x8 features), clips of 4
# frames 4 apart (the videos run at 8 fps), 3 actions plus the background, 8 epochs, AdamW
# instead of SGD, no pretrained weights.
# Measured on the default SynthAVA (16 videos: 54 training keyframes, 24 val) on 2 CPU cores
# shared with one other job (2026-12-07, `pytest -m slow tests/e2e/test_ava_first_run.py`):
# 107 s for data, 8 epochs of training with validation and the test; frame mAP@0.5 on the val
# keyframes 0.822 (stand 0.769, walk 0.709, talk 0.987) against 0.587 +- 0.030 for the same
# boxes with random scores (5 seeds).
_base_ = '../../_base_/default_runtime.py'

model = dict(
    type='FastRCNN',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        lateral=False,
        num_stages=4,
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 1, 1),
        zero_init_residual=False),
    roi_head=dict(
        type='AVARoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor3D',
            roi_layer_type='RoIAlign',
            output_size=8,
            featmap_stride=8,  # the backbone's spatial stride here (MMAction2's R50: 16)
            with_temporal_pool=True),
        bbox_head=dict(
            type='BBoxHeadAVA',
            background_class=True,
            in_channels=128,
            num_classes=4,
            multilabel=True,
            topk=(1, 2),
            dropout_ratio=0.5)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    train_cfg=dict(
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssignerAVA',
                pos_iou_thr=0.9,
                neg_iou_thr=0.9,
                min_pos_iou=0.9),
            sampler=dict(
                type='RandomSampler',
                num=32,
                pos_fraction=1,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=1.0)),
    test_cfg=dict(rcnn=None))

dataset_type = 'AVADataset'
data_root = 'data/synth_ava/rawframes'
anno_root = 'data/synth_ava/annotations'

ann_file_train = f'{anno_root}/ava_train.csv'
ann_file_val = f'{anno_root}/ava_val.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps.csv'
label_file = f'{anno_root}/ava_action_list.pbtxt'
proposal_file_train = f'{anno_root}/ava_dense_proposals_train.pkl'
proposal_file_val = f'{anno_root}/ava_dense_proposals_val.pkl'
# SynthAVA's timeline: 10 s per video from second 900, 8 frames per second.
synth_ava_timing = dict(timestamp_start=900, timestamp_end=910, fps=8)

train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=4, frame_interval=4),
    dict(type='RawFrameDecode'),
    dict(type='RandomRescale', scale_range=(64, 80)),
    dict(type='RandomCrop', size=64),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs')
]
# The testing is without cropping or flipping.
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=4, frame_interval=4, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        exclude_file=exclude_file_train,
        pipeline=train_pipeline,
        label_file=label_file,
        proposal_file=proposal_file_train,
        data_prefix=dict(img=data_root),
        num_classes=4,
        **synth_ava_timing))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        pipeline=val_pipeline,
        label_file=label_file,
        proposal_file=proposal_file_val,
        data_prefix=dict(img=data_root),
        num_classes=4,
        test_mode=True,
        **synth_ava_timing))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='AVAMetric',
    ann_file=ann_file_val,
    label_file=label_file,
    exclude_file=exclude_file_val,
    num_classes=4)
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=8, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=7, eta_min=1e-5, by_epoch=True, begin=1, end=8,
         convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))

default_hooks = dict(logger=dict(interval=5), checkpoint=dict(max_keep_ckpts=2))
randomness = dict(seed=0)

auto_scale_lr = dict(enable=False, base_batch_size=8)
