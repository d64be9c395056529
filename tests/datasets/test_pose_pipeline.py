"""Skeleton data: PoseDataset, the pose transforms, and the official ST-GCN / ST-GCN++ / 2s-AGCN /
PoseC3D / RGBPoseConv3D pipelines (typed inline with the configs' steps and arguments) run on a
generated NTU-style pickle."""
import pickle

import av
import numpy as np
import pytest

from reelkit.datasets import PoseDataset
from reelkit.datasets.transforms import (DecompressPose, FormatGCNInput, GeneratePoseTarget,
                                         GenSkeFeat, JointToBone, MergeSkeFeat, MMCompact,
                                         MMUniformSampleFrames, PadTo, PoseCompact, PoseDecode,
                                         PreNormalize2D, PreNormalize3D, ToMotion)
from reelkit.datasets.transforms.pose_transforms import rotation_matrix
from reelkit.datasets.transforms.sampling import uniform_sample_frames
from reelkit.utils.errors import AnnotationError, ConfigError

IMG_SHAPE = (1080, 1920)
LEFT_KP = [1, 3, 5, 7, 9, 11, 13, 15]
RIGHT_KP = [2, 4, 6, 8, 10, 12, 14, 16]


# ----------------------------------------------------------------------------- generated data
def coco_annotation(rng, name, num_frames, num_person, label):
    """A 2D COCO-17 sample: persons wandering around a centre in a 1080p frame."""
    center = rng.uniform([500, 300], [1400, 700], size=(num_person, 1, 1, 2))
    keypoint = (center + rng.normal(0, [80, 120], size=(num_person, num_frames, 17, 2)))
    score = rng.uniform(0.3, 1.0, size=(num_person, num_frames, 17))
    if num_person > 1:  # the second person leaves for a while
        keypoint[1, num_frames // 3:num_frames // 2] = 0
        score[1, num_frames // 3:num_frames // 2] = 0
    return dict(frame_dir=name, label=label, img_shape=IMG_SHAPE, original_shape=IMG_SHAPE,
                total_frames=num_frames, keypoint=keypoint.astype(np.float32),
                keypoint_score=score.astype(np.float32))


def ntu3d_annotation(rng, name, num_frames, num_person, label):
    """A 3D NTU-25 sample (metres, no scores); its last two frames are empty."""
    keypoint = rng.normal(0, 0.3, size=(num_person, num_frames, 25, 3)).astype(np.float32)
    keypoint[..., 2] += 3
    keypoint[:, -2:] = 0
    return dict(frame_dir=name, label=label, total_frames=num_frames, keypoint=keypoint)


def write_pickle(path, annotations, split):
    with open(path, 'wb') as stream:
        pickle.dump(dict(split=split, annotations=annotations), stream)
    return str(path)


# Lengths below, between and above the clip lengths (48, 100), one and two persons.
SAMPLES = [('S001', 30, 2, 0), ('S002', 70, 1, 3), ('S003', 150, 2, 5), ('S004', 120, 1, 1)]
SPLIT = dict(xsub_train=['S001', 'S002', 'S003'], xsub_val=['S003', 'S004'])


@pytest.fixture(scope='module')
def ntu2d_pkl(tmp_path_factory):
    rng = np.random.default_rng(0)
    annotations = [coco_annotation(rng, *sample) for sample in SAMPLES]
    return write_pickle(tmp_path_factory.mktemp('pose') / 'ntu60_2d.pkl', annotations, SPLIT)


@pytest.fixture(scope='module')
def ntu3d_pkl(tmp_path_factory):
    rng = np.random.default_rng(1)
    annotations = [ntu3d_annotation(rng, *sample) for sample in SAMPLES]
    return write_pickle(tmp_path_factory.mktemp('pose') / 'ntu60_3d.pkl', annotations, SPLIT)


def dataset(ann_file, pipeline, split, test_mode, **kwargs):
    return PoseDataset(ann_file, pipeline, split=split, test_mode=test_mode, **kwargs)


# ----------------------------------------------------------------------------- GCN pipelines
def gcn_pipeline(norm, dataset_name, feats, sampler):
    """The ST-GCN / ST-GCN++ / 2s-AGCN pipelines (all the same but for these four steps)."""
    return [dict(type=norm),
            dict(type='GenSkeFeat', dataset=dataset_name, feats=feats),
            sampler,
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs')]


GCN_SAMPLERS = {
    'train': (dict(type='UniformSampleFrames', clip_len=100), 1),
    'val': (dict(type='UniformSampleFrames', clip_len=100, num_clips=1, test_mode=True), 1),
    'test': (dict(type='UniformSampleFrames', clip_len=100, num_clips=10, test_mode=True), 10),
}


@pytest.mark.parametrize('mode', ['train', 'val', 'test'])
@pytest.mark.parametrize('feats', [['j'], ['b'], ['jm'], ['bm']])
@pytest.mark.parametrize('kind', ['2d', '3d'])
def test_gcn_pipelines_give_clips_persons_frames_joints_channels(kind, feats, mode, ntu2d_pkl,
                                                                 ntu3d_pkl):
    sampler, num_clips = GCN_SAMPLERS[mode]
    if kind == '2d':
        pipeline, ann_file, joints = gcn_pipeline('PreNormalize2D', 'coco', feats, sampler), ntu2d_pkl, 17
    else:
        pipeline, ann_file, joints = gcn_pipeline('PreNormalize3D', 'nturgb+d', feats, sampler), ntu3d_pkl, 25
    split = 'xsub_train' if mode == 'train' else 'xsub_val'
    data = dataset(ann_file, pipeline, split, test_mode=mode != 'train')
    for idx in range(len(data)):
        out = data[idx]
        assert tuple(out['inputs'].shape) == (num_clips, 2, 100, joints, 3)
        assert out['data_samples'].gt_label.tolist() == [data.get_data_info(idx)['label']]


def test_stgcn_joint_2d_test_pipeline_values(ntu2d_pkl):
    """Joints in [-1, 1] (PreNormalize2D), the score as third channel, UniformSampleFrames'
    seeded frames, and the second person's absent frames zero."""
    pipeline = gcn_pipeline('PreNormalize2D', 'coco', ['j'], GCN_SAMPLERS['test'][0])
    data = dataset(ntu2d_pkl, pipeline, 'xsub_val', test_mode=True)
    info = data.get_data_info(0)  # S003: 150 frames, two persons
    inputs = data[0]['inputs'].numpy()
    inds = uniform_sample_frames(150, 100, num_clips=10, test_mode=True, seed=255)
    h, w = IMG_SHAPE
    expected = np.concatenate([(info['keypoint'] - [w / 2, h / 2]) / [w / 2, h / 2],
                               info['keypoint_score'][..., None]], -1)[:, inds]
    np.testing.assert_allclose(inputs.transpose(1, 0, 2, 3, 4).reshape(2, 1000, 17, 3),
                               expected, atol=1e-6)


def test_stgcn_bone_motion_3d_is_the_motion_of_bones(ntu3d_pkl):
    pipeline = gcn_pipeline('PreNormalize3D', 'nturgb+d', ['bm'], GCN_SAMPLERS['val'][0])
    data = dataset(ntu3d_pkl, pipeline, 'xsub_val', test_mode=True)
    out = data[1]['inputs'].numpy()[0]  # S004: one person, padded to two with zeros
    normalized = PreNormalize3D()(data.get_data_info(1))
    bones = JointToBone()(dict(keypoint=normalized['keypoint']))['keypoint']
    inds = uniform_sample_frames(normalized['total_frames'], 100, test_mode=True)
    motion = np.diff(bones, axis=1, append=bones[:, -1:])
    np.testing.assert_allclose(out[0], motion[0, inds], atol=1e-5)
    assert not out[1].any()


# ----------------------------------------------------------------------------- PoseC3D pipelines
def posec3d_pipeline(mode, with_kp=True):
    """slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint (with_kp) and -limb (not with_kp)."""
    target = dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp=with_kp,
                  with_limb=not with_kp)
    if not with_kp:
        target['skeletons'] = [[0, 5], [0, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11],
                               [11, 13], [13, 15], [6, 12], [12, 14], [14, 16], [0, 1], [0, 2],
                               [1, 3], [2, 4], [11, 12]]
    head = [dict(type='PoseDecode'), dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
            dict(type='Resize', scale=(-1, 64))]
    tail = [dict(type='FormatShape', input_format='NCTHW_Heatmap'), dict(type='PackActionInputs')]
    if mode == 'train':
        return ([dict(type='UniformSampleFrames', clip_len=48)] + head
                + [dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
                   dict(type='Resize', scale=(56, 56), keep_ratio=False),
                   dict(type='Flip', flip_ratio=0.5, left_kp=LEFT_KP, right_kp=RIGHT_KP),
                   target] + tail)
    num_clips = 1 if mode == 'val' else 10
    if mode == 'test':
        target = dict(target, double=True, left_kp=LEFT_KP, right_kp=RIGHT_KP)
        if not with_kp:
            target.update(left_limb=[0, 2, 3, 6, 7, 8, 12, 14],
                          right_limb=[1, 4, 5, 9, 10, 11, 13, 15])
    return ([dict(type='UniformSampleFrames', clip_len=48, num_clips=num_clips, test_mode=True)]
            + head + [dict(type='CenterCrop', crop_size=64), target] + tail)


@pytest.mark.parametrize('mode, shape', [('train', (1, 17, 48, 56, 56)),
                                         ('val', (1, 17, 48, 64, 64)),
                                         ('test', (20, 17, 48, 64, 64))])
def test_posec3d_keypoint_pipelines_give_heatmap_volumes(mode, shape, ntu2d_pkl):
    data = dataset(ntu2d_pkl, posec3d_pipeline(mode), 'xsub_val', test_mode=mode != 'train')
    inputs = data[1]['inputs']  # S004, one person
    assert tuple(inputs.shape) == shape
    peaks = inputs.numpy().max(axis=(3, 4))  # (nearly) every joint drawn, peaks <= score
    assert (peaks > 0.1).mean() > 0.9 and peaks.max() <= 1.0
    if mode == 'test':  # the second half is the first flipped, left and right joints swapped
        half = shape[0] // 2
        order = np.arange(17)
        order[LEFT_KP], order[RIGHT_KP] = RIGHT_KP, LEFT_KP
        np.testing.assert_array_equal(inputs[half:].numpy(),
                                      inputs[:half].numpy()[:, order, ..., ::-1])


@pytest.mark.parametrize('mode, clips', [('train', 1), ('test', 20)])
def test_posec3d_limb_pipelines_give_one_channel_per_limb(mode, clips, ntu2d_pkl):
    data = dataset(ntu2d_pkl, posec3d_pipeline(mode, with_kp=False), 'xsub_train',
                   test_mode=mode != 'train')
    size = 56 if mode == 'train' else 64
    assert tuple(data[0]['inputs'].shape) == (clips, 17, 48, size, size)


# ----------------------------------------------------------------------------- RGBPoseConv3D
def write_video(path, num_frames=40, height=60, width=80):
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, 'yuv420p'
        for i in range(num_frames):
            img = np.full((height, width, 3), 5 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def rgbpose_pipeline(mode):
    """configs/skeleton/posec3d/rgbpose_conv3d/rgbpose_conv3d.py."""
    target = dict(type='GeneratePoseTarget', sigma=0.7, use_score=True, with_kp=True,
                  with_limb=False, scaling=0.25)
    tail = [target, dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))]
    sampler = dict(type='MMUniformSampleFrames', clip_len=dict(RGB=8, Pose=32), num_clips=1)
    head = [dict(type='MMDecode'), dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
            dict(type='Resize', scale=(256, 256), keep_ratio=False)]
    if mode == 'train':
        return [sampler] + head + [
            dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5, left_kp=LEFT_KP, right_kp=RIGHT_KP)] + tail
    return [dict(sampler, num_clips=10 if mode == 'test' else 1, test_mode=True)] + head + tail


