"""Video and frame-folder decoding: exact frames, little work, clear errors."""
import sys

import numpy as np
import pytest
from mmengine.fileio import BaseStorageBackend, register_backend
from transforms_helpers import NUM_FRAMES, frame_index, gray_level, write_video

from reelkit.datasets.transforms import (DecordDecode, DecordInit, OpenCVDecode, OpenCVInit,
                                         PyAVDecode, PyAVInit, RawFrameDecode)
from reelkit.datasets.transforms import decoding
from reelkit.datasets.transforms.video_readers import DecordReader, PacketIndex, PyAVReader
from reelkit.utils.errors import VideoReadError

INDEX_SETS = {
    'sparse': [2, 13, 27, 39],
    'dense': list(range(8, 20)),
    'repeated': [5, 5, 5, 6, 6],
    'out_of_order': [31, 3, 17, 3, 0],
    'last_only': [NUM_FRAMES - 1],
}


def pyav_decode(path, inds, mode='accurate', **init_kwargs):
    """Run PyAVInit + PyAVDecode; return the results and the reader (for its counters)."""
    results = PyAVInit(**init_kwargs)(dict(filename=str(path)))
    reader = results['video_reader']
    results['frame_inds'] = np.array(inds)
    return PyAVDecode(mode=mode)(results), reader


# ----------------------------------------------------------------------------- PyAV
def test_pyav_init_reports_frame_count_and_fps(video_path):
    results = PyAVInit()(dict(filename=video_path))
    assert results['total_frames'] == NUM_FRAMES and results['avg_fps'] == 25.0
    results['video_reader'].close()


@pytest.mark.parametrize('name', sorted(INDEX_SETS))
def test_pyav_decode_equals_sequential_decoding(video_path, reference_frames, name):
    inds = INDEX_SETS[name]
    results, _ = pyav_decode(video_path, inds)
    assert len(results['imgs']) == len(inds)
    for img, i in zip(results['imgs'], inds):
        assert np.array_equal(img, reference_frames[i])
        assert frame_index(img) == i


def test_pyav_decode_seeks_across_gaps_longer_than_a_gop(video_path, reference_frames):
    inds = [1, 30]
    results, reader = pyav_decode(video_path, inds)
    assert reader.seeks == 1  # frames 0..1 from the start, then a seek to keyframe 24
    assert reader.frames_decoded + reader.frames_skipped == 2 + 7  # 0..1, then 24..30
    assert all(np.array_equal(img, reference_frames[i]) for img, i in zip(results['imgs'], inds))


def test_pyav_decode_decodes_forward_across_short_gaps(video_path, reference_frames):
    inds = [0, 3, 9, 12, 17]
    results, reader = pyav_decode(video_path, inds)
    assert reader.seeks == 0 and reader.frames_decoded + reader.frames_skipped == 18
    assert all(np.array_equal(img, reference_frames[i]) for img, i in zip(results['imgs'], inds))


def test_pyav_decode_seeks_to_a_late_first_frame(video_path):
    _, reader = pyav_decode(video_path, [9, 12, 15])
    assert reader.seeks == 1 and reader.frames_decoded + reader.frames_skipped == 8  # keyframe 8, then 8..15


def test_pyav_decode_stops_at_the_last_requested_frame(video_path):
    _, reader = pyav_decode(video_path, [0, 3])
    assert reader.frames_decoded + reader.frames_skipped == 4


def test_pyav_decode_converts_each_requested_frame_once(video_path):
    _, reader = pyav_decode(video_path, [5, 5, 5, 30, 30, 2])
    assert reader.frames_converted == 3


def test_pyav_decode_returns_distinct_arrays_for_repeated_indices(video_path):
    results, _ = pyav_decode(video_path, [4, 4])
    first, second = results['imgs']
    assert np.array_equal(first, second) and not np.shares_memory(first, second)


def test_pyav_decode_sets_shapes_and_removes_the_reader(video_path):
    results, _ = pyav_decode(video_path, [0, 1])
    assert 'video_reader' not in results
    assert results['original_shape'] == results['img_shape'] == (32, 32)
    assert results['imgs'][0].shape == (32, 32, 3) and results['imgs'][0].dtype == np.uint8


