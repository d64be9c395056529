# celeba-cropped_64x64.py at 128x128.
_base_ = ['./unconditional_imgs_128x128.py']

data_root = './data/celeba-cropped/cropped_images_aligned_png/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = test_dataloader = train_dataloader
