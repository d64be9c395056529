# The TSM SynthMotion config with its temporal shift taken out: the same ResNet-18, data,
# augmentation and schedule, but a TSN averages per-frame scores, which cannot tell a clip from
# the clip reversed. SynthMotion's classes come in such pairs, so this is the control showing what
# the shift buys (it cannot pass 50% top-1).
_base_ = ['../tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py']

model = dict(
    backbone=dict(_delete_=True, type='ResNet', pretrained=None, depth=18, norm_eval=False),
    cls_head=dict(
        _delete_=True,
        type='TSNHead',
        num_classes=8,
        in_channels=512,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.2,
        init_std=0.01,
        average_clips='prob'))