@pytest.mark.parametrize('mode, rgb, pose', [
    ('train', (1, 3, 8, 224, 224), (1, 17, 32, 56, 56)),
    ('test', (10, 3, 8, 256, 256), (10, 17, 32, 64, 64))])
def test_rgbpose_pipelines_decode_frames_and_draw_heatmaps(mode, rgb, pose, tmp_path):
    rng = np.random.default_rng(2)
    annotations = [coco_annotation(rng, name, 40, 2, 0) for name in ('A001', 'A002')]
    for name in ('A001', 'A002'):
        write_video(tmp_path / f'{name}.mp4')
    ann = write_pickle(tmp_path / 'ntu60_2d.pkl', annotations, dict(xsub_val=['A002']))
    data = dataset(ann, rgbpose_pipeline(mode), 'xsub_val', test_mode=mode != 'train',
                   data_prefix=dict(video=str(tmp_path)))
    inputs = data[0]['inputs']
    assert tuple(inputs['imgs'].shape) == rgb
    assert tuple(inputs['heatmap_imgs'].shape) == pose
    assert inputs['heatmap_imgs'].max() > 0.3


# ----------------------------------------------------------------------------- PoseDataset
def test_dataset_selects_the_split_and_adds_pose_keys(ntu2d_pkl):
    data = PoseDataset(ntu2d_pkl, [], split='xsub_train')
    assert [data.get_data_info(i)['frame_dir'] for i in range(len(data))] == ['S001', 'S002',
                                                                              'S003']
    info = data.get_data_info(1)
    assert (info['modality'], info['start_index'], info['label']) == ('Pose', 0, 3)
    assert info['keypoint'].shape == (1, 70, 17, 2)
    assert len(PoseDataset(ntu2d_pkl, [])) == 4  # split=None: everything


