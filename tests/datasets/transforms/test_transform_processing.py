"""Resizing, cropping, flipping and colour jitter: shapes, boxes and pixels."""
import numpy as np
import pytest
from transforms_helpers import coded_frames

from reelkit.datasets.transforms import (CenterCrop, ColorJitter, Flip, MultiScaleCrop, RandomErasing,
                                         RandomCrop, RandomRescale, RandomResizedCrop, Resize,
                                         TenCrop, ThreeCrop)


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(0)


def sample(num=3, height=24, width=32, **extra):
    return dict(imgs=coded_frames(num, height, width), img_shape=(height, width), **extra)


def assert_cropped(results, box, num=3):
    """Every frame is frame ``i`` cut at ``box`` (the coded pixels say where they came from)."""
    x1, y1, x2, y2 = box
    assert len(results['imgs']) == num
    for i, img in enumerate(results['imgs']):
        assert img.shape == (y2 - y1, x2 - x1, 3)
        assert (img[..., 0] == i).all()
        assert img[0, 0, 1] == y1 and img[0, 0, 2] == x1
        assert img[-1, -1, 1] == y2 - 1 and img[-1, -1, 2] == x2 - 1


# ----------------------------------------------------------------------------- Resize
def test_resize_short_side_keeps_aspect_ratio():
    results = Resize(scale=(-1, 16))(sample())
    assert results['img_shape'] == (16, 21)  # 32 * 16 / 24 = 21.3
    assert results['imgs'][0].shape == (16, 21, 3)
    assert np.allclose(results['scale_factor'], [21 / 32, 16 / 24])
    assert results['keep_ratio'] is True


def test_resize_pair_bounds_long_and_short_side():
    results = Resize(scale=(40, 20))(sample())  # factor min(40 / 32, 20 / 24)
    assert results['img_shape'] == (20, 27)


def test_resize_float_scale_is_a_factor():
    assert Resize(scale=0.5)(sample())['img_shape'] == (12, 16)


def test_resize_without_keep_ratio_takes_w_h():
    results = Resize(scale=(10, 30), keep_ratio=False)(sample())
    assert results['img_shape'] == (30, 10) and results['imgs'][0].shape == (30, 10, 3)


def test_resize_multiplies_earlier_scale_factors():
    results = Resize(scale=0.5)(Resize(scale=0.5)(sample(height=40, width=40)))
    assert np.allclose(results['scale_factor'], [0.25, 0.25])


def test_resize_keeps_single_channel_axis():
    results = Resize(scale=(8, 8), keep_ratio=False)(dict(imgs=[np.zeros((4, 4, 1), np.uint8)]))
    assert results['imgs'][0].shape == (8, 8, 1)


@pytest.mark.parametrize('kwargs, error, message', [
    (dict(scale=(-1, 256), keep_ratio=False), ValueError, 'needs keep_ratio=True'),
    (dict(scale=256), TypeError, 'scale=256'),
    (dict(scale=(-1, 256), interpolation='linear'), ValueError, "'nearest', 'bilinear'"),
    (dict(scale=(-1, 256), lazy=True), NotImplementedError, 'lazy=True'),
])
def test_resize_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        Resize(**kwargs)


def test_random_rescale_short_side_is_in_range():
    for _ in range(5):
        results = RandomRescale(scale_range=(10, 14))(sample())
        assert 10 <= results['short_edge'] <= 14
        assert results['img_shape'][0] == results['short_edge']


# ----------------------------------------------------------------------------- crops
def test_random_crop_cuts_the_same_square_from_every_frame():
    results = RandomCrop(size=16)(sample())
    box = results['crop_bbox'].tolist()
    assert box[2] - box[0] == box[3] - box[1] == 16
    assert 0 <= box[0] <= 16 and 0 <= box[1] <= 8
    assert results['img_shape'] == (16, 16)
    assert_cropped(results, box)


def test_random_crop_can_reach_the_last_offset():
    offsets = np.array([RandomCrop(size=23)(sample())['crop_bbox'][:2] for _ in range(100)])
    assert set(offsets[:, 0]) == set(range(10)) and set(offsets[:, 1]) == {0, 1}


def test_random_crop_larger_than_frames_raises():
    with pytest.raises(ValueError, match='a 30x30 .* crop does not fit in 24x32 frames'):
        RandomCrop(size=30)(sample())


