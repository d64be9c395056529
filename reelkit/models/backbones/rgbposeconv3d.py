"""RGBPoseConv3D (Duan et al., *Revisiting Skeleton-based Action Recognition*, CVPR 2022), MMAction2 layout.

Two SlowFast-style pathways on two modalities: an RGB SlowOnly on frames and a pose SlowOnly on
keypoint heatmaps (more frames, fewer channels). Before RGB stages 3 and 4 (pose stages 2 and
3) each pathway concatenates a lateral of the other's features: a strided conv from pose to RGB
(``rgb_path.layer2_lateral``), a transposed conv from RGB to pose (``pose_path.layer1_lateral``).
"""
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import frozen, load_pretrained, resolve_pretrained
from .resnet import resnet_key_map
from .resnet3d import PRETRAINED_KEY
from .resnet3d_slowfast import ResNet3dPathway


@MODELS.register_module()
class RGBPoseConv3D(BaseModule):
    """(imgs (N, 3, T_rgb, H, W), heatmap_imgs (N, 17, T_pose, H', W')) -> (RGB (N, 2048, T_rgb, H / 32, W / 32),
    pose (N, 512, T_pose, H' / 8, W' / 8)) with the defaults (T_pose = speed_ratio * T_rgb).

    Args:
        pretrained: a whole-model checkpoint loaded by :meth:`init_weights`.
        speed_ratio: pose frames per RGB frame; set on both pathways when they are lateral.
        channel_ratio: RGB channels per pose channel; set on both pathways when they are lateral.
        rgb_detach: no gradient from the RGB pathway's laterals into the pose pathway.
        pose_detach: no gradient from the pose pathway's laterals into the RGB pathway.
        rgb_drop_path: in training, the probability (drawn once per batch) that the RGB pathway
            gets zeros instead of the pose features.
        pose_drop_path: the same for the pose pathway.
        rgb_pathway: keyword arguments of the RGB :class:`ResNet3dPathway`.
        pose_pathway: keyword arguments of the pose :class:`ResNet3dPathway`.
        init_cfg: extra MMEngine init applied by :meth:`init_weights`.
    """

    def __init__(
            self,
            pretrained: Optional[str] = None,
            speed_ratio: int = 4,
            channel_ratio: int = 4,
            rgb_detach: bool = False,
            pose_detach: bool = False,
            rgb_drop_path: float = 0,
            pose_drop_path: float = 0,
            rgb_pathway: Mapping = frozen(num_stages=4, lateral=True, lateral_infl=1, lateral_activate=(0, 0, 1, 1),
                                         fusion_kernel=7, base_channels=64, conv1_kernel=(1, 7, 7),
                                         inflate=(0, 0, 1, 1), with_pool2=False),
            pose_pathway: Mapping = frozen(num_stages=3, stage_blocks=(4, 6, 3), lateral=True, lateral_inv=True,
                                          lateral_infl=16, lateral_activate=(0, 1, 1), fusion_kernel=7,
                                          in_channels=17, base_channels=32, out_indices=(2, ),
                                          conv1_kernel=(1, 7, 7), conv1_stride_s=1, conv1_stride_t=1,
                                          pool1_stride_s=1, pool1_stride_t=1, inflate=(0, 1, 1),
                                          spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 1),
                                          dilations=(1, 1, 1), with_pool2=False),
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        for key, value in (('rgb_drop_path', rgb_drop_path), ('pose_drop_path', pose_drop_path)):
            if not 0 <= value <= 1:
                raise ValueError(f'{key}={value}; expected a probability in [0, 1]')
        self.pretrained = pretrained
        self.speed_ratio = speed_ratio
        self.channel_ratio = channel_ratio
        self.rgb_detach = rgb_detach
        self.pose_detach = pose_detach
        self.rgb_drop_path = rgb_drop_path
        self.pose_drop_path = pose_drop_path
        ratios = dict(speed_ratio=speed_ratio, channel_ratio=channel_ratio)
        self.rgb_path = ResNet3dPathway(**dict(rgb_pathway, **(ratios if rgb_pathway.get('lateral') else {})))
        self.pose_path = ResNet3dPathway(**dict(pose_pathway, **(ratios if pose_pathway.get('lateral') else {})))

    def forward(self, imgs: torch.Tensor, heatmap_imgs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(N, 3, T, H, W) frames and (N, K, T', H', W') heatmaps -> (RGB features, pose features)."""
        drop_rgb = self.training and bool(torch.rand(1) < self.rgb_drop_path)
        drop_pose = self.training and bool(torch.rand(1) < self.pose_drop_path)
        rgb, pose = self.rgb_path, self.pose_path
        x_rgb = rgb.layer2(rgb.layer1(rgb.maxpool(rgb.conv1(imgs))))
        x_pose = pose.layer1(pose.maxpool(pose.conv1(heatmap_imgs)))
        # RGB stage i runs beside pose stage i - 1; both exchange features before each of them.
        for i in (2, 3):
            rgb_in = rgb.fuse(i, x_rgb, x_pose, self.rgb_detach, drop_rgb)
            pose_in = pose.fuse(i - 1, x_pose, x_rgb, self.pose_detach, drop_pose)
            x_rgb, x_pose = getattr(rgb, f'layer{i + 1}')(rgb_in), getattr(pose, f'layer{i}')(pose_in)
        return x_rgb, x_pose

    def init_weights(self) -> None:
        """Apply ``init_cfg`` and the pathways' own ``pretrained``; then load ``pretrained`` if given."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, PRETRAINED_KEY), resnet_key_map)