def test_dataset_split_by_filename_and_video_prefix(tmp_path):
    ann = [dict(filename='a.mp4', label=0, total_frames=3), dict(filename='b.mp4', label=1,
                                                                  total_frames=3)]
    path = write_pickle(tmp_path / 'x.pkl', ann, dict(train=['b.mp4']))
    videos = str(tmp_path / 'videos')
    data = PoseDataset(path, [], split='train', data_prefix=dict(video=videos))
    assert [data.get_data_info(i)['filename'] for i in range(len(data))] == [videos + '/b.mp4']


def test_dataset_errors_name_the_file_and_the_key(tmp_path, ntu2d_pkl):
    with pytest.raises(AnnotationError, match=r"ntu60_2d\.pkl: split 'xset_val' is not in its "
                       r"'split' dict \(it has \['xsub_train', 'xsub_val'\]\)"):
        PoseDataset(ntu2d_pkl, [], split='xset_val')
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(pickle.dumps(dict(split={})))
    with pytest.raises(AnnotationError, match=r"bad\.pkl: .*the 'annotations' key is missing"):
        PoseDataset(str(bad), [])
    nameless = write_pickle(tmp_path / 'nameless.pkl', [dict(frame_dir='a', label=0),
                                                        dict(label=1)], dict(train=['a']))
    with pytest.raises(AnnotationError, match=r"nameless\.pkl: annotation 1 has no 'frame_dir'"):
        PoseDataset(nameless, [], split='train')
    with pytest.raises(AnnotationError, match=r'ann\.txt: PoseDataset reads a \.pkl'):
        PoseDataset(str(tmp_path / 'ann.txt'), [])
    with pytest.raises(AnnotationError, match=r'missing\.pkl: annotation file not found'):
        PoseDataset(str(tmp_path / 'missing.pkl'), [])
    with pytest.raises(AnnotationError, match=r'annotation 2: label 5 is outside \[0, 4\)'):
        PoseDataset(ntu2d_pkl, [], num_classes=4)
    with pytest.raises(AnnotationError, match=r"none of its annotations is in split 'empty'"):
        PoseDataset(write_pickle(tmp_path / 'e.pkl', [dict(frame_dir='a', label=0)],
                                 dict(empty=[])), [], split='empty')
    with pytest.raises(ConfigError, match=r'box_thr=0\.55'):
        PoseDataset(ntu2d_pkl, [], box_thr=0.55)