def test_random_resized_crop_box_is_within_ranges():
    for _ in range(10):
        results = RandomResizedCrop(area_range=(0.3, 0.6), aspect_ratio_range=(0.5, 2.0))(
            sample(height=40, width=40))
        x1, y1, x2, y2 = results['crop_bbox'].tolist()
        assert 0 <= x1 < x2 <= 40 and 0 <= y1 < y2 <= 40
        assert 0.25 <= (x2 - x1) * (y2 - y1) / 1600 <= 0.65  # rounding of the sides
        assert_cropped(results, (x1, y1, x2, y2))


def test_random_resized_crop_falls_back_to_centre_square():
    results = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(3.0, 3.0))(sample())
    assert results['crop_bbox'].tolist() == [4, 0, 28, 24]


def test_random_resized_crop_rejects_bad_ranges():
    with pytest.raises(ValueError, match=r'area_range=\(0.5, 0.2\)'):
        RandomResizedCrop(area_range=(0.5, 0.2))


def test_multi_scale_crop_fixed_crops_sit_on_the_grid():
    transform = MultiScaleCrop(input_size=16, scales=(1, 0.75, 0.5))
    for _ in range(10):
        results = transform(sample())
        x1, y1, x2, y2 = results['crop_bbox'].tolist()
        crop_w, crop_h = x2 - x1, y2 - y1
        # sides 24 * (1, 0.75, 0.5) = 24, 18, 12; 18 is within 2 pixels of 16 and snaps
        assert crop_w in (24, 16, 12) and crop_h in (24, 16, 12)
        grid = {(i * ((32 - crop_w) // 4), j * ((24 - crop_h) // 4))
                for i, j in [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)]}
        assert (x1, y1) in grid
        assert results['scales'] == (1, 0.75, 0.5)
        assert_cropped(results, (x1, y1, x2, y2))


def test_multi_scale_crop_random_crop_stays_inside():
    transform = MultiScaleCrop(input_size=(20, 10), scales=(1, 0.5), random_crop=True)
    for _ in range(10):
        x1, y1, x2, y2 = transform(sample())['crop_bbox'].tolist()
        assert 0 <= x1 and x2 <= 32 and 0 <= y1 and y2 <= 24


def test_multi_scale_crop_rejects_bad_num_fixed_crops():
    with pytest.raises(ValueError, match='num_fixed_crops=6; expected 5 or 13'):
        MultiScaleCrop(input_size=16, num_fixed_crops=6)


def test_center_crop_box_and_pixels():
    results = CenterCrop(crop_size=16)(sample())
    assert results['crop_bbox'].tolist() == [8, 4, 24, 20]
    assert results['img_shape'] == (16, 16)
    assert_cropped(results, (8, 4, 24, 20))


def test_center_crop_takes_w_h_pairs():
    assert CenterCrop(crop_size=(20, 10))(sample())['img_shape'] == (10, 20)


def test_crops_compose_crop_quadruple():
    results = CenterCrop(crop_size=16)(CenterCrop(crop_size=(24, 24))(sample()))
    # first crop x 4/32, y 0, w 24/32, h 1; second crop x 4/24, y 4/24, w and h 16/24
    expected = [4 / 32 + 4 / 24 * 24 / 32, 4 / 24, 16 / 24 * 24 / 32, 16 / 24]
    assert np.allclose(results['crop_quadruple'], expected)


def test_three_crop_takes_start_end_and_middle_of_the_long_side():
    results = ThreeCrop(crop_size=24)(sample())
    boxes = results['crop_bbox'].tolist()
    assert len(results['imgs']) == 9 and len(boxes) == 9
    assert [boxes[i] for i in (0, 3, 6)] == [[0, 0, 24, 24], [8, 0, 32, 24], [4, 0, 28, 24]]
    assert results['img_shape'] == (24, 24)
    assert [int(img[0, 0, 2]) for img in results['imgs'][::3]] == [0, 8, 4]
    assert [int(img[0, 0, 0]) for img in results['imgs'][:3]] == [0, 1, 2]


def test_three_crop_needs_one_side_equal_to_the_frames():
    with pytest.raises(ValueError, match='must match the width or the height'):
        ThreeCrop(crop_size=16)(sample())


def test_ten_crop_adds_horizontal_flips_of_five_crops():
    results = TenCrop(crop_size=16)(sample(num=2))
    imgs, boxes = results['imgs'], results['crop_bbox'].tolist()
    assert len(imgs) == len(boxes) == 20
    # per position: 2 crops then their 2 flips; steps (32 - 16) // 4 = 4 and (24 - 16) // 4 = 2
    assert [boxes[i][:2] for i in range(0, 20, 4)] == [[0, 0], [16, 0], [0, 8], [16, 8], [8, 4]]
    assert np.array_equal(imgs[2], imgs[0][:, ::-1]) and np.array_equal(imgs[3], imgs[1][:, ::-1])
    assert results['img_shape'] == (16, 16)


def test_geometric_transforms_refuse_boxes_they_would_not_update():
    with pytest.raises(NotImplementedError, match="ThreeCrop does not update 'gt_bboxes'"):
        ThreeCrop(crop_size=16)(sample(gt_bboxes=np.zeros((1, 4))))


# ----------------------------------------------------------------------------- flip
def test_flip_horizontal_mirrors_every_frame():
    frames = coded_frames(2)
    results = Flip(flip_ratio=1.0)(dict(imgs=frames))
    assert results['flip'] is True and results['flip_direction'] == 'horizontal'
    assert all(np.array_equal(out, img[:, ::-1]) for out, img in zip(results['imgs'], frames))


def test_flip_vertical_mirrors_rows():
    frames = coded_frames(1)
    results = Flip(flip_ratio=1.0, direction='vertical')(dict(imgs=frames))
    assert np.array_equal(results['imgs'][0], frames[0][::-1])


def test_flip_ratio_zero_leaves_frames_alone():
    frames = coded_frames(2)
    results = Flip(flip_ratio=0.0)(dict(imgs=frames))
    assert results['flip'] is False and results['imgs'] is frames


def test_flip_of_flow_inverts_the_x_components():
    x, y = np.full((4, 4), 200, np.uint8), np.full((4, 4), 60, np.uint8)
    x[:, 0] = 10
    results = Flip(flip_ratio=1.0)(dict(imgs=[x, y], modality='Flow'))
    assert results['imgs'][0][0].tolist() == [55, 55, 55, 245]  # flipped, then 255 - x
    assert (results['imgs'][1] == 60).all()


def test_flip_maps_labels_of_flipped_samples():
    results = Flip(flip_ratio=1.0, flip_label_map={3: 4})(dict(imgs=coded_frames(1), label=3))
    assert results['label'] == 4


def test_flip_rejects_bad_arguments():
    with pytest.raises(ValueError, match="direction='diagonal'; expected 'horizontal' or"):
        Flip(direction='diagonal')
    with pytest.raises(ValueError, match=r'flip_ratio=1.5; expected a number in \[0, 1\]'):
        Flip(flip_ratio=1.5)


# ----------------------------------------------------------------------------- colour
def test_color_jitter_with_zero_ranges_is_identity():
    frames = [np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)]
    results = ColorJitter(brightness=0, contrast=0, saturation=0, hue=0)(dict(imgs=frames))
    assert np.array_equal(results['imgs'][0], frames[0])


