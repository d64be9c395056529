"""OmniSource's image source: ImageNet read through mmcls names (LoadRGBFromFile, mmcls.RandomResizedCrop,
mmcls.RandomFlip, mmcls.PackClsInputs) maps to reelkit, and an OmniSource config trains on images and
videos together."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from reelkit.datasets import ImageNet
from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion
from reelkit.datasets.synth_shapes import SYNTH_SHAPES_CLASSES, generate_synth_shapes
from reelkit.datasets.transforms import ClsRandomFlip, ClsRandomResizedCrop, LoadRGBFromFile, PackClsInputs
from reelkit.engine import ReelkitRunner
from reelkit.utils.config import apply_scope_aliases
from reelkit.utils.errors import ConfigError

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    return generate_synth_shapes(str(tmp_path_factory.mktemp('shapes')), num_images=8, size=32)


def test_load_rgb_from_file_reads_rgb_and_can_ignore_a_missing_file(tmp_path):
    image = np.zeros((4, 6, 3), np.uint8)
    image[..., 0] = 200  # blue in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / 'blue.png'), image)
    results = LoadRGBFromFile()(dict(img_path=str(tmp_path / 'blue.png')))
    assert results['img'][0, 0].tolist() == [0, 0, 200] and results['img_shape'] == results['ori_shape'] == (4, 6)
    assert LoadRGBFromFile(ignore_empty=True)(dict(img_path=str(tmp_path / 'missing.png'))) is None
    with pytest.raises(ConfigError, match='missing.png'):
        LoadRGBFromFile()(dict(img_path=str(tmp_path / 'missing.png')))


def test_random_resized_crop_resizes_a_random_box_to_the_scale():
    """Each pixel of a constant-column image keeps its column's value, so the crop's columns show."""
    np.random.seed(0)
    image = np.repeat(np.arange(80, dtype=np.uint8)[None, :, None], 60, axis=0).repeat(3, axis=2)
    crop = ClsRandomResizedCrop(scale=(24, 16), interpolation='nearest')
    seen = set()
    for _ in range(10):
        out = crop(dict(img=image))
        assert out['img'].shape == (16, 24, 3) and out['img_shape'] == (16, 24)
        columns = out['img'][0, :, 0]
        assert (np.diff(columns.astype(int)) >= 0).all()  # one contiguous, unflipped span
        seen.add((int(columns[0]), int(columns[-1])))
    assert len(seen) > 1  # the box moves from call to call


def test_random_resized_crop_falls_back_to_the_centred_square():
    image = np.repeat(np.arange(100, dtype=np.uint8)[None, :, None], 10, axis=0).repeat(3, axis=2)
    out = ClsRandomResizedCrop(scale=10, max_attempts=0, interpolation='nearest')(dict(img=image))
    assert out['img'][0, :, 0].tolist() == list(range(45, 55))


def test_random_flip_and_pack_give_a_chw_tensor_with_its_label():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    flipped = ClsRandomFlip(prob=1.0)(dict(img=image, gt_label=4))
    assert np.array_equal(flipped['img'], image[:, ::-1]) and flipped['flip_direction'] == 'horizontal'
    packed = PackClsInputs()(flipped)
    assert tuple(packed['inputs'].shape) == (3, 2, 3)
    assert packed['inputs'][:, 0, 0].tolist() == image[0, 2].tolist()
    assert int(packed['data_samples'].gt_label) == 4 and packed['data_samples'].flip is True


def test_mmcls_names_map_to_reelkit_only_where_reelkit_provides_them():
    cfg = Config(dict(data=dict(type='mmcls.ImageNet', pipeline=[
        dict(type='mmcls.RandomResizedCrop', scale=8), dict(type='mmpretrain.RandomFlip'),
        dict(type='mmcls.PackClsInputs')]), model=dict(backbone=dict(type='mmcls.ResNeXt'))))
    apply_scope_aliases(cfg)
    assert cfg.data.type == 'reelkit.ImageNet'
    assert [t.type for t in cfg.data.pipeline] == ['reelkit.ClsRandomResizedCrop', 'reelkit.ClsRandomFlip',
                                                   'reelkit.PackClsInputs']
    assert cfg.model.backbone.type == 'mmcls.ResNeXt'  # built from mmcls itself, when installed


def test_imagenet_reads_a_path_label_list(shapes):
    dataset = ImageNet(data_root=osp.dirname(shapes['labels']), ann_file='labels.txt', pipeline=[])
    assert len(dataset) == 8
    assert dataset[0]['img_path'].endswith('images/00000.png') and 0 <= dataset[0]['gt_label'] < 6


def omnisource_config(videos: dict, shapes: dict, work_dir: str) -> str:
    """The structure of MMAction2's OmniSource config (slowonly_r50_8xb16-8x8x1-256e_imagenet-
    kinetics400-rgb.py), shrunk: a one-block-per-stage OmniResNet, SynthMotion for Kinetics and
    SynthShapes for ImageNet."""
    image_root = osp.dirname(shapes['labels'])
    return f"""
default_scope = 'mmaction'
model = dict(type='RecognizerOmni', backbone=dict(type='OmniResNet', layers=(1, 1, 1, 1)),
             cls_head=dict(type='OmniHead', image_classes={len(SYNTH_SHAPES_CLASSES)},
                           video_classes={len(SYNTH_MOTION_CLASSES)}, in_channels=2048, average_clips='prob'),
             data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                    std=[58.395, 57.12, 57.375], format_shape='MIX2d3d'))
train_pipeline = [dict(type='DecordInit'), dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1),
                  dict(type='DecordDecode'), dict(type='RandomResizedCrop'),
                  dict(type='Resize', scale=(32, 32), keep_ratio=False), dict(type='Flip', flip_ratio=0.5),
                  dict(type='FormatShape', input_format='NCTHW'), dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type='VideoDataset', ann_file='{videos["train"]}',
                                     data_prefix=dict(video='{videos["root"]}'), pipeline=train_pipeline))
imagenet_pipeline = [dict(type='LoadRGBFromFile'), dict(type='mmcls.RandomResizedCrop', scale=32),
                     dict(type='mmcls.RandomFlip', prob=0.5, direction='horizontal'),
                     dict(type='mmcls.PackClsInputs')]
image_dataloader = dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type='mmcls.ImageNet', data_root='{image_root}', ann_file='labels.txt',
                                     pipeline=imagenet_pipeline))
train_cfg = dict(type='MultiLoaderEpochBasedTrainLoop', other_loaders=[image_dataloader], max_epochs=1,
                 val_interval=10)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9), clip_grad=dict(max_norm=40))
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
work_dir = '{work_dir}'
"""


def test_omnisource_config_trains_on_images_and_videos_together(shapes, tmp_path):
    from reelkit.apis import load_config
    videos = generate_synth_motion(str(tmp_path / 'motion'), num_videos=24, seed=0, size=32, num_frames=8)
    config = tmp_path / 'omnisource.py'
    config.write_text(omnisource_config(videos, shapes, str(tmp_path / 'work')))
    runner = ReelkitRunner.from_cfg(load_config(str(config)))
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert runner.iter >= 2
    assert {'train/loss_cls_0', 'train/loss_cls_1'} <= set(scalars)  # video source 0, image source 1
    assert all(np.isfinite(scalars[f'train/loss_cls_{i}'].current()) for i in (0, 1))