def test_valid_ratio_keeps_videos_with_enough_confident_frames(tmp_path):
    ann = [dict(frame_dir='a', label=0, total_frames=10, valid={0.5: 8, 0.7: 2},
                box_score=np.array([0.9, 0.6, 0.2])),
           dict(frame_dir='b', label=1, total_frames=10, valid={0.5: 4, 0.7: 1},
                box_score=np.array([0.55]))]
    path = write_pickle(tmp_path / 'k400.pkl', ann, {})
    data = PoseDataset(path, [], valid_ratio=0.5, box_thr=0.5)
    assert len(data) == 1
    assert data.get_data_info(0)['anno_inds'].tolist() == [True, True, False]
    with pytest.raises(AnnotationError, match=r'k400\.pkl: no video has a box scoring >= 0\.7'):
        PoseDataset(path, [], valid_ratio=0.5, box_thr=0.7)
    assert len(PoseDataset(path, [], valid_ratio=0.0)) == 2  # 0 keeps all (the K400 config)
    del ann[1]['box_score']
    path = write_pickle(tmp_path / 'k400b.pkl', ann, {})
    with pytest.raises(AnnotationError, match=r"annotation 1 has no 'box_score' key"):
        PoseDataset(path, [], valid_ratio=0.3)


def test_skeleton_prefix_loads_each_sample_from_its_own_pickle(tmp_path):
    (tmp_path / 'kp').mkdir()
    with open(tmp_path / 'kp' / 'v1.pkl', 'wb') as stream:
        pickle.dump(dict(keypoint=np.ones((2, 17, 3)), frame_inds=np.array([0, 1])), stream)
    path = write_pickle(tmp_path / 'k.pkl', [dict(frame_dir='v1', label=0, total_frames=2)], {})
    info = PoseDataset(path, [], data_prefix=dict(skeleton=str(tmp_path / 'kp'))).get_data_info(0)
    assert info['keypoint'].shape == (2, 17, 3) and info['frame_inds'].tolist() == [0, 1]