def test_color_jitter_applies_the_same_factors_to_every_frame():
    img = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    results = ColorJitter()(dict(imgs=[img, img.copy()]))
    first, second = results['imgs']
    assert first.dtype == np.uint8 and first.shape == img.shape
    assert np.array_equal(first, second) and not np.array_equal(first, img)


def test_color_jitter_brightness_scales_pixels():
    img = np.full((2, 2, 3), 100, np.uint8)
    np.random.seed(3)
    factor = np.random.uniform(0.5, 1.5)
    np.random.seed(3)
    results = ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0)(dict(imgs=[img]))
    assert int(results['imgs'][0][0, 0, 0]) == int(100 * np.float32(factor))


def test_color_jitter_rejects_out_of_range_arguments():
    with pytest.raises(ValueError, match=r'hue=0.7; expected a number in \[0, 0.5\]'):
        ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match=r'brightness=\(0.5, 2.5\)'):
        ColorJitter(brightness=(0.5, 2.5))


def erased_mask(before, after):
    """(H, W) bool: where any frame changed."""
    return np.any([np.any(a != b, axis=2) for a, b in zip(before, after)], axis=0)


def test_random_erasing_fills_one_box_at_the_same_place_in_every_frame():
    np.random.seed(3)
    frames = [np.full((40, 50, 3), 7, np.uint8) for _ in range(3)]
    erasing = RandomErasing(erase_prob=1.0, fill_color=(200, 100, 0), min_area_ratio=0.1, max_area_ratio=0.3)
    out = erasing(dict(imgs=frames))['imgs']
    mask = erased_mask(frames, out)
    rows, cols = np.nonzero(mask)
    box = mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert box.all()  # one filled rectangle
    assert 0.1 * 2000 * 0.8 <= box.size <= 0.3 * 2000 * 1.2  # the area ratio, up to rounding
    for img in out:
        assert (img[mask] == (200, 100, 0)).all() and (img[~mask] == 7).all()
    assert all((f == 7).all() for f in frames)  # the input frames are left as they were


