# A folder of images (searched recursively) resized to 64x64, as MMGeneration 1.x's
# unconditional_imgs_64x64. Configs set batch_size and data_root of the three dataloaders.
dataset_type = 'UnconditionalImageDataset'

train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(64, 64)),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]

train_dataloader = dict(
    batch_size=None,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,  # faster copies to the GPU; why: _base_/datasets/synthmotion-rgb_8x1x1.py
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=None, pipeline=train_pipeline))

# the same images, in order
val_dataloader = dict(train_dataloader, sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