# ----------------------------------------------------------------------------- unit tests
def chain_keypoint(points, num_joints, channels=2):
    """One person, one frame per row of ``points``: ``{joint: xy}`` dicts."""
    kp = np.zeros((1, len(points), num_joints, channels), np.float32)
    for t, frame in enumerate(points):
        for joint, value in frame.items():
            kp[0, t, joint] = value
    return kp


def test_joint_to_bone_on_a_three_joint_chain():
    # NTU: 0 (hip) -> parent 1 (spine) -> parent 20 (the root, its own parent)
    kp = chain_keypoint([{0: (1, 2, 3), 1: (4, 6, 8), 20: (5, 5, 5)}], 25, channels=3)
    bone = JointToBone()(dict(keypoint=kp))['keypoint'][0, 0]
    np.testing.assert_array_equal(bone[0], [-3, -4, -5])
    np.testing.assert_array_equal(bone[1], [-1, 1, 3])
    np.testing.assert_array_equal(bone[20], [0, 0, 0])
    # COCO with a score channel: 3 (left ear) -> 1 (left eye) -> 0 (nose); scores averaged
    kp = chain_keypoint([{0: (10, 10, 0.2), 1: (12, 8, 0.6), 3: (15, 9, 1.0)}], 17, channels=3)
    bone = JointToBone(dataset='coco', target='bone')(dict(keypoint=kp))['bone'][0, 0]
    np.testing.assert_allclose(bone[[0, 1, 3]], [[0, 0, 0.2], [2, -2, 0.4], [3, 1, 0.8]],
                               atol=1e-6)
    with pytest.raises(ValueError, match="JointToBone: dataset='h36m'"):
        JointToBone(dataset='h36m')


def test_to_motion_is_the_difference_to_the_next_frame():
    kp = chain_keypoint([{0: (0, 0, 3)}, {0: (1, 2, 3)}, {0: (4, 7, 3)}], 25, channels=3)
    motion = ToMotion()(dict(keypoint=kp))['motion'][0, :, 0]
    np.testing.assert_array_equal(motion, [[1, 2, 0], [3, 5, 0], [0, 0, 0]])
    kp = chain_keypoint([{0: (0, 0, 0.2)}, {0: (1, 2, 0.6)}], 17, channels=3)
    motion = ToMotion(dataset='coco', source='keypoint', target='m')(dict(keypoint=kp))['m']
    np.testing.assert_allclose(motion[0, 0, 0], [1, 2, 0.4], atol=1e-6)


def test_gen_ske_feat_concatenates_features_in_order():
    rng = np.random.default_rng(3)
    kp, score = rng.random((1, 4, 17, 2)), rng.random((1, 4, 17))
    out = GenSkeFeat(dataset='coco', feats=['j', 'b', 'jm'])(dict(keypoint=kp, keypoint_score=score))
    joint = np.concatenate([kp, score[..., None]], -1)
    assert out['keypoint'].shape == (1, 4, 17, 9) and 'keypoint_score' not in out
    np.testing.assert_allclose(out['keypoint'][..., :3], joint)
    np.testing.assert_allclose(out['keypoint'][..., 3:6],
                               JointToBone('coco')(dict(keypoint=joint))['keypoint'], atol=1e-6)
    np.testing.assert_allclose(out['keypoint'][..., 6:],
                               ToMotion('coco')(dict(keypoint=joint))['motion'])
    with pytest.raises(ValueError, match="keypoint_score is only for 2D poses"):
        GenSkeFeat(dataset='nturgb+d')(dict(keypoint=kp, keypoint_score=score))
    merged = MergeSkeFeat(['a', 'b'], target='c', axis=0)(dict(a=np.ones(2), b=np.zeros(1)))
    assert set(merged) == {'c'} and merged['c'].tolist() == [1, 1, 0]


def test_pad_to_loops_or_zero_pads():
    kp = np.arange(3, dtype=np.float32).reshape(1, 3, 1, 1) + 1  # frames 1, 2, 3
    score = kp[..., 0] * 10
    looped = PadTo(7)(dict(keypoint=kp, keypoint_score=score, total_frames=3))
    assert looped['keypoint'].ravel().tolist() == [1, 2, 3, 1, 2, 3, 1]
    assert looped['keypoint_score'].ravel().tolist() == [10, 20, 30, 10, 20, 30, 10]
    assert looped['total_frames'] == 7
    zeroed = PadTo(5, mode='zero')(dict(keypoint=kp, total_frames=3))
    assert zeroed['keypoint'].ravel().tolist() == [1, 2, 3, 0, 0]
    assert kp.ravel().tolist() == [1, 2, 3]  # the input is left alone
    with pytest.raises(ValueError, match='total_frames=3 is longer than length=2'):
        PadTo(2)(dict(keypoint=kp, total_frames=3))
    with pytest.raises(ValueError, match="mode='edge'"):
        PadTo(4, mode='edge')