def test_random_erasing_rand_mode_draws_new_values_per_frame_and_prob_zero_is_identity():
    np.random.seed(0)
    frames = [np.zeros((32, 32, 3), np.uint8) for _ in range(2)]
    out = RandomErasing(erase_prob=1.0, mode='rand', min_area_ratio=0.2)(dict(imgs=frames))['imgs']
    mask = erased_mask(frames, out)
    assert mask.sum() > 0.2 * 1024 * 0.8 and not np.array_equal(out[0][mask], out[1][mask])
    normal = RandomErasing(erase_prob=1.0, mode='rand', fill_color=100, fill_std=1)(dict(imgs=frames))['imgs']
    assert abs(float(normal[0][erased_mask(frames, normal)].mean()) - 100) < 2
    untouched = RandomErasing(erase_prob=0.0)(dict(imgs=frames))['imgs']
    assert all(a is b for a, b in zip(untouched, frames))


@pytest.mark.parametrize('kwargs, message', [
    (dict(erase_prob=1.5), 'erase_prob=1.5'),
    (dict(min_area_ratio=0.5, max_area_ratio=0.2), 'min_area_ratio, max_area_ratio'),
    (dict(mode='mean'), "mode='mean'"),
    (dict(fill_color=(1, 2)), 'fill_color=(1, 2)'),
])
def test_random_erasing_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(')', r'\)')):
        RandomErasing(**kwargs)


# ----------------------------------------------------------------------------- keypoints
def poses(coords, channels=2):
    """One person, one frame: joint ``v`` at ``coords[v]`` (``(0, 0)`` is a missing joint)."""
    keypoint = np.zeros((1, 1, len(coords), channels), np.float32)
    keypoint[0, 0, :, :2] = coords
    return keypoint


@pytest.mark.parametrize('transform', [
    RandomCrop(size=16), RandomResizedCrop(area_range=(0.3, 0.6)), CenterCrop(crop_size=(20, 12)),
    MultiScaleCrop(input_size=16, scales=(1, 0.75), random_crop=True)])
def test_crops_move_keypoints_with_the_pixels(transform):
    # joints on pixels the crops keep (x 14..17, y 10..13); the coded frames say where a pixel was
    keypoint = poses([(14, 10), (17, 13), (15, 12)])
    results = transform(sample(keypoint=keypoint))
    x1, y1 = results['crop_bbox'][:2]
    moved = results['keypoint'][0, 0]
    np.testing.assert_array_equal(moved, keypoint[0, 0] - (x1, y1))
    img = results['imgs'][0]
    for (x, y), (old_x, old_y) in zip(moved.astype(int), keypoint[0, 0].astype(int)):
        assert (img[y, x, 2], img[y, x, 1]) == (old_x, old_y)


def test_crops_move_missing_joints_too_as_mmaction2_does():
    keypoint = poses([(40, 30), (0, 0)])
    results = CenterCrop(crop_size=64)(dict(keypoint=keypoint, img_shape=(100, 80)))
    # box corner (8, 18); the int offset turns the coordinates into float64, as in MMAction2
    assert results['keypoint'].dtype == np.float64
    np.testing.assert_array_equal(results['keypoint'][0, 0], [[32, 12], [-8, -18]])
    assert results['img_shape'] == (64, 64) and 'imgs' not in results


