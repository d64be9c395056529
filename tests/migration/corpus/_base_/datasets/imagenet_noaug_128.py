dataset_type = 'mmcls.ImageNet'

# different from mmcls, we adopt the setting used in BigGAN.
# Importantly, the `to_rgb` is set to `False` to remain image orders as BGR.
img_norm_cfg = dict(
    mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=False)
train_pipeline = [
    dict(type='LoadImageFromFile', key='real_img', io_backend='disk'),
    dict(type='Resize', keys=['real_img'], scale=(128, 128), keep_ratio=False),
    dict(type='Normalize', keys=['real_img'], **img_norm_cfg),
    dict(type='ImageToTensor', keys=['real_img']),
    dict(type='Collect', keys=['real_img', 'gt_label'], meta_keys=['real_img_path'])
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='real_img', io_backend='disk'),
    dict(type='Resize', keys=['real_img'], scale=(128, 128), keep_ratio=False),
    dict(type='Normalize', keys=['real_img'], **img_norm_cfg),
    dict(type='ImageToTensor', keys=['real_img']),
    dict(type='Collect', keys=['real_img', 'gt_label'], meta_keys=['real_img_path'])
]

data = dict(
    samples_per_gpu=None,
    workers_per_gpu=4,
    train=dict(
        type=dataset_type,
        data_prefix='data/imagenet/train',
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        data_prefix='data/imagenet/val',
        ann_file='data/imagenet/meta/val.txt',
        pipeline=test_pipeline),
    test=dict(
        type=dataset_type,
        data_prefix='data/imagenet/val',
        ann_file='data/imagenet/meta/val.txt',
        pipeline=test_pipeline))
