"""The PoseC3D pipelines give MMAction2's heatmaps: a hand-built sample through the official
NTU-60 keypoint train and val pipelines, against summaries measured with MMAction2 1.2.0.

The summaries are, per heatmap channel, its mass and the mean x and y of that mass, so a joint
moved by a pixel, a missed left/right swap or a heatmap of another height shows. They were
measured by running the same steps with MMAction2 1.2.0 (NumPy 2.4, its ``np.Inf`` spelled
``np.inf``) on this sample, the RandomResizedCrop box pinned as below; the whole volumes were
equal there, bit for bit.
"""
import numpy as np
import pytest
from mmengine.dataset import Compose

from reelkit.datasets.transforms import processing
from reelkit.registry import TRANSFORMS

LEFT_KP = [1, 3, 5, 7, 9, 11, 13, 15]
RIGHT_KP = [2, 4, 6, 8, 10, 12, 14, 16]

VAL_SUMMARY = np.array([
    [149.182022, 30.619702, 19.967809], [149.457797, 32.024679, 21.549476],
    [148.085899, 32.098799, 23.140536], [149.009083, 30.917899, 24.747862],
    [149.630733, 29.410089, 26.329975], [148.234214, 28.958062, 27.917166],
    [148.771952, 30.131169, 29.528036], [149.553790, 31.736495, 31.107139],
    [148.381162, 32.234467, 32.695297], [148.518045, 31.338345, 34.302897],
    [149.660087, 29.779368, 35.888641], [148.574381, 28.910189, 37.473716],
    [148.320580, 29.684961, 39.078538], [149.669461, 31.345525, 40.671743],
    [148.759105, 32.247124, 42.249659], [148.160756, 31.703970, 43.853920],
    [0.000000, 0.000000, 0.000000],
])
# Flipped: joints 15 and 16 swap, so the empty channel is 15.
TRAIN_SUMMARY = np.array([
    [141.953615, 27.297801, 17.547211], [138.240427, 26.426037, 20.783838],
    [135.682974, 26.613107, 19.146328], [145.067414, 27.763117, 24.192506],
    [143.552689, 26.689309, 22.512283], [144.297198, 27.514709, 27.467871],
    [146.521006, 28.372847, 25.817287], [136.859027, 26.418763, 30.689862],
    [136.520930, 26.788869, 29.070056], [144.626807, 27.440939, 34.102494],
    [141.812145, 26.649927, 32.392920], [145.564391, 27.861168, 37.377758],
    [146.267430, 28.317923, 35.735559], [135.911829, 26.446065, 40.603568],
    [138.188492, 26.997320, 38.994681], [0.000000, 0.000000, 0.000000],
    [140.423597, 26.536726, 42.280008],
])


def reference_sample():
    """Two persons crossing a 480 x 640 frame in 60 frames; the second is away in frames 20-29
    and joint 16 is never seen (zero coordinates and score)."""
    t = np.arange(60, dtype=np.float64)[None, :, None]
    v = np.arange(17, dtype=np.float64)[None, None, :]
    m = np.arange(2, dtype=np.float64)[:, None, None]
    x = 200 + 150 * m + 3 * t + 12 * np.sin(v) + 4 * np.cos(0.2 * t + v)
    y = 150 + 11 * v + 20 * m + 5 * np.sin(0.1 * t) + 0 * x
    keypoint = np.stack([x, y], -1).astype(np.float32)
    score = (0.55 + 0.4 * np.cos(0.3 * t + v + m) ** 2).astype(np.float32)
    keypoint[1, 20:30], score[1, 20:30] = 0, 0
    keypoint[:, :, 16], score[:, :, 16] = 0, 0
    return dict(keypoint=keypoint, keypoint_score=score, img_shape=(480, 640), total_frames=60,
                start_index=0, modality='Pose', label=0)


def heatmap_summary(volume):
    """Per channel of an (N, K, T, H, W) heatmap volume: its mass and its mean x and y."""
    volume = volume.astype(np.float64)
    h, w = volume.shape[-2:]
    mass = volume.sum(axis=(0, 2, 3, 4))
    ys = (volume.sum(axis=(0, 2, 4)) * np.arange(h)).sum(-1)
    xs = (volume.sum(axis=(0, 2, 3)) * np.arange(w)).sum(-1)
    mean = [np.divide(s, mass, out=np.zeros_like(mass), where=mass > 0) for s in (xs, ys)]
    return np.stack([mass] + mean, -1)


def ntu60_keypoint_pipeline(mode):
    """slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint, train flipping every sample."""
    steps = [dict(type='PoseDecode'), dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
             dict(type='Resize', scale=(-1, 64))]
    if mode == 'train':
        steps = ([dict(type='UniformSampleFrames', clip_len=48)] + steps
                 + [dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
                    dict(type='Resize', scale=(56, 56), keep_ratio=False),
                    dict(type='Flip', flip_ratio=1.0, left_kp=LEFT_KP, right_kp=RIGHT_KP)])
    else:
        steps = ([dict(type='UniformSampleFrames', clip_len=48, num_clips=1, test_mode=True)]
                 + steps + [dict(type='CenterCrop', crop_size=64)])
    steps += [dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
                   with_limb=False),
              dict(type='FormatShape', input_format='NCTHW_Heatmap'), dict(type='PackActionInputs')]
    return Compose([TRANSFORMS.build(step) for step in steps])


@pytest.mark.parametrize('mode, shape, expected', [('val', (1, 17, 48, 64, 64), VAL_SUMMARY),
                                                   ('train', (1, 17, 48, 56, 56), TRAIN_SUMMARY)])
def test_posec3d_pipelines_match_mmaction2(mode, shape, expected, monkeypatch):
    def pinned_box(img_h, img_w, *args, **kwargs):  # MMAction2 draws it with Python's random
        return 4, 3, 4 + int(img_w * 0.8), 3 + int(img_h * 0.85)

    monkeypatch.setattr(processing, 'random_resized_crop_box', pinned_box)
    np.random.seed(0)  # the training frame draws are NumPy's, as in MMAction2
    inputs = ntu60_keypoint_pipeline(mode)(reference_sample())['inputs'].numpy()
    assert inputs.shape == shape and inputs.dtype == np.float32
    np.testing.assert_allclose(heatmap_summary(inputs), expected, rtol=1e-5, atol=1e-5)