def canonical_body():
    """NTU-25 joints of an upright body: hip 0 below spine 1, shoulders 4 (left, at -x) and 8
    (right, at +x) level, the other joints spread in front; joint 24 missing."""
    body = np.random.default_rng(4).uniform(-0.5, 0.5, (25, 3))
    body[0], body[1] = (0, 0, -0.4), (0, 0, 0)
    body[4], body[8] = (-0.2, 0, 0.3), (0.2, 0, 0.3)
    body[24] = 0
    return body


def test_pre_normalize_3d_aligns_spine_with_z_and_shoulders_with_x():
    body = canonical_body()
    turn = rotation_matrix(np.array([0.3, -1.0, 0.5]), 1.1)
    center = np.array([0.5, -0.2, 3.0])
    moved = body @ turn.T + center
    moved[24] = 0
    keypoint = np.zeros((1, 5, 25, 3), np.float32)
    keypoint[0, 1:] = moved  # frame 0 is empty and gets dropped
    out = PreNormalize3D()(dict(keypoint=keypoint, total_frames=5))
    assert out['total_frames'] == 4 and out['keypoint'].shape == (1, 4, 25, 3)
    np.testing.assert_allclose(out['body_center'], center, atol=1e-6)
    np.testing.assert_allclose(out['keypoint'][0, 0], body, atol=1e-5)  # the turn undone
    assert not out['keypoint'][0, :, 24].any()  # missing joints stay zero
    spine_only = PreNormalize3D(align_shoulder=False)(dict(keypoint=keypoint))['keypoint']
    spine = spine_only[0, 0, 1] - spine_only[0, 0, 0]
    np.testing.assert_allclose(spine / np.linalg.norm(spine), [0, 0, 1], atol=1e-6)
    with pytest.raises(ValueError, match='3 persons'):
        PreNormalize3D()(dict(keypoint=np.ones((3, 2, 25, 3))))


def test_pre_normalize_2d_maps_the_frame_to_minus_one_one():
    kp = np.array([[[[0, 0], [960, 540], [1920, 1080]]]], np.float32)
    out = PreNormalize2D()(dict(keypoint=kp))['keypoint']
    np.testing.assert_allclose(out[0, 0], [[-1, -1], [0, 0], [1, 1]])
    out = PreNormalize2D()(dict(keypoint=kp, img_shape=(540, 960)))['keypoint']
    np.testing.assert_allclose(out[0, 0, 1], [1, 1])


def one_joint(x, y, score=1.0, num_joints=17, joint=0):
    kp = np.zeros((1, 1, num_joints, 2), np.float32)
    kp[0, 0, joint] = (x, y)
    kps = np.zeros((1, 1, num_joints), np.float32)
    kps[0, 0, joint] = score
    return kp, kps


def test_generate_pose_target_peaks_at_the_joint_and_falls_off_symmetrically():
    kp, score = one_joint(10, 7, score=0.8)
    heatmap = GeneratePoseTarget(sigma=1.0)(dict(keypoint=kp, keypoint_score=score,
                                                 img_shape=(20, 24)))['imgs']
    assert heatmap.shape == (1, 17, 20, 24) and heatmap.dtype == np.float32
    hm = heatmap[0, 0]
    assert np.unravel_index(hm.argmax(), hm.shape) == (7, 10)
    assert hm[7, 10] == pytest.approx(0.8)
    for d in (1, 2, 3):
        expected = 0.8 * np.exp(-d * d / 2)
        assert hm[7, 10 + d] == hm[7, 10 - d] == hm[7 + d, 10] == hm[7 - d, 10]
        assert hm[7, 10 + d] == pytest.approx(expected, rel=1e-6)
    assert hm[7, 14] == 0 and hm[7, 6] == 0  # beyond 3 sigma
    assert not heatmap[0, 1:].any()  # joints with score 0 draw nothing
    kp, score = one_joint(10.3, 7, score=0.8)
    hm = GeneratePoseTarget(sigma=1.0, use_score=False)(
        dict(keypoint=kp, keypoint_score=score, img_shape=(20, 24)))['imgs'][0, 0]
    assert hm[7, 10] == pytest.approx(np.exp(-0.09 / 2), rel=1e-6)  # peak 1, not 0.8


