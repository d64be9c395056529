# StyleGAN2 config-f (stylegan2_base.py) for 32x32 images with every width capped at 32 channels
# (config-f has 512 up to 32x32).
_base_ = ['./stylegan2_base.py']

model = dict(
    generator=dict(out_size=32, channel_max=32),
    discriminator=dict(in_size=32, channel_max=32))
