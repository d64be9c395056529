"""ActionDataPreprocessor: stacking, normalisation numbers, to_rgb, the shapes of mean/std per format."""
import pytest
import torch

from reelkit.models.data_preprocessors import ActionDataPreprocessor

MEAN, STD = [10.0, 20.0, 30.0], [2.0, 4.0, 5.0]


def pixel_clip(bgr, shape) -> torch.Tensor:
    """A uint8 tensor of ``shape`` holding ``bgr`` in its channel dim (the one of size 3) everywhere."""
    channel_dim = shape.index(3)
    view = [1] * len(shape)
    view[channel_dim] = 3
    return torch.tensor(bgr, dtype=torch.uint8).view(view).expand(shape).clone()


def test_nchw_stacks_and_normalises_per_channel():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD)
    data = pre(dict(inputs=[pixel_clip([12, 28, 40], (2, 3, 4, 4))] * 2, data_samples=None))
    batch = data['inputs']
    assert batch.shape == (2, 2, 3, 4, 4) and batch.dtype == torch.float32
    # (12 - 10) / 2, (28 - 20) / 4, (40 - 30) / 5
    assert torch.equal(batch[0, 0, :, 0, 0], torch.tensor([1.0, 2.0, 2.0]))


def test_to_rgb_reverses_the_channels_before_normalising():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    batch = pre(dict(inputs=[pixel_clip([40, 28, 12], (1, 3, 2, 2))]))['inputs']  # BGR of the pixel above
    assert torch.equal(batch[0, 0, :, 1, 1], torch.tensor([1.0, 2.0, 2.0]))


def test_ncthw_normalises_along_the_channel_dim():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, to_rgb=True, format_shape='NCTHW')
    assert pre.mean.shape == (3, 1, 1, 1)
    batch = pre(dict(inputs=[pixel_clip([40, 28, 12], (1, 3, 2, 4, 4))]))['inputs']
    assert batch.shape == (1, 1, 3, 2, 4, 4)
    assert torch.equal(batch[0, 0, :, 1, 2, 3], torch.tensor([1.0, 2.0, 2.0]))


def test_mix2d3d_reads_image_batches_as_nchw():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, format_shape='MIX2d3d')
    images = pre(dict(inputs=[pixel_clip([12, 28, 40], (3, 2, 2))]))['inputs']  # (N, C, H, W)
    assert torch.equal(images[0, :, 0, 0], torch.tensor([1.0, 2.0, 2.0]))


def test_mean_and_std_are_non_persistent_buffers():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD)
    assert pre.mean.shape == (3, 1, 1) and pre.std.shape == (3, 1, 1)
    assert pre.state_dict() == {}


def test_without_mean_inputs_become_float32():
    batch = ActionDataPreprocessor()(dict(inputs=[torch.ones(1, 3, 2, 2, dtype=torch.uint8)]))['inputs']
    assert batch.dtype == torch.float32 and batch.shape == (1, 1, 3, 2, 2)


def test_argument_errors_name_the_problem():
    with pytest.raises(ValueError, match="format_shape='NTCHW'"):
        ActionDataPreprocessor(format_shape='NTCHW')
    with pytest.raises(ValueError, match='give both'):
        ActionDataPreprocessor(mean=MEAN)
    flow = ActionDataPreprocessor(to_rgb=True)
    with pytest.raises(ValueError, match='to_rgb needs 3 channels'):
        flow(dict(inputs=[torch.zeros(1, 10, 2, 2)]))