def test_center_crop_of_keypoints_alone_may_be_larger_than_the_frame():
    results = CenterCrop(crop_size=64)(dict(keypoint=poses([(30, 20)]), img_shape=(40, 60)))
    np.testing.assert_array_equal(results['keypoint'][0, 0, 0], [32, 32])  # corner (-2, -12)
    with pytest.raises(ValueError, match='does not fit'):
        CenterCrop(crop_size=64)(sample(keypoint=poses([(30, 20)])))


def test_resize_scales_keypoints_without_frames():
    keypoint = poses([(40, 30), (0, 0)], channels=3)
    keypoint[..., 2] = 0.7  # a score channel stays as it is
    results = Resize(scale=(-1, 50))(dict(keypoint=keypoint, img_shape=(100, 200)))
    assert results['img_shape'] == (50, 100) and 'imgs' not in results
    np.testing.assert_allclose(results['keypoint'][0, 0], [[20, 15, 0.7], [0, 0, 0.7]])
    np.testing.assert_allclose(results['scale_factor'], [0.5, 0.5])


def test_resize_and_random_rescale_scale_keypoints_with_the_frames():
    results = Resize(scale=(64, 12), keep_ratio=False)(sample(keypoint=poses([(16, 12)])))
    np.testing.assert_allclose(results['keypoint'][0, 0, 0], [32, 6])
    results = RandomRescale(scale_range=(12, 13))(sample(keypoint=poses([(16, 12)])))
    short = results['short_edge']
    np.testing.assert_allclose(results['keypoint'][0, 0, 0], results['scale_factor'] * (16, 12))
    assert results['img_shape'][0] == short


def test_flip_mirrors_keypoints_and_swaps_left_and_right_joints():
    keypoint = poses([(5, 6), (10, 2), (20, 3), (0, 0)])  # nose, left eye, right eye, missing
    score = np.array([[[0.9, 0.8, 0.7, 0.0]]], np.float32)
    results = Flip(flip_ratio=1.0, left_kp=[1], right_kp=[2])(
        dict(keypoint=keypoint, keypoint_score=score, img_shape=(24, 32)))
    np.testing.assert_array_equal(results['keypoint'][0, 0], [[27, 6], [12, 3], [22, 2], [0, 0]])
    np.testing.assert_array_equal(results['keypoint_score'][0, 0], score[0, 0, [0, 2, 1, 3]])
    assert results['flip'] is True and 'imgs' not in results
    kept = Flip(flip_ratio=1.0)(dict(keypoint=keypoint, img_shape=(24, 32)))['keypoint']
    np.testing.assert_array_equal(kept[0, 0, 1:3], [[22, 2], [12, 3]])  # no pairs: no swap
    assert Flip(flip_ratio=0.0)(dict(keypoint=keypoint, img_shape=(24, 32)))['keypoint'] is keypoint


def test_flip_moves_keypoints_with_frames_and_maps_labels():
    results = Flip(flip_ratio=1.0, flip_label_map={2: 5})(
        sample(keypoint=poses([(3, 4)]), label=2))
    assert results['keypoint'][0, 0, 0].tolist() == [29, 4]
    assert results['imgs'][0][4, 28, 2] == 3  # w - x counts from the right edge, pixel 31 - x
    assert results['label'] == 5


def test_flip_refuses_what_keypoints_cannot_do():
    with pytest.raises(ValueError, match="direction='vertical' is not supported for keypoints"):
        Flip(flip_ratio=1.0, direction='vertical')(dict(keypoint=poses([(1, 1)]), img_shape=(4, 4)))
    with pytest.raises(ValueError, match='left_kp=\\[1\\] and right_kp=None must pair up'):
        Flip(left_kp=[1])


def test_keypoint_only_samples_need_img_shape():
    with pytest.raises(KeyError, match='keypoint-only samples need img_shape'):
        Resize(scale=(8, 8), keep_ratio=False)(dict(keypoint=poses([(1, 1)])))


@pytest.mark.parametrize('transform', [ThreeCrop(crop_size=24), TenCrop(crop_size=16)])
def test_multi_crops_refuse_keypoints_they_would_leave_stale(transform):
    with pytest.raises(NotImplementedError, match="does not update 'keypoint'"):
        transform(sample(keypoint=poses([(1, 1)])))