def test_generate_pose_target_limbs_double_and_scaling():
    kp = np.zeros((1, 1, 17, 2), np.float32)
    kp[0, 0, 0], kp[0, 0, 1] = (5, 10), (15, 10)  # limb 0 = (nose, left eye): horizontal
    score = np.full((1, 1, 17), 0.5, np.float32)
    score[0, 0, 1] = 0.9
    hm = GeneratePoseTarget(sigma=1.0, with_kp=False, with_limb=True)(
        dict(keypoint=kp, keypoint_score=score, img_shape=(20, 24)))['imgs'][0, 0]
    np.testing.assert_allclose(hm[10, 5:16], 0.5)  # along the segment: the lower score
    np.testing.assert_allclose(hm[9, 5:16], 0.5 * np.exp(-0.5), rtol=1e-6)
    np.testing.assert_array_equal(hm[9], hm[11])
    assert hm[10, 3] == pytest.approx(0.5 * np.exp(-2), rel=1e-6)  # past the end: to the joint
    kp, score = one_joint(3, 4, joint=1)  # left eye
    out = GeneratePoseTarget(sigma=1.0, double=True)(
        dict(keypoint=kp, keypoint_score=score, img_shape=(20, 24)))['imgs']
    assert out.shape == (2, 17, 20, 24)
    assert out[1, 2, 4, 24 - 1 - 3] == 1 and not out[1, 1].any()  # right eye, mirrored
    scaled = GeneratePoseTarget(scaling=0.25)(
        dict(keypoint=kp * 4, keypoint_score=score, img_shape=(80, 96)))['imgs']
    assert scaled.shape == (1, 17, 20, 24) and scaled[0, 1, 4, 3] == 1
    heatmap_key = GeneratePoseTarget()(dict(keypoint=kp, img_shape=(20, 24), imgs=[0]))
    assert heatmap_key['heatmap_imgs'].shape == (1, 17, 20, 24)
    with pytest.raises(ValueError, match='with_kp=False and with_limb=False'):
        GeneratePoseTarget(with_kp=False)


def test_pose_compact_crops_to_the_padded_box():
    kp = np.zeros((1, 2, 17, 2), np.float32)
    kp[0, 0, 0], kp[0, 1, 5] = (100, 50), (200, 100)  # the rest are missing joints
    out = PoseCompact()(dict(keypoint=kp.copy(), img_shape=(300, 400)))
    # tight box 100 x 50 around (150, 75), 1.25 times as big: x 87.5..212.5, y 43.75..106.25
    assert out['img_shape'] == (106 - 43, 212 - 87)
    np.testing.assert_array_equal(out['keypoint'][0, 0, 0], [13, 7])
    np.testing.assert_array_equal(out['keypoint'][0, 1, 5], [113, 57])
    assert not out['keypoint'][0, 0, 1:].any()  # missing joints stay at zero
    np.testing.assert_allclose(out['crop_quadruple'], [87 / 400, 43 / 300, 125 / 400, 63 / 300],
                               rtol=1e-6)
    square = PoseCompact(hw_ratio=1.)(dict(keypoint=kp.copy(), img_shape=(300, 400)))
    assert square['img_shape'] == (137 - 12, 125)  # y 12.5..137.5
    tiny = kp.copy()
    tiny[0, 1, 5] = (105, 55)
    unchanged = PoseCompact()(dict(keypoint=tiny, img_shape=(300, 400)))
    assert unchanged['img_shape'] == (300, 400) and 'crop_quadruple' not in unchanged
    clipped = PoseCompact(padding=2.0, allow_imgpad=False)(dict(keypoint=kp.copy(),
                                                              img_shape=(120, 230)))
    assert clipped['img_shape'] == (120, 230)  # x 0..300 and y 0..150, clipped to the image


def test_mm_compact_pads_frames_where_the_box_leaves_them():
    kp = np.zeros((1, 1, 17, 2), np.float32)
    kp[0, 0, 0], kp[0, 0, 1] = (10, 20), (50, 40)
    imgs = [np.full((60, 60, 3), 7, np.uint8)]
    out = MMCompact()(dict(keypoint=kp, imgs=imgs, img_shape=(60, 60)))
    # tight 40 x 20 around (30, 30) -> 50 x 25 -> square 50 x 50: x 5..55, y 5..55
    assert out['img_shape'] == (50, 50) and out['imgs'][0].shape == (50, 50, 3)
    np.testing.assert_array_equal(out['keypoint'][0, 0, :2], [[5, 15], [45, 35]])
    kp[0, 0, 1] = (50, 20)
    kp[0, 0, 2] = (30, 55)  # doubled and squared: x -10..70, y -2..77, past every edge
    out = MMCompact(padding=1.0)(dict(keypoint=kp, imgs=imgs, img_shape=(60, 60)))
    height, width = out['img_shape']
    assert (height, width) == (79, 80) and out['imgs'][0].shape[:2] == (79, 80)
    assert (out['imgs'][0] == 0).any() and (out['imgs'][0] == 7).any()


