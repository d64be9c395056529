"""BasicConditionalDataset: SynthShapes' labels.txt and class folders give labelled samples."""
import shutil

import pytest
import torch
from mmengine.registry import init_default_scope

import reelkit.datasets  # noqa: F401
from reelkit.datasets.gen import BasicConditionalDataset
from reelkit.datasets.synth_shapes import SYNTH_SHAPES_CLASSES, generate_synth_shapes, render_shape_image
from reelkit.utils.errors import ConfigError
from test_gen_data import PIPELINE

init_default_scope('reelkit')


@pytest.fixture(scope='module')
def shapes_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_shapes_labelled')
    generate_synth_shapes(str(root), num_images=10, size=16, seed=5)
    return root


def test_synth_shapes_labels_reach_the_data_samples(shapes_dir):
    dataset = BasicConditionalDataset(data_root=str(shapes_dir), ann_file='labels.txt',
                                      classes='classes.txt', pipeline=PIPELINE)
    assert len(dataset) == 10
    assert dataset.metainfo['classes'] == SYNTH_SHAPES_CLASSES
    for index in (0, 7):
        item = dataset[index]
        assert item['inputs']['img'].shape == (3, 16, 16)
        assert item['data_samples'].img_path.endswith(f'images/{index:05d}.png')
        expected = render_shape_image(index, size=16, seed=5)[1]
        assert torch.equal(item['data_samples'].gt_label, torch.tensor([expected]))
        assert dataset.get_cat_ids(index) == [expected]


def test_class_folders_give_sorted_class_indices(tmp_path, shapes_dir):
    for name, index in (('dog', 0), ('cat', 1), ('cat', 2)):
        (tmp_path / 'train' / name).mkdir(parents=True, exist_ok=True)
        shutil.copy(shapes_dir / 'images' / f'{index:05d}.png', tmp_path / 'train' / name / f'{index}.png')
    dataset = BasicConditionalDataset(data_root=str(tmp_path), data_prefix='train', pipeline=PIPELINE)
    assert dataset.metainfo['classes'] == ('cat', 'dog')
    assert [dataset.get_cat_ids(i)[0] for i in range(len(dataset))] == [0, 0, 1]


def test_bad_annotations_are_refused_with_the_line(tmp_path, shapes_dir):
    (tmp_path / 'labels.txt').write_text('images/00000.png 0\nimages/00001.png cat\n')
    with pytest.raises(ConfigError, match=r'labels.txt:2:'):
        BasicConditionalDataset(data_root=str(tmp_path), ann_file='labels.txt')
    (tmp_path / 'labels.txt').write_text('images/00000.png 6\n')
    with pytest.raises(ConfigError, match='not indices of the 6 classes'):
        BasicConditionalDataset(data_root=str(tmp_path), ann_file='labels.txt',
                                classes=list(SYNTH_SHAPES_CLASSES))
    with pytest.raises(ConfigError, match='reelkit data synth-shapes'):
        BasicConditionalDataset(data_root=str(tmp_path / 'missing'), ann_file='labels.txt')
