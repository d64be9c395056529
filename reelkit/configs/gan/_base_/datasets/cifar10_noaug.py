# CIFAR-10's 50,000 training images with their labels, unaugmented, as MMGeneration 1.x's
# cifar10_noaug. Extract cifar-10-python.tar.gz into data/cifar10/ (the batches then lie in
# data/cifar10/cifar-10-batches-py/). MMGeneration read them through MMClassification
# (mmcls.CIFAR10, mmcls.PackClsInputs); reelkit's CIFAR10 reads the same files and PackGenInputs
# packs image and label. Images are RGB: models set rgb_to_bgr=True in their data_preprocessor.
# Validation and test read the training images too (real statistics of FID and the like).
dataset_type = 'CIFAR10'
cifar_pipeline = [dict(type='PackGenInputs', keys=['img'])]
cifar_dataset = dict(type=dataset_type, data_prefix='data/cifar10', test_mode=False,
                     pipeline=cifar_pipeline)

train_dataloader = dict(
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,  # faster copies to the GPU; why: _base_/datasets/synthmotion-rgb_8x1x1.py
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=cifar_dataset)

val_dataloader = dict(train_dataloader, batch_size=32,
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