def test_pose_decode_takes_the_sampled_frames_as_float32():
    kp = np.arange(10, dtype=np.float16).reshape(1, 5, 1, 2)
    out = PoseDecode()(dict(keypoint=kp, keypoint_score=kp[..., 0], frame_inds=np.array([[3, 1]]),
                            offset=1))
    assert out['keypoint'].dtype == np.float32 and out['keypoint'].shape == (1, 2, 1, 2)
    assert out['keypoint'][0, :, 0, 0].tolist() == [8, 4]  # frames 4 and 2
    assert out['keypoint_score'][0, :, 0].tolist() == [8, 4]
    assert PoseDecode()(dict(keypoint=kp))['frame_inds'].tolist() == [0, 1, 2, 3, 4]


def test_format_gcn_input_pads_persons_and_splits_clips():
    kp = np.ones((1, 6, 3, 2), np.float32)
    score = np.full((1, 6, 3), 0.5, np.float32)
    out = FormatGCNInput(num_person=2)(dict(keypoint=kp, keypoint_score=score, num_clips=3))
    assert out['keypoint'].shape == (3, 2, 2, 3, 3)
    assert (out['keypoint'][:, 0, ..., 2] == 0.5).all() and not out['keypoint'][:, 1].any()
    looped = FormatGCNInput(num_person=3, mode='loop')(dict(keypoint=kp))['keypoint']
    assert looped.shape == (1, 3, 6, 3, 2) and (looped == 1).all()
    many = np.arange(4, dtype=np.float32)[:, None, None, None] * np.ones((4, 2, 3, 2))
    cut = FormatGCNInput(num_person=2)(dict(keypoint=many))['keypoint']
    assert cut[0, :, 0, 0, 0].tolist() == [0, 1]
    with pytest.raises(ValueError, match='6 frames do not split into num_clips=4'):
        FormatGCNInput()(dict(keypoint=kp, num_clips=4))


def test_mm_uniform_sample_frames_samples_each_modality():
    sampler = MMUniformSampleFrames(clip_len=dict(RGB=8, Pose=32), num_clips=2, test_mode=True)
    out = sampler(dict(total_frames=100, modality='Pose'))
    assert out['RGB_inds'].shape == (16, ) and out['Pose_inds'].shape == (64, )
    assert out['RGB_inds'].dtype == np.int32 and out['modality'] == ['RGB', 'Pose']
    np.testing.assert_array_equal(out['Pose_inds'],
                                  uniform_sample_frames(100, 32, 2, test_mode=True))
    again = sampler(dict(total_frames=100, modality='Pose'))
    np.testing.assert_array_equal(again['RGB_inds'], out['RGB_inds'])  # seeded
    assert (out['clip_len'], out['num_clips']) == (dict(RGB=8, Pose=32), 2)
    with pytest.raises(ValueError, match='num_clips=2 needs test_mode=True'):
        MMUniformSampleFrames(clip_len=dict(RGB=8), num_clips=2)
    with pytest.raises(TypeError, match='clip_len=8'):
        MMUniformSampleFrames(clip_len=8)


def test_decompress_pose_groups_boxes_into_persons_and_frames():
    boxes = np.zeros((4, 17, 3), np.float32)
    boxes[:, 0] = [(1, 1, 0.9), (2, 2, 0.8), (3, 3, 0.1), (4, 4, 0.7)]
    frame_inds = np.array([2, 2, 5, 7])  # frames 2 (two boxes), 5 and 7
    out = DecompressPose()(dict(keypoint=boxes, frame_inds=frame_inds, total_frames=10))
    assert out['total_frames'] == 3 and out['keypoint'].shape == (2, 3, 17, 2)
    assert out['keypoint'][:, :, 0, 0].tolist() == [[1, 3, 4], [2, 0, 0]]
    assert 'frame_inds' not in out and out['num_person'] == 2
    kept = DecompressPose(squeeze=False, max_person=1)(
        dict(keypoint=boxes, frame_inds=frame_inds, total_frames=10,
             anno_inds=np.array([True, True, False, True])))
    assert kept['keypoint'].shape == (1, 10, 17, 2)
    assert kept['keypoint_score'][0, [2, 5, 7], 0].tolist() == pytest.approx([0.9, 0, 0.7],
                                                                             abs=1e-3)
