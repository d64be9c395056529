"""A wrong feature folder stops ``ActivityNetDataset`` at its first load with a ConfigError that
names the folder and the missing file, instead of skipping every sample until MMEngine gives up;
one missing file among present ones is still skipped like any unreadable sample."""
import json

import numpy as np
import pytest

from reelkit.datasets import ActivityNetDataset
from reelkit.utils.errors import ConfigError

INFO = dict(duration_second=10.0, duration_frame=160, feature_frame=160, annotations=[])


def write_videos(tmp_path, names, with_features):
    """An annotation file of ``names`` and, in ``tmp_path/features``, the csv of ``with_features``."""
    (tmp_path / 'ann.json').write_text(json.dumps({name: INFO for name in names}))
    (tmp_path / 'features').mkdir()
    for name in with_features:
        np.savetxt(tmp_path / 'features' / f'{name}.csv', np.full((4, 3), float(len(name))),
                   delimiter=',', header='a,b,c', comments='')
    return str(tmp_path / 'ann.json')


PIPELINE = [dict(type='LoadLocalizationFeature'), dict(type='PackLocalizationInputs')]


def dataset(ann_file, folder, test_mode=False, **kwargs):
    return ActivityNetDataset(ann_file, PIPELINE, test_mode=test_mode,
                              data_prefix=dict(video=str(folder)), serialize_data=False, **kwargs)


@pytest.mark.parametrize('test_mode', [False, True])
def test_a_folder_without_any_feature_file_fails_at_first_load(tmp_path, test_mode):
    ann_file = write_videos(tmp_path, ['v_a', 'v_b'], with_features=['v_a', 'v_b'])
    wrong = tmp_path / 'feature'  # a typo: no such folder
    with pytest.raises(ConfigError) as error:
        dataset(ann_file, wrong, test_mode)[1]
    message = str(error.value)
    assert f"in the folder {str(wrong)!r}" in message and f'{wrong}/v_b.csv, is missing' in message
    with pytest.raises(ConfigError, match=r"feature_ext='\.npy'"):  # the folder exists, wrong type
        dataset(ann_file, tmp_path / 'features', feature_ext='.npy')[0]


def test_one_missing_feature_file_is_still_skipped(tmp_path):
    ann_file = write_videos(tmp_path, ['v_a', 'v_bb'], with_features=['v_bb'])
    train = dataset(ann_file, tmp_path / 'features')
    assert train[0]['inputs'][0, 0] == len('v_bb')  # v_a skipped, v_bb instead
    test = dataset(ann_file, tmp_path / 'features', test_mode=True)
    assert test[0]['inputs'][0, 0] == len('v_bb')  # a stand-in, which the test loop reports
    assert test[0]['data_samples'].metainfo['video_name'] == 'v_bb'
