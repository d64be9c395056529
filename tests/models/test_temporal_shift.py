"""Temporal shift and temporal pooling against small hand-computed examples."""
import pytest
import torch
import torch.nn as nn

from reelkit.models.backbones import ResNetTSM, TemporalPool, TemporalShift, temporal_shift


def frames(values) -> torch.Tensor:
    """(T, C) values -> (T, C, 1, 1) frames."""
    return torch.tensor(values, dtype=torch.float32)[:, :, None, None]


def test_shift_moves_first_fold_back_and_second_fold_forward():
    # One clip, 3 segments, 4 channels, shift_div=4 -> fold of 1 channel. x[t, c] = 10 t + c.
    x = frames([[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
    expected = frames([
        [10, 0, 2, 3],  # channel 0 from t+1, channel 1 from t-1 (none: 0)
        [20, 1, 12, 13],
        [0, 11, 22, 23],  # channel 0 from t+1 (none: 0)
    ])
    assert torch.equal(temporal_shift(x, num_segments=3, shift_div=4), expected)


def test_shift_stays_inside_each_clip():
    clip = frames([[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
    two_clips = torch.cat([clip, clip + 100])
    shifted = temporal_shift(two_clips, num_segments=3, shift_div=4)
    # The second clip shifts exactly like the first; nothing crosses the clip boundary.
    expected_second = temporal_shift(clip + 100, num_segments=3, shift_div=4)
    assert torch.equal(shifted[3:], expected_second)
    assert shifted[2, 0].item() == 0 and shifted[3, 1].item() == 0


def test_shift_rejects_a_partial_clip():
    with pytest.raises(ValueError, match='7 frames is not a whole number of 8-segment clips'):
        temporal_shift(torch.zeros(7, 8, 2, 2), num_segments=8, shift_div=8)


def test_temporal_shift_module_applies_net_to_the_shifted_input():
    x = torch.randn(6, 8, 3, 3)
    module = TemporalShift(nn.Identity(), num_segments=3, shift_div=4)
    assert torch.equal(module(x), temporal_shift(x, 3, 4))


def test_temporal_pool_max_pools_segments_by_two():
    # One clip of 4 segments, 1 channel: windows of 3 (padded) at t = 0 and t = 2.
    x = frames([[1], [5], [2], [3]])
    assert torch.equal(TemporalPool(nn.Identity(), num_segments=4)(x), frames([[5], [5]]))


def shifted_blocks(layer) -> list:
    return [i for i, block in enumerate(layer) if isinstance(block.conv1.conv, TemporalShift)]


def test_blockres_shifts_every_block_in_resnet50_and_every_other_in_resnet101():
    with torch.device('meta'):
        r50, r101 = ResNetTSM(50), ResNetTSM(101)
    assert shifted_blocks(r50.layer3) == list(range(6))
    assert shifted_blocks(r101.layer1) == [0, 2]
    assert shifted_blocks(r101.layer3) == list(range(0, 23, 2))


def test_invalid_tsm_options_are_rejected():
    with pytest.raises(ValueError, match="shift_place='blockres2'"):
        ResNetTSM(18, shift_place='blockres2')
    with pytest.raises(ValueError, match='even with temporal_pool'):
        ResNetTSM(18, num_segments=3, temporal_pool=True)
    with pytest.raises(ValueError, match=r'layer2 has 2 blocks'):
        ResNetTSM(18, non_local=((0, 0), (1, 0, 1), (0, 0), (0, 0)))
