"""FormatShape layouts and PackActionInputs output types."""
import numpy as np
import pytest
import torch

from reelkit.datasets.transforms import FormatShape, PackActionInputs
from reelkit.datasets.transforms.formatting import planar_ncthw, to_ncthw
from reelkit.structures.action_data_sample import ActionDataSample

H, W = 4, 5


def frames(num, channels=3):
    """Frame ``m`` is filled with ``m`` so its position in the output is checkable."""
    return [np.full((H, W, channels), m, np.uint8) for m in range(num)]


# ----------------------------------------------------------------------------- FormatShape
def test_format_shape_nchw():
    results = FormatShape('NCHW')(dict(imgs=frames(6)))
    assert results['imgs'].shape == results['input_shape'] == (6, 3, H, W)
    assert results['imgs'][4, 2, 0, 0] == 4


def test_format_shape_ncthw_groups_crops_and_clips():
    # 2 crops x 3 clips x 4 frames; frame m = (crop * 3 + clip) * 4 + t
    results = FormatShape('NCTHW')(dict(imgs=frames(24), num_clips=3, clip_len=4))
    imgs = results['imgs']
    assert imgs.shape == results['input_shape'] == (6, 3, 4, H, W)
    assert imgs[5, 0, :, 0, 0].tolist() == [20, 21, 22, 23]  # crop 1, clip 2
    assert imgs[1, 1, 2, 0, 0] == 6


@pytest.mark.parametrize('dtype, flipped', [(np.uint8, False), (np.uint8, True), (np.float32, False)])
def test_format_shape_ncthw_planar_split_equals_the_transpose(dtype, flipped):
    """Frames are split into planes by OpenCV: the same array as stacking and transposing."""
    rng = np.random.default_rng(0)
    images = [(rng.random((H, W, 3)) * 255).astype(dtype) for _ in range(24)]
    if flipped:  # negative-stride views, as a lazy flip could leave them
        images = [image[:, ::-1] for image in images]
    expected = to_ncthw('test', np.asarray(images), num_clips=3, clip_len=4)
    assert planar_ncthw(images, clip_len=4) is not None
    out = FormatShape('NCTHW')(dict(imgs=images, num_clips=3, clip_len=4))['imgs']
    assert out.dtype == dtype and out.flags.c_contiguous and np.array_equal(out, expected)


def test_format_shape_ncthw_mixed_frames_take_the_numpy_path():
    images = frames(3) + [np.zeros((H, W, 3), np.float32)]
    assert planar_ncthw(images, clip_len=4) is None
    out = FormatShape('NCTHW')(dict(imgs=images, num_clips=1, clip_len=4))['imgs']
    assert out.shape == (1, 3, 4, H, W) and out[0, :, 2].max() == 2


def test_format_shape_nchw_flow_interleaves_x_and_y():
    # 2 clips x 3 frames of (x, y) flow pairs: 12 grey frames, x_t = 2t, y_t = 2t + 1
    flow = [np.full((H, W), m, np.uint8) for m in range(12)]
    results = FormatShape('NCHW_Flow')(dict(imgs=flow, num_clips=2, clip_len=3))
    imgs = results['imgs']
    assert imgs.shape == results['input_shape'] == (2, 6, H, W) and imgs.dtype == np.float32
    assert imgs[1, :, 0, 0].tolist() == [6, 7, 8, 9, 10, 11]


def test_format_shape_nptchw_groups_frames_by_proposal():
    results = FormatShape('NPTCHW')(dict(imgs=frames(6), num_proposals=2, num_clips=1,
                                         clip_len=3))
    assert results['imgs'].shape == results['input_shape'] == (2, 3, 3, H, W)
    assert results['imgs'][1, :, 0, 0, 0].tolist() == [3, 4, 5]


def test_format_shape_collapse_drops_the_single_clip_axis():
    results = FormatShape('NCTHW', collapse=True)(dict(imgs=frames(4), num_clips=1, clip_len=4))
    assert results['imgs'].shape == (3, 4, H, W)


def test_format_shape_collapse_needs_one_clip():
    with pytest.raises(ValueError, match='collapse=True needs num_clips == 1, got 2'):
        FormatShape('NCTHW', collapse=True)(dict(imgs=frames(8), num_clips=2, clip_len=4))


def test_format_shape_mismatched_clip_keys_raise_with_sizes():
    with pytest.raises(ValueError, match=r'7 frames .* num_clips=2, clip_len=4'):
        FormatShape('NCTHW')(dict(imgs=frames(7), num_clips=2, clip_len=4))


def test_format_shape_rejects_unknown_format():
    with pytest.raises(ValueError, match="input_format='NTHWC'; expected 'NCTHW', 'NCHW'"):
        FormatShape('NTHWC')


# ----------------------------------------------------------------------------- PackActionInputs
def test_pack_action_inputs_output_types():
    results = FormatShape('NCTHW')(dict(imgs=frames(8), num_clips=2, clip_len=4, label=3,
                                        img_shape=(H, W), filename='a.mp4'))
    packed = PackActionInputs()(results)
    assert set(packed) == {'inputs', 'data_samples'}
    assert isinstance(packed['inputs'], torch.Tensor)
    assert packed['inputs'].shape == (2, 3, 4, H, W) and packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert isinstance(sample, ActionDataSample)
    assert sample.gt_label.tolist() == [3] and sample.gt_label.dtype == torch.int64
    assert sample.metainfo == {'img_shape': (H, W)}


def test_pack_action_inputs_without_label_has_no_gt_label():
    packed = PackActionInputs()(dict(imgs=np.zeros((1, 3, 2, 2), np.uint8)))
    assert 'gt_label' not in packed['data_samples']


def test_pack_action_inputs_stacks_a_list_of_frames():
    packed = PackActionInputs()(dict(imgs=frames(2), label=0))
    assert packed['inputs'].shape == (2, H, W, 3)


def test_pack_action_inputs_collect_keys_packs_a_dict():
    packed = PackActionInputs(collect_keys=('imgs', 'heatmap_imgs'))(
        dict(imgs=np.zeros((1, 2)), heatmap_imgs=np.ones((1, 3)), label=1))
    assert set(packed['inputs']) == {'imgs', 'heatmap_imgs'}
    assert packed['inputs']['heatmap_imgs'].shape == (1, 3)


def test_pack_action_inputs_sets_algorithm_keys_and_meta_keys():
    packed = PackActionInputs(meta_keys=('video_id', ), algorithm_keys=('mask', ))(
        dict(imgs=np.zeros((1, 2)), video_id='v1', mask=torch.ones(2)))
    sample = packed['data_samples']
    assert sample.video_id == 'v1' and torch.equal(sample.mask, torch.ones(2))


def test_pack_action_inputs_packs_boxes_as_instances():
    packed = PackActionInputs()(dict(imgs=np.zeros((1, 2)), gt_bboxes=np.ones((2, 4), np.float32),
                                     gt_labels=np.array([1, 2]), proposals=np.zeros((3, 4))))
    sample = packed['data_samples']
    assert sample.gt_instances.bboxes.shape == (2, 4)
    assert sample.gt_instances.labels.tolist() == [1, 2]
    assert sample.proposals.bboxes.shape == (3, 4)


def test_pack_action_inputs_without_inputs_names_the_keys():
    with pytest.raises(KeyError, match=r"none of \['imgs', 'heatmap_imgs', 'keypoint'"):
        PackActionInputs()(dict(label=1))


def test_pack_action_inputs_rejects_a_string_of_keys():
    with pytest.raises(TypeError, match="meta_keys='img_shape'"):
        PackActionInputs(meta_keys='img_shape')