def test_pyav_efficient_mode_returns_the_keyframe_before_each_index(video_path):
    results, reader = pyav_decode(video_path, [3, 20, 39, 8], mode='efficient')
    assert [frame_index(img) for img in results['imgs']] == [0, 16, 32, 8]
    assert reader.frames_converted == 4


def test_pyav_decode_with_multi_thread_gives_the_same_frames(video_path, reference_frames):
    results = PyAVInit()(dict(filename=video_path, frame_inds=np.array([3, 33])))
    results = PyAVDecode(multi_thread=True)(results)
    assert np.array_equal(results['imgs'][1], reference_frames[33])


def test_pyav_reader_counts_frames_when_timestamps_are_unusable(video_path, reference_frames):
    reader = PyAVReader(video_path, video_path)
    reader._index = PacketIndex(np.arange(NUM_FRAMES), np.array([0]), usable=False)
    imgs = reader.read([20, 2, 20])
    assert reader.seeks == 0 and reader.frames_decoded == 21
    assert [frame_index(img) for img in imgs] == [20, 2, 20]
    assert np.array_equal(imgs[0], reference_frames[20])


def test_pyav_reader_falls_back_to_counting_when_the_decoder_disagrees(video_path,
                                                                     reference_frames):
    reader = PyAVReader(video_path, video_path)
    index = reader._packet_index()
    # an index missing frame 5's timestamp, as if the decoder had dropped a frame
    reader._index = PacketIndex(np.delete(index.pts, 5), index.keyframes, usable=True)
    imgs = reader.read([20, 30])
    assert [frame_index(img) for img in imgs] == [20, 30]
    assert np.array_equal(imgs[1], reference_frames[30])


def test_pyav_init_counts_frames_by_demuxing_when_the_container_has_no_count(tmp_path):
    path = write_video(tmp_path / 'clip.mkv', num_frames=12)  # Matroska stores no frame count
    results = PyAVInit()(dict(filename=path))
    assert results['total_frames'] == 12
    results = PyAVDecode()(dict(results, frame_inds=np.array([11])))
    assert frame_index(results['imgs'][0]) == 11


def test_pyav_decode_index_past_the_end_raises_instead_of_wrapping(video_path):
    with pytest.raises(VideoReadError, match=r'frame 40 was requested but only 40 frames'):
        pyav_decode(video_path, [0, NUM_FRAMES])


@pytest.mark.parametrize('init', [PyAVInit, OpenCVInit])
def test_init_missing_file_raises_video_read_error(tmp_path, init):
    path = str(tmp_path / 'missing.mp4')
    with pytest.raises(VideoReadError, match='file not found') as info:
        init()(dict(filename=path))
    assert info.value.filename == path


