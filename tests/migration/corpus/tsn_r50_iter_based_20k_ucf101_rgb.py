_base_ = ['_base_/models/tsn_r50.py', '_base_/default_runtime.py']

# model settings
model = dict(cls_head=dict(num_classes=101))

# dataset settings
dataset_type = 'RawframeDataset'
data_root = 'data/ucf101/rawframes'
ann_file_train = 'data/ucf101/ucf101_train_split_1_rawframes.txt'
ann_file_val = 'data/ucf101/ucf101_val_split_1_rawframes.txt'
img_norm_cfg = dict(mean=[128, 128, 128], std=[128, 128, 128], to_bgr=True)
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs'])
]
data = dict(
    videos_per_gpu=32,
    workers_per_gpu=4,
    train=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=data_root,
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=data_root,
        pipeline=val_pipeline))

# optimizer
optimizer = dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0005)
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
# iteration-based schedule: a polynomial decay and a warmup in iterations
lr_config = dict(
    policy='poly',
    power=0.9,
    min_lr=1e-5,
    by_epoch=False,
    warmup='linear',
    warmup_iters=500,
    warmup_ratio=0.01)
runner = dict(type='IterBasedRunner', max_iters=20000)
checkpoint_config = dict(interval=2000, by_epoch=False, max_keep_ckpts=3)
evaluation = dict(interval=2000, by_epoch=False, metrics=['top_k_accuracy'], gpu_collect=True)
log_config = dict(
    interval=50,
    hooks=[
        dict(type='TextLoggerHook', by_epoch=False),
        dict(
            type='WandbLoggerHook',
            init_kwargs=dict(project='reelkit-migration', name='tsn-ucf101'),
            interval=50,
            log_artifact=True),
        dict(type='MlflowLoggerHook', exp_name='tsn-ucf101', log_model=False),
    ])
workflow = [('train', 1), ('val', 1)]
cudnn_benchmark = True
work_dir = './work_dirs/tsn_r50_iter_based_20k_ucf101_rgb/'
