"""benchmarks/decode_limit.py: the limit is measured on the very frames the pipeline decodes."""
import av
import numpy as np
import pytest
from repo_scripts import load_script

from reelkit.datasets import VideoDataset

NUM_VIDEOS, NUM_FRAMES = 3, 40
# A train pipeline whose crop and flip draw random numbers between one sample's frame
# sampling and the next one's.
PIPELINE = [dict(type='DecordInit'), dict(type='SampleFrames', clip_len=4, frame_interval=2),
            dict(type='DecordDecode'), dict(type='MultiScaleCrop', input_size=32,
                                            scales=(1, 0.875, 0.75), random_crop=True),
            dict(type='Flip', flip_ratio=0.5), dict(type='FormatShape', input_format='NCTHW')]


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp('limit')
    for i in range(NUM_VIDEOS):
        with av.open(str(folder / f'v{i}.mp4'), mode='w') as container:
            stream = container.add_stream('libx264', rate=25)
            stream.width, stream.height, stream.pix_fmt = 64, 48, 'yuv420p'
            for t in range(NUM_FRAMES):
                image = np.full((48, 64, 3), (i * 60 + t * 5) % 256, np.uint8)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format='rgb24')))
            container.mux(stream.encode())
    (folder / 'list.txt').write_text(''.join(f'v{i}.mp4 0\n' for i in range(NUM_VIDEOS)))
    return VideoDataset(ann_file=str(folder / 'list.txt'), pipeline=PIPELINE,
                        data_prefix=dict(video=str(folder)))


def test_samples_are_the_frames_a_seeded_round_decodes(dataset):
    script = load_script('benchmarks/decode_limit.py')
    indices = np.arange(8) % len(dataset)
    samples = script.sample_indices(dataset, indices, seed=0)
    np.random.seed(0)  # as pipeline.py seeds each timed round
    decoded = [dataset[int(i)] for i in indices]
    assert samples == [(d['filename'], np.unique(d['frame_inds']).tolist()) for d in decoded]


def test_every_method_returns_the_wanted_frames(dataset):
    script = load_script('benchmarks/decode_limit.py')
    path, wanted = script.sample_indices(dataset, [0])[0]
    layouts = {path: script.keyframe_layout(path)}
    reader = dataset.pipeline.transforms[0]({'filename': path})['video_reader']
    expected = reader.read(wanted)
    reader.close()
    for name, method in script.installed_methods().items():
        frames = method(path, wanted, layouts)
        assert len(frames) == len(wanted), name
        # OpenCV and decord convert to RGB with their own rounding: a few grey levels apart
        assert max(np.abs(a.astype(int) - b).max() for a, b in zip(frames, expected)) <= 3, name
