"""RandAugment (pytorchvideo's, through PytorchVideoWrapper): each operation checked by hand."""
import numpy as np
import pytest
import torch

from reelkit.datasets.transforms import PytorchVideoWrapper, VideoRandAugment
from reelkit.datasets.transforms import rand_augment as ra
from reelkit.registry import TRANSFORMS

FILL = (0, 0, 0)


def random_image(seed=0, size=(16, 16)):
    return np.random.RandomState(seed).randint(0, 256, size + (3, ), dtype=np.uint8)


def test_pixel_operations():
    img = random_image()
    np.testing.assert_array_equal(ra.invert(ra.invert(img)), img)
    np.testing.assert_array_equal(ra.posterize(img, 2), img & 0b11000000)
    np.testing.assert_array_equal(ra.solarize(img, 0.5), np.where(img >= 127, 255 - img, img))
    np.testing.assert_array_equal(ra.brightness(img, 0.5), (img * 0.5).astype(np.uint8))
    np.testing.assert_array_equal(ra.contrast(img, 1.0), img)
    luma = (0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).astype(np.uint8)
    assert (ra.contrast(img, 0.0) == np.uint8(luma.mean())).all()  # all at the mean grey level
    np.testing.assert_array_equal(ra.saturation(img, 0.0), np.repeat(luma[..., None], 3, axis=2))


def test_autocontrast_stretches_each_channel_and_leaves_flat_ones():
    img = np.zeros((4, 4, 3), np.uint8)
    img[..., 0] = np.arange(16).reshape(4, 4) + 100  # 100..115
    img[..., 1] = 50
    out = ra.autocontrast(img)
    assert out[..., 0].min() == 0 and out[..., 0].max() == 255
    assert (out[..., 1] == 50).all()


def test_equalize_spreads_a_two_level_channel():
    img = np.zeros((32, 32, 3), np.uint8)
    img[:16] = 10
    img[16:] = 20
    # PIL's lut: step = 512 // 255 = 2; level 10 -> (0 + 1) // 2 = 0, level 20 -> (512 + 1) // 2, clipped to 255
    np.testing.assert_array_equal(np.unique(ra.equalize(img)), [0, 255])
    np.testing.assert_array_equal(ra.equalize(img[:4]), img[:4])  # too few pixels: left as it is


def test_geometry_moves_pixels_as_stated():
    img = random_image(size=(8, 8))
    np.testing.assert_array_equal(ra.rotate(img, 90, FILL), np.rot90(img, k=1))  # counter-clockwise
    moved = ra.translate_x(img, 0.25, FILL)  # output x reads input x + 2
    np.testing.assert_array_equal(moved[:, :6], img[:, 2:])
    assert not moved[:, 6:].any()
    np.testing.assert_array_equal(ra.translate_y(img, -0.25, (9, 9, 9))[2:], img[:6])
    assert (ra.translate_y(img, -0.25, (9, 9, 9))[:2] == 9).all()
    np.testing.assert_array_equal(ra.shear_x(img, 0.0, FILL), img)


def test_rand_augment_applies_the_same_operations_to_every_frame():
    torch.manual_seed(0)
    frames = [random_image(1)] * 4
    augment = VideoRandAugment(magnitude=7, num_layers=4, prob=1.0)
    for _ in range(10):
        out = augment(frames)
        assert all(np.array_equal(out[0], frame) for frame in out[1:])
    assert not np.array_equal(out[0], frames[0])


def test_rand_augment_draws_distinct_operations_and_prob_zero_is_identity(monkeypatch):
    used = []
    for name, (operation, level, fill) in list(ra.OPERATIONS.items()):
        monkeypatch.setitem(ra.OPERATIONS, name,
                            (lambda img, *a, name=name, **k: used.append(name) or img, level, fill))
    torch.manual_seed(0)
    VideoRandAugment(num_layers=5, prob=1.0)([random_image()])
    assert len(used) == 5 == len(set(used))
    used.clear()
    VideoRandAugment(num_layers=5, prob=0.0)([random_image()])
    assert used == []


def test_levels_are_clipped_to_the_scale():
    torch.manual_seed(0)
    gaussian = VideoRandAugment(magnitude=10, sampling_hparas=dict(sampling_std=5))
    levels = [gaussian.level() for _ in range(200)]
    assert max(levels) == 10 and min(levels) >= 0
    uniform = VideoRandAugment(magnitude=3, sampling_type='uniform')
    assert {uniform.level() for _ in range(200)} == {0, 1, 2, 3}


def test_wrapper_builds_from_mmaction2_configs_and_names_unsupported_ops():
    wrapper = TRANSFORMS.build(dict(type='PytorchVideoWrapper', op='RandAugment', magnitude=7, num_layers=4))
    out = wrapper(dict(imgs=[random_image()] * 2))['imgs']
    assert len(out) == 2 and out[0].dtype == np.uint8 and out[0].shape == (16, 16, 3)
    with pytest.raises(ValueError, match="op='AugMix' is not implemented in reelkit"):
        PytorchVideoWrapper(op='AugMix')
    with pytest.raises(ValueError, match='num_layers=20'):
        PytorchVideoWrapper(op='RandAugment', num_layers=20)
