# SynthMotion (`reelkit quickstart --config` a config built on this writes it) read as one clip of
# all 8 frames (the generator's default clip length), for the 3D recognizers: FormatShape gives
# (N, 1, 3, 8, 32, 32). The TSM SynthMotion config reads the same clips as 8 segments of 1 frame.
dataset_type = 'VideoDataset'
data_root = 'data/synth_motion'
ann_file_train = f'{data_root}/train.txt'
ann_file_val = f'{data_root}/val.txt'
ann_file_test = f'{data_root}/test.txt'

# A horizontal flip turns a leftward motion into a rightward one and a clockwise turn into a
# counter-clockwise one, so flipped clips take the mirrored class.
mirrored_classes = {0: 1, 1: 0, 4: 5, 5: 4}

train_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=mirrored_classes),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

# Loader settings. persistent_workers keeps the worker processes (and what their pipelines
# cache) from one epoch and validation to the next instead of starting them again each time.
# pin_memory stays off here: page-locked batches only make the copy to a GPU faster, these
# configs are sized for CPU training, where torch skips pinning with a warning, and on 2 CPU
# cores the loader already waits only ~0.1 s of a 2-6 s quickstart step (0, 1 or 2 workers).
# The GPU-sized dataset bases (gan/_base_/datasets/unconditional_imgs_64x64.py,
# cifar10_noaug.py) turn it on.
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
