"""GAN data: SynthShapes, UnconditionalImageDataset, GAN transforms, GANDataPreprocessor."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import reelkit.datasets  # noqa: F401
import reelkit.models  # noqa: F401
from reelkit.datasets.gen import (CenterCropLongEdge, LoadImageFromFile, PackGenInputs,
                                  RandomCropLongEdge, UnconditionalImageDataset)
from reelkit.datasets.synth_shapes import generate_synth_shapes, render_shape_image
from reelkit.models.data_preprocessors import GANDataPreprocessor
from reelkit.utils.errors import ConfigError

init_default_scope('reelkit')

PIPELINE = [dict(type='LoadImageFromFile', key='img'),
            dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])]


@pytest.fixture(scope='module')
def shapes_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_shapes')
    generate_synth_shapes(str(root), num_images=12, size=16, seed=3)
    return root


def test_synth_shapes_image_depends_only_on_seed_and_index():
    first, label = render_shape_image(7, size=16, seed=1)
    for index in (3, 0):  # other images drawn in between change nothing
        render_shape_image(index, size=16, seed=1)
    again, label_again = render_shape_image(7, size=16, seed=1)
    np.testing.assert_array_equal(first, again)
    assert label == label_again
    assert not np.array_equal(first, render_shape_image(7, size=16, seed=2)[0])


def test_synth_shapes_writes_images_and_label_list(shapes_dir):
    lines = (shapes_dir / 'labels.txt').read_text().splitlines()
    assert len(lines) == 12 and lines[0].startswith('images/00000.png ')
    assert len(list((shapes_dir / 'images').glob('*.png'))) == 12


def test_dataset_packs_bgr_chw_uint8_images(shapes_dir):
    dataset = UnconditionalImageDataset(data_root=str(shapes_dir), pipeline=PIPELINE)
    assert len(dataset) == 12
    item = dataset[4]
    image = item['inputs']['img']
    assert image.shape == (3, 16, 16) and image.dtype == torch.uint8
    rgb, _ = render_shape_image(4, size=16, seed=3)
    np.testing.assert_array_equal(image.permute(1, 2, 0).numpy(), rgb[..., ::-1])  # BGR on disk order
    assert item['data_samples'].img_path.endswith('images/00004.png')


def test_dataset_without_folder_tells_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match='reelkit data synth-shapes'):
        UnconditionalImageDataset(data_root=str(tmp_path / 'missing'), pipeline=PIPELINE)


def test_unreadable_image_names_the_file(tmp_path):
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'not a png')
    with pytest.raises(ConfigError, match='bad.png'):
        LoadImageFromFile(key='img')(dict(img_path=str(bad)))


def test_load_rejects_unknown_file_client_options():
    with pytest.raises(ConfigError, match='unknown arguments'):
        LoadImageFromFile(key='img', file_client_args=dict(backend='petrel'))


def test_center_crop_long_edge_keeps_the_middle_square():
    image = np.arange(20 * 30).reshape(20, 30)
    out = CenterCropLongEdge(keys=['img'])(dict(img=image))['img']
    np.testing.assert_array_equal(out, image[:, 5:25])


def test_random_crop_long_edge_uses_one_offset_for_all_keys():
    image = np.arange(10 * 16).reshape(10, 16)
    np.random.seed(0)
    out = RandomCropLongEdge(keys=['a', 'b'])(dict(a=image, b=image.copy()))
    assert out['a'].shape == (10, 10)
    np.testing.assert_array_equal(out['a'], out['b'])


def test_pack_gen_inputs_adds_a_channel_to_gray_images_and_keeps_labels():
    packed = PackGenInputs(keys='img')(dict(img=np.zeros((4, 5), np.uint8), gt_label=2))
    assert packed['inputs']['img'].shape == (1, 4, 5)
    assert packed['data_samples'].gt_label.tolist() == [2]


def test_preprocessor_normalises_images_and_passes_noise():
    preprocessor = GANDataPreprocessor()
    images = [torch.full((3, 2, 2), 255, dtype=torch.uint8), torch.zeros(3, 2, 2, dtype=torch.uint8)]
    noise = torch.randn(2, 4)
    out = preprocessor(dict(inputs=dict(img=images, noise=[noise[0], noise[1]],
                                        sample_model=['ema', 'ema'])))
    torch.testing.assert_close(out['inputs']['img'][0], torch.ones(3, 2, 2))
    torch.testing.assert_close(out['inputs']['img'][1], -torch.ones(3, 2, 2))
    torch.testing.assert_close(out['inputs']['noise'], noise)
    assert out['inputs']['sample_model'] == 'ema'


def test_preprocessor_flips_bgr_to_rgb_when_asked():
    preprocessor = GANDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1], bgr_to_rgb=True)
    image = torch.arange(3, dtype=torch.uint8).reshape(3, 1, 1)
    out = preprocessor(dict(inputs=dict(img=[image])))['inputs']['img']
    assert out.flatten().tolist() == [2.0, 1.0, 0.0]
    assert preprocessor.output_color_order == 'rgb'


def test_shared_resize_and_flip_accept_mmgeneration_keys(shapes_dir):
    pipeline = [dict(type='LoadImageFromFile', key='img'),
                dict(type='Resize', keys=['img'], scale=(8, 12)),
                dict(type='Flip', keys=['img'], flip_ratio=1.0, direction='horizontal'),
                dict(type='PackGenInputs', keys=['img'])]
    item = UnconditionalImageDataset(data_root=str(shapes_dir), pipeline=pipeline)[0]
    image = item['inputs']['img']
    assert image.shape == (3, 12, 8)  # scale is (w, h); keep_ratio defaults to False with keys
    loaded = LoadImageFromFile(key='img')(dict(img_path=str(shapes_dir / 'images' / '00000.png')))
    import cv2
    expected = cv2.flip(cv2.resize(loaded['img'], (8, 12), interpolation=cv2.INTER_LINEAR), 1)
    np.testing.assert_array_equal(image.permute(1, 2, 0).numpy(), expected)
