# SynthShapes: write it first with `reelkit data synth-shapes data/synth_shapes`.
# No loader workers: decoding 32x32 PNGs costs less than feeding worker processes.
dataset_type = 'UnconditionalImageDataset'
data_root = 'data/synth_shapes'

train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
val_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline))

val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=val_pipeline))

test_dataloader = val_dataloader
