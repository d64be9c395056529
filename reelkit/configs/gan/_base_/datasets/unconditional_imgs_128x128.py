# unconditional_imgs_64x64.py resizing to 128x128 (MMGeneration 1.x's unconditional_imgs_128x128).
_base_ = ['./unconditional_imgs_64x64.py']

train_pipeline = [
    _base_.train_pipeline[0],
    dict(type='Resize', keys=['img'], scale=(128, 128)),
    _base_.train_pipeline[-1],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=train_pipeline))
