# SynthShapes with its shape labels for class-conditional GANs: labels.txt ("images/00000.png 3")
# and classes.txt (circle, square, triangle, diamond, ring, cross: 6 classes), both written by
# `reelkit data synth-shapes data/synth_shapes`.
_base_ = ['./synth_shapes_32x32.py']

dataset_type = 'BasicConditionalDataset'
labelled = dict(type=dataset_type, ann_file='labels.txt', classes='classes.txt')
train_dataloader = dict(dataset=labelled)
val_dataloader = dict(dataset=labelled)
test_dataloader = dict(dataset=labelled)
