# CelebA-Cropped (CelebA's aligned faces, cropped) at 64x64, where MMGeneration 1.x's configs
# expect it. Configs set the batch size.
_base_ = ['./unconditional_imgs_64x64.py']

data_root = './data/celeba-cropped/cropped_images_aligned_png/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = test_dataloader = train_dataloader
