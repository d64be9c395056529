# The quickstart's control: the SlowOnly SynthMotion config with every temporal kernel of size 1
# (inflate=(0, 0, 0, 0)), i.e. a C2D/TSN-style network that runs a 2D ResNet-18 on each frame and
# averages over time. Same data, augmentation, width and schedule; it cannot tell a clip from the
# clip reversed, and SynthMotion's classes come in such pairs, so it cannot pass 50% top-1.
# Measured on the quickstart data (2 idle CPU cores, 2026-12-07): test top-1 0.377 (the 3D twin:
# 0.975).
_base_ = ['./slowonly_r18_1xb16-8x1x1-10e_synthmotion-rgb.py']

model = dict(backbone=dict(inflate=(0, 0, 0, 0)))
