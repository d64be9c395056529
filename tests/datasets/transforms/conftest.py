"""Fixtures of the transform tests: generated videos and frame folders (see transforms_helpers)."""
from typing import List

import cv2
import numpy as np
import pytest
from transforms_helpers import SIZE, decode_all, gray_level, write_video


@pytest.fixture(scope='session')
def video_path(tmp_path_factory) -> str:
    return write_video(tmp_path_factory.mktemp('videos') / 'clip.mp4')


@pytest.fixture(scope='session')
def reference_frames(video_path) -> List[np.ndarray]:
    return decode_all(video_path)


@pytest.fixture
def rgb_frame_dir(tmp_path) -> str:
    """``img_00001.png`` .. ``img_00008.png``: frame ``i`` (1-based) is grey ``gray_level(i)``
    with a red top-left pixel (so RGB order is checkable)."""
    for i in range(1, 9):
        img = np.full((SIZE, SIZE, 3), gray_level(i), np.uint8)
        img[0, 0] = (255, 0, 0)
        cv2.imwrite(str(tmp_path / f'img_{i:05d}.png'), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return str(tmp_path)


@pytest.fixture
def flow_frame_dir(tmp_path) -> str:
    """``flow_x_00001.png`` ...: x frame ``i`` is ``gray_level(i)``, y frame is 250 - that."""
    for i in range(1, 9):
        cv2.imwrite(str(tmp_path / f'flow_x_{i:05d}.png'), np.full((SIZE, SIZE), gray_level(i),
                                                                   np.uint8))
        cv2.imwrite(str(tmp_path / f'flow_y_{i:05d}.png'), np.full((SIZE, SIZE),
                                                                   250 - gray_level(i), np.uint8))
    return str(tmp_path)
