"""BaseActionDataset: corrupt-sample skipping, MMEngine dataset wrappers, custom datasets."""
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from reelkit.datasets import BaseActionDataset, VideoDataset, skipped_files
from reelkit.registry import DATASETS
from reelkit.utils.errors import VideoReadError


class FailOn:
    """A pipeline step that raises VideoReadError for one file and passes the rest through."""

    def __init__(self, filename):
        self.filename = filename

    def __call__(self, results):
        if results['filename'] == self.filename:
            raise VideoReadError(results['filename'], 'moov atom not found')
        return results


class Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def ann_file(tmp_path):
    for name in ('good.mp4', 'bad.mp4'):
        (tmp_path / name).write_bytes(b'')
    path = tmp_path / 'ann.txt'
    path.write_text('good.mp4 0\nbad.mp4 1\n')
    return str(path)


@pytest.fixture
def warnings():
    handler = Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def video_dataset(ann_file, **kwargs):
    prefix = ann_file.rsplit('/', 1)[0]
    return VideoDataset(ann_file, data_prefix=dict(video=prefix), **kwargs)


def test_corrupt_video_in_training_is_skipped_with_one_counted_warning(ann_file, warnings):
    bad = ann_file.replace('ann.txt', 'bad.mp4')
    dataset = video_dataset(ann_file, pipeline=[FailOn(bad)])
    before = skipped_files().get(bad, 0)
    np.random.seed(0)
    sample = dataset[1]
    assert sample['filename'].endswith('good.mp4')
    assert skipped_files()[bad] == before + 1
    assert len(warnings) == 1
    assert bad in warnings[0] and 'moov atom not found' in warnings[0]
    assert f'{sum(skipped_files().values())} sample(s) skipped so far' in warnings[0]


def test_skip_corrupt_false_raises_naming_the_file(ann_file):
    dataset = video_dataset(ann_file, pipeline=[FailOn(ann_file.replace('ann.txt', 'bad.mp4'))],
                            skip_corrupt=False)
    with pytest.raises(VideoReadError, match=r'bad\.mp4: moov atom not found'):
        dataset[1]


def test_corrupt_video_in_test_mode_raises_naming_the_file(ann_file):
    dataset = video_dataset(ann_file, pipeline=[FailOn(ann_file.replace('ann.txt', 'bad.mp4'))],
                            test_mode=True)
    with pytest.raises(VideoReadError, match=r'bad\.mp4'):
        dataset[1]


def dataset_cfg(ann_file, **kwargs):
    return dict(type='VideoDataset', ann_file=ann_file, pipeline=[],
                data_prefix=dict(video=ann_file.rsplit('/', 1)[0]), **kwargs)


def test_repeat_dataset_from_config_repeats_samples_and_metainfo(ann_file):
    init_default_scope('reelkit')
    inner = dataset_cfg(ann_file, metainfo=dict(classes=('left', 'right')))
    dataset = DATASETS.build(dict(type='RepeatDataset', times=3, dataset=inner))
    assert len(dataset) == 6
    assert dataset[5]['filename'].endswith('bad.mp4') and dataset[5]['label'] == 1
    assert dataset.metainfo == dict(classes=('left', 'right'))


def test_concat_dataset_from_config_chains_datasets(ann_file):
    init_default_scope('reelkit')
    dataset = DATASETS.build(dict(type='ConcatDataset', datasets=[
        dataset_cfg(ann_file), dataset_cfg(ann_file, start_index=5)]))
    assert len(dataset) == 4
    assert dataset[3]['start_index'] == 5 and dataset[0]['start_index'] == 0


@DATASETS.register_module(force=True)
class CommaSeparated(BaseActionDataset):
    """A custom format: ``label,path`` lines; only ``load_data_list`` is written."""

    def load_data_list(self):
        with open(self.ann_file) as stream:
            rows = [line.strip().split(',') for line in stream if line.strip()]
        return [dict(filename=self.prefixed('prefix', path), label=int(label))
                for label, path in rows]


def test_custom_dataset_overriding_only_load_data_list_works(tmp_path):
    (tmp_path / 'ann.csv').write_text('4,x.mp4\n1,y.mp4\n')
    init_default_scope('reelkit')
    dataset = DATASETS.build(dict(type='CommaSeparated', ann_file=str(tmp_path / 'ann.csv'),
                                  pipeline=[], data_prefix=dict(prefix='clips'),
                                  multi_class=True, num_classes=5))
    sample = dataset[0]
    assert sample['filename'] == 'clips/x.mp4'
    assert sample['label'].tolist() == [0., 0., 0., 0., 1.]
    assert (sample['modality'], sample['start_index']) == ('RGB', 0)
