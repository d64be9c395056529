"""FormatShape and PackActionInputs for skeleton inputs: PoseC3D heatmap volumes, the RGB and
pose pair of RGBPoseConv3D, and GCN keypoints."""
import numpy as np
import pytest
import torch

from reelkit.datasets.transforms import FormatShape, PackActionInputs

H, W = 4, 5


def heatmaps(num, channels):
    """``num`` heatmap frames ``(channels, H, W)``: frame ``m`` channel ``k`` is ``m + 100 k``."""
    values = np.arange(num)[:, None] + 100 * np.arange(channels)[None]
    return np.broadcast_to(values[..., None, None], (num, channels, H, W)).astype(np.float32)


def rgb(num):
    """``num`` RGB frames ``(H, W, 3)``: frame ``m`` is filled with ``m``."""
    return [np.full((H, W, 3), m, np.uint8) for m in range(num)]


def test_ncthw_heatmap_puts_channels_before_time():
    # 2 crops (flip test) x 3 clips x 4 frames of 5-channel heatmaps
    results = FormatShape('NCTHW_Heatmap')(dict(imgs=heatmaps(24, 5), num_clips=3, clip_len=4))
    imgs = results['imgs']
    assert imgs.shape == results['input_shape'] == (6, 5, 4, H, W)
    assert imgs[4, 2, :, 0, 0].tolist() == [216, 217, 218, 219]  # crop 1, clip 1, channel 2
    assert imgs.flags['C_CONTIGUOUS']


def test_ncthw_formats_rgb_and_heatmaps_with_their_own_clip_lengths():
    results = FormatShape('NCTHW')(dict(imgs=rgb(2 * 3), heatmap_imgs=heatmaps(2 * 8, 17),
                                        num_clips=2, clip_len=dict(RGB=3, Pose=8)))
    assert results['imgs'].shape == results['input_shape'] == (2, 3, 3, H, W)
    assert results['imgs'][1, 0, :, 0, 0].tolist() == [3, 4, 5]
    heat = results['heatmap_imgs']
    assert heat.shape == results['heatmap_input_shape'] == (2, 17, 8, H, W)
    assert heat[1, 1, :, 0, 0].tolist() == [108 + t for t in range(8)]


def test_ncthw_reads_the_rgb_clip_length_of_a_per_modality_dict():
    results = FormatShape('NCTHW')(dict(imgs=rgb(8), num_clips=1, clip_len=dict(RGB=8)))
    assert results['imgs'].shape == (1, 3, 8, H, W) and 'heatmap_input_shape' not in results
    with pytest.raises(KeyError, match=r"clip_len=\{'Pose': 8\} has no 'RGB' entry"):
        FormatShape('NCTHW')(dict(imgs=rgb(8), num_clips=1, clip_len=dict(Pose=8)))


def test_ncthw_heatmap_names_the_layout_it_cannot_make():
    with pytest.raises(ValueError, match=r'10 frames .* num_clips=1, clip_len=4'):
        FormatShape('NCTHW_Heatmap')(dict(imgs=heatmaps(10, 2), num_clips=1, clip_len=4))


def test_pack_prefers_heatmaps_then_keypoints():
    keypoint = np.ones((1, 2, 10, 17, 3), np.float32)
    packed = PackActionInputs()(dict(heatmap_imgs=heatmaps(2, 3), keypoint=keypoint, label=4))
    assert packed['inputs'].shape == (2, 3, H, W)
    packed = PackActionInputs()(dict(keypoint=keypoint, label=4))
    assert packed['inputs'].dtype == torch.float32 and packed['inputs'].shape == keypoint.shape
    assert packed['data_samples'].gt_label.tolist() == [4]
