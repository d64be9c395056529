# cifar10_noaug.py with random horizontal flips (MMGeneration 1.x's cifar10_nopad: flips, no
# padded random crops), in training, validation and test alike as there.
_base_ = ['./cifar10_noaug.py']

cifar_pipeline = [dict(type='Flip', keys=['img'], direction='horizontal'),
                  _base_.cifar_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=cifar_pipeline))
val_dataloader = dict(dataset=dict(pipeline=cifar_pipeline))
test_dataloader = dict(dataset=dict(pipeline=cifar_pipeline))