@pytest.mark.parametrize('init', [PyAVInit, OpenCVInit])
def test_init_truncated_file_raises_video_read_error(tmp_path, video_path, init):
    path = tmp_path / 'truncated.mp4'
    data = open(video_path, 'rb').read()
    path.write_bytes(data[:len(data) // 2])  # the index (moov) is at the end: now gone
    with pytest.raises(VideoReadError) as info:
        init()(dict(filename=str(path)))
    assert info.value.filename == str(path)


def test_init_corrupt_file_raises_video_read_error(tmp_path):
    path = tmp_path / 'noise.mp4'
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(VideoReadError, match='noise.mp4'):
        PyAVInit()(dict(filename=str(path)))


def test_decode_truncated_streamable_file_raises_video_read_error(tmp_path):
    path = write_video(tmp_path / 'fast.mp4', container_options={'movflags': 'faststart'})
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) * 2 // 3])  # the index survives, the frames do not
    results = PyAVInit()(dict(filename=path))
    with pytest.raises(VideoReadError, match='fast.mp4'):
        PyAVDecode()(dict(results, frame_inds=np.array([NUM_FRAMES - 1])))


class _MemoryBackend(BaseStorageBackend):
    """An MMEngine file backend serving bytes from a dict (stands in for remote storage)."""
    files: dict = {}

    def get(self, filepath):
        return self.files[str(filepath)]

    def get_text(self, filepath, encoding='utf-8'):
        return self.get(filepath).decode(encoding)


register_backend('reelkit_test_memory', _MemoryBackend, force=True)


def test_pyav_init_reads_remote_bytes_through_mmengine_backends(video_path, reference_frames):
    _MemoryBackend.files['mem://clip.mp4'] = open(video_path, 'rb').read()
    results = PyAVInit(io_backend='reelkit_test_memory')(dict(filename='mem://clip.mp4'))
    assert isinstance(results['video_reader']._source, bytes)
    results = PyAVDecode()(dict(results, frame_inds=np.array([7, 38])))
    assert np.array_equal(results['imgs'][1], reference_frames[38])


def test_init_rejects_unknown_io_backend():
    with pytest.raises(ValueError, match="io_backend='s3'; expected 'disk', "):
        PyAVInit(io_backend='s3')


def test_init_rejects_backend_arguments_for_local_files():
    with pytest.raises(ValueError, match='remote file backend'):
        PyAVInit(io_backend='disk', path_mapping={'a': 'b'})


def test_decode_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode='fast'; expected 'accurate' or 'efficient'"):
        PyAVDecode(mode='fast')


# ----------------------------------------------------------------------------- other backends
def test_opencv_decode_equals_pyav_decode(video_path):
    inds = [31, 3, 17, 3, 0, 39]
    pyav, _ = pyav_decode(video_path, inds)
    results = OpenCVInit()(dict(filename=video_path))
    assert results['total_frames'] == NUM_FRAMES
    opencv = OpenCVDecode()(dict(results, frame_inds=np.array(inds)))
    assert [frame_index(img) for img in opencv['imgs']] == inds
    for a, b in zip(opencv['imgs'], pyav['imgs']):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 2  # same decoder, own RGB conversion


def test_opencv_decode_index_past_the_end_raises(video_path):
    results = OpenCVInit()(dict(filename=video_path, frame_inds=np.array([NUM_FRAMES + 3])))
    with pytest.raises(VideoReadError, match='frame 43 was requested'):
        OpenCVDecode()(results)


def test_opencv_init_rejects_remote_io_backend():
    with pytest.raises(ValueError, match="io_backend='petrel'; expected 'disk'"):
        OpenCVInit(io_backend='petrel')


def test_decord_decode_equals_pyav_decode(video_path, reference_frames):
    pytest.importorskip('decord', reason='the decord extra is not installed')
    inds = [31, 3, 17, 3, 0, 39]
    results = DecordInit(backend='decord')(dict(filename=video_path))
    assert isinstance(results['video_reader'], DecordReader)
    assert results['total_frames'] == NUM_FRAMES and results['avg_fps'] == 25.0
    decord = DecordDecode()(dict(results, frame_inds=np.array(inds)))
    assert [frame_index(img) for img in decord['imgs']] == inds
    for img, index in zip(decord['imgs'], inds):
        assert np.abs(img.astype(int) - reference_frames[index].astype(int)).max() <= 2


def test_decord_index_past_the_end_raises(video_path):
    pytest.importorskip('decord', reason='the decord extra is not installed')
    results = DecordInit(backend='decord')(dict(filename=video_path, frame_inds=np.array([NUM_FRAMES + 3])))
    with pytest.raises(VideoReadError, match='frame 43 was requested'):
        DecordDecode()(results)


def test_decord_steps_without_decord_read_the_same_frames_through_pyav(monkeypatch, video_path):
    monkeypatch.setitem(sys.modules, 'decord', None)  # makes `import decord` fail
    notices = []
    monkeypatch.setattr(decoding, 'print_log', lambda message, **kwargs: notices.append(message))
    decoding.decord_or_notice.cache_clear()
    inds = np.array([31, 3, 17, 0])
    try:
        fallback = [DecordDecode()(DecordInit(backend='decord')(dict(filename=video_path, frame_inds=inds)))
                    for _ in range(2)]
    finally:
        decoding.decord_or_notice.cache_clear()
    pyav = PyAVDecode()(PyAVInit()(dict(filename=video_path, frame_inds=inds)))
    assert len(notices) == 1 and 'decord is not installed' in notices[0] and 'PyAV' in notices[0]
    for results in fallback:
        assert results['total_frames'] == NUM_FRAMES
        for img, expected in zip(results['imgs'], pyav['imgs']):
            np.testing.assert_array_equal(img, expected)


def test_pyav_decode_multi_thread_needs_a_pyav_reader(video_path):
    results = OpenCVInit()(dict(filename=video_path, frame_inds=np.array([0])))
    with pytest.raises(TypeError, match='reader of PyAVInit'):
        PyAVDecode(multi_thread=True)(results)


def test_any_decode_reads_any_init_reader(video_path, reference_frames):
    results = OpenCVDecode()(PyAVInit()(dict(filename=video_path, frame_inds=np.array([12]))))
    assert np.array_equal(results['imgs'][0], reference_frames[12])


# ----------------------------------------------------------------------------- frame folders
def test_rawframe_decode_reads_rgb_frames_at_indices(rgb_frame_dir):
    results = RawFrameDecode()(dict(frame_dir=rgb_frame_dir, filename_tmpl='img_{:05d}.png',
                                    frame_inds=np.array([1, 8, 3]), modality='RGB'))
    assert [int(img[5, 5, 0]) for img in results['imgs']] == [gray_level(i) for i in (1, 8, 3)]
    assert results['imgs'][0][0, 0].tolist() == [255, 0, 0]  # RGB order
    assert results['img_shape'] == results['original_shape'] == (32, 32)


def test_rawframe_decode_adds_offset(rgb_frame_dir):
    results = RawFrameDecode()(dict(frame_dir=rgb_frame_dir, filename_tmpl='img_{:05d}.png',
                                    frame_inds=np.array([1, 2]), offset=3))
    assert [int(img[5, 5, 0]) for img in results['imgs']] == [gray_level(4), gray_level(5)]


def test_rawframe_decode_reads_flow_as_alternating_x_y_frames(flow_frame_dir):
    results = RawFrameDecode()(dict(frame_dir=flow_frame_dir, filename_tmpl='flow_{}_{:05d}.png',
                                    frame_inds=np.array([2, 5]), modality='Flow'))
    values = [int(img[0, 0]) for img in results['imgs']]
    assert values == [gray_level(2), 250 - gray_level(2), gray_level(5), 250 - gray_level(5)]
    assert results['imgs'][0].shape == (32, 32)


def test_rawframe_decode_copies_repeated_frames(rgb_frame_dir):
    results = RawFrameDecode()(dict(frame_dir=rgb_frame_dir, filename_tmpl='img_{:05d}.png',
                                    frame_inds=np.array([2, 2])))
    first, second = results['imgs']
    assert np.array_equal(first, second) and not np.shares_memory(first, second)


@pytest.mark.parametrize('modality, tmpl', [('RGB', 'img_{:05d}.png'),
                                            ('Flow', 'flow_{}_{:05d}.png')])
def test_rawframe_decode_missing_frame_raises_video_read_error(tmp_path, modality, tmpl):
    with pytest.raises(VideoReadError, match=r'00009\.png: frame image not found') as info:
        RawFrameDecode()(dict(frame_dir=str(tmp_path), filename_tmpl=tmpl,
                              frame_inds=np.array([9]), modality=modality))
    assert info.value.filename == str(tmp_path)


def test_rawframe_decode_rejects_unknown_modality(rgb_frame_dir):
    with pytest.raises(ValueError, match="modality='Depth'; expected 'RGB' or 'Flow'"):
        RawFrameDecode()(dict(frame_dir=rgb_frame_dir, filename_tmpl='img_{:05d}.png',
                              frame_inds=np.array([1]), modality='Depth'))


def test_rawframe_decode_rejects_unknown_decoding_backend():
    with pytest.raises(ValueError, match="decoding_backend='turbojpeg'; expected 'cv2'"):
        RawFrameDecode(decoding_backend='turbojpeg')


def _decode_in_child(path, inds, queue):
    queue.put(int(pyav_decode(path, inds)[0]['imgs'][0].sum()))


def test_pyav_decode_works_in_a_process_forked_after_decoding(video_path):
    # DataLoader workers and process pools fork a process that has converted frames already;
    # a colour converter whose threads did not survive the fork used to hang the child
    import multiprocessing
    expected = int(pyav_decode(video_path, [0, 3])[0]['imgs'][0].sum())
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    child = context.Process(target=_decode_in_child, args=(video_path, [0, 3], queue))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
        pytest.fail('decoding hung in a forked child')
    assert child.exitcode == 0 and queue.get(timeout=5) == expected
