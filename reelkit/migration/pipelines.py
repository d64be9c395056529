"""Data pipelines: 0.x transforms to their 1.x form.

* ``Collect`` (with ``ToTensor``/``ImageToTensor``/``ToDataContainer``) becomes one packing
  transform: ``PackActionInputs``, ``PackLocalizationInputs`` (localization features) or
  ``PackGenInputs``.
* ``Normalize`` leaves the pipeline; its mean, std and channel swap are recorded as a fact for
  :mod:`reelkit.migration.models`, which puts them in ``model.data_preprocessor``.
* Renamed transforms (``FrameSelector`` -> ``RawFrameDecode``...) and renamed arguments follow
  the tables below. In GAN pipelines the ``real_img`` keys become ``img``.
"""
from typing import Any, Callable, Dict, List, Optional

from .context import Migration, Rule, apply_rules, items_of
from .values import expect, expect_type_name, inline

SECTION = 'dataset'

TRANSFORM_RENAMES = {
    'FrameSelector': 'RawFrameDecode',
    'Imgaug': 'ImgAug',
    'PytorchVideoTrans': 'PytorchVideoWrapper',
    'TorchvisionTrans': 'TorchVisionWrapper',
}

DROPPED_TRANSFORMS = {
    'ToTensor': 'the packing transform makes the tensors',
    'ImageToTensor': 'the packing transform makes the tensors',
    'ToDataContainer': '1.x batches without DataContainer',
}

# 0.x argument -> 1.x argument, per transform type.
TRANSFORM_ARGS: Dict[str, tuple] = {
    'LoadImageFromFile': (Rule('io_backend', 'backend_args.backend', default='disk'), ),
    'Collect': (
        Rule('keys', 'keys'),
        Rule('meta_keys', 'meta_keys'),
        Rule('meta_name', None, '1.x packs meta keys into the data sample'),
        Rule('nested', None, '1.x has no nested Collect'),
    ),
}

# Normalize arguments -> model.data_preprocessor arguments, per flavour. 0.x ``to_bgr`` (MMAction2
# frames are RGB) and 1.x ``to_rgb`` both reverse the channel order before normalising.
_NORMALIZE_COMMON = (
    Rule('mean', 'mean'),
    Rule('std', 'std'),
    Rule('keys', None, 'the data preprocessor normalises the model inputs'),
)
NORMALIZE_ARGS = {
    'action': _NORMALIZE_COMMON + (
        Rule('to_bgr', 'to_rgb', 'both reverse the channel order before normalising'),
        Rule('adjust_magnitude', None, 'ActionDataPreprocessor has no flow magnitude adjustment',
             default=False, review=True),
    ),
    'gen': _NORMALIZE_COMMON + (Rule('to_rgb', 'bgr_to_rgb', 'both convert BGR images to RGB'), ),
}

# Keys of GAN pipelines renamed in MMGeneration 1.x.
GEN_KEY_RENAMES = {'real_img': 'img', 'real_img_path': 'img_path'}
GEN_KEY_ARGS = ('key', 'keys', 'meta_keys')

# Collected keys PackActionInputs handles itself; other keys go to ``algorithm_keys``.
PACK_ACTION_KEYS = ('imgs', 'img', 'label', 'gt_bboxes', 'gt_labels', 'proposals', 'heatmap_imgs',
                    'keypoint', 'audios', 'text')
PACK_ACTION_META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')
# Collected keys PackGenInputs puts into the data sample rather than the image inputs.
PACK_GEN_DATA_KEYS = ('gt_label', )
LOCALIZATION_INPUT = 'raw_feature'


def migrate_pipeline(m: Migration, pipeline: Any, key: str) -> List[dict]:
    """The 1.x form of the pipeline at ``key``. A pipeline seen before is converted (and reported) once."""
    seen: Dict[str, tuple] = m.facts.setdefault('pipelines', {})
    text = inline(pipeline)
    if text in seen:
        result, first_key = seen[text]
        m.record(SECTION, key, key, note=f'same pipeline as `{first_key}`, migrated the same way')
        return [dict(t) for t in result]
    result = [t for t in (_migrate_transform(m, t, f'{key}[{i}]')
                          for i, t in enumerate(items_of(pipeline, key))) if t is not None]
    seen[text] = (result, key)
    return [dict(t) for t in result]


def migrate_top_level_pipelines(m: Migration) -> None:
    """Pipelines kept in top-level variables (``train_pipeline = [...]``) are migrated too."""
    for name, value in list(m.cfg.items()):
        if name.endswith('pipeline') and isinstance(value, list) and value and all(
                isinstance(t, dict) and 'type' in t for t in value):
            m.cfg[name] = migrate_pipeline(m, value, name)


def _migrate_transform(m: Migration, transform: Any, key: str) -> Optional[dict]:
    transform = dict(expect(transform, dict, key))
    ttype = expect_type_name(transform, key)
    if ttype in DROPPED_TRANSFORMS:
        m.drop(SECTION, key, transform, DROPPED_TRANSFORMS[ttype])
        return None
    if m.flavor.name == 'gen':
        _rename_gen_keys(m, transform, key)
    special = SPECIAL_TRANSFORMS.get(ttype)
    if special is not None:
        return special(m, transform, key)
    if ttype in TRANSFORM_RENAMES:
        transform['type'] = TRANSFORM_RENAMES[ttype]
        m.record(SECTION, f'{key}.type', f'{key}.type', ttype, transform['type'], 'renamed in 1.x')
    if ttype in TRANSFORM_ARGS:  # the transform's other arguments stay as they are
        apply_rules(m, SECTION, transform, TRANSFORM_ARGS[ttype], key, transform, key, carry_unknown=False)
    return transform


def _rename_gen_keys(m: Migration, transform: dict, key: str) -> None:
    for arg in GEN_KEY_ARGS:
        value = transform.get(arg)
        if isinstance(value, str) and value in GEN_KEY_RENAMES:
            transform[arg] = GEN_KEY_RENAMES[value]
        elif isinstance(value, (list, tuple)) and any(v in GEN_KEY_RENAMES for v in value if isinstance(v, str)):
            transform[arg] = type(value)(GEN_KEY_RENAMES.get(v, v) if isinstance(v, str) else v for v in value)
        else:
            continue
        m.record(SECTION, f'{key}.{arg}', f'{key}.{arg}', value, transform[arg],
                 'MMGeneration 1.x names the real image `img`')


def _pack(m: Migration, transform: dict, key: str) -> dict:
    """``Collect`` (the formatting transforms around it are dropped) -> the flavour's packing transform."""
    args = {k: v for k, v in transform.items() if k != 'type'}
    args = apply_rules(m, SECTION, args, TRANSFORM_ARGS['Collect'], key, {}, key, report_moves=False)
    keys = items_of(args.pop('keys', ()), f'{key}.keys')
    meta_keys = args.pop('meta_keys', None)
    meta_keys = None if meta_keys is None else items_of(meta_keys, f'{key}.meta_keys')
    if LOCALIZATION_INPUT in keys:
        packed = _pack_localization(keys, meta_keys)
    elif m.flavor.name == 'gen':
        packed = _pack_gen(m, keys, meta_keys, key)
    else:
        packed = _pack_action(m, keys, meta_keys, key)
    packed.update(args)  # unknown Collect arguments, already flagged by apply_rules
    m.record(SECTION, key, key, transform, packed, 'Collect (and ToTensor) become one packing transform')
    return packed


def _pack_localization(keys: List[str], meta_keys: Optional[List[str]]) -> dict:
    packed = dict(type='PackLocalizationInputs', keys=tuple(k for k in keys if k != LOCALIZATION_INPUT))
    if meta_keys is not None:
        packed['meta_keys'] = tuple(meta_keys)
    return packed


def _pack_gen(m: Migration, keys: List[str], meta_keys: Optional[List[str]], key: str) -> dict:
    """``keys`` of PackGenInputs are images; the class label is packed into the data sample by itself."""
    images = [k for k in keys if k not in PACK_GEN_DATA_KEYS]
    if len(images) != len(keys):
        m.record(SECTION, f'{key}.keys', f'{key}.keys', keys, images,
                 'PackGenInputs packs gt_label into the data sample itself; its keys are the images')
    packed = dict(type=m.flavor.pack_inputs, keys=images)
    if meta_keys is not None:
        packed['meta_keys'] = meta_keys
    return packed


def _pack_action(m: Migration, keys: List[str], meta_keys: Optional[List[str]], key: str) -> dict:
    packed = dict(type=m.flavor.pack_inputs)
    extra_meta = [k for k in meta_keys or () if k not in PACK_ACTION_META_KEYS]
    if extra_meta:
        packed['meta_keys'] = PACK_ACTION_META_KEYS + tuple(extra_meta)
        m.record(SECTION, f'{key}.meta_keys', f'{key}.meta_keys', meta_keys, packed['meta_keys'],
                 'kept next to the 1.x default meta keys, which AVA evaluation needs', review=True)
    extra_keys = [k for k in keys if k not in PACK_ACTION_KEYS]
    if extra_keys:
        packed['algorithm_keys'] = tuple(extra_keys)
        m.record(SECTION, f'{key}.keys', f'{key}.algorithm_keys', keys, packed['algorithm_keys'],
                 'PackActionInputs packs imgs, labels and boxes itself; other keys go to the data sample',
                 review=True)
    return packed


def _normalize(m: Migration, transform: dict, key: str) -> None:
    args = {k: v for k, v in transform.items() if k != 'type'}
    found = apply_rules(m, 'model', args, NORMALIZE_ARGS[m.flavor.name], key, {}, 'model.data_preprocessor',
                        report_moves=False)
    m.record('model', key, 'model.data_preprocessor', transform, found,
             'the data preprocessor normalises on the device in 1.x')
    m.facts.setdefault('normalize', []).append((key, found))
    return None


def _format_shape(m: Migration, transform: dict, key: str) -> dict:
    """Kept as it is (reelkit's FormatShape still stacks flow as ``NCHW_Flow``); noted for the preprocessor."""
    m.facts.setdefault('input_format', []).append((key, transform.get('input_format')))
    return transform


def _sample_frames(m: Migration, transform: dict, key: str) -> dict:
    """Kept as it is; its ``clip_len`` is noted (a flow clip stacks ``clip_len`` x/y frame pairs as channels)."""
    m.facts.setdefault('clip_len', []).append((key, transform.get('clip_len', 1)))
    return transform


def _rename(m: Migration, transform: dict, key: str) -> Optional[dict]:
    if transform.get('mapping') == {'imgs': 'img'}:
        m.drop(SECTION, key, transform, "1.x packs `imgs` directly; AVA pipelines no longer rename it")
        return None
    m.record(SECTION, key, key, transform, transform, 'Rename is not a 1.x transform; carried over', review=True)
    return transform


SPECIAL_TRANSFORMS: Dict[str, Callable[[Migration, dict, str], Optional[dict]]] = {
    'Collect': _pack,
    'Normalize': _normalize,
    'FormatShape': _format_shape,
    'SampleFrames': _sample_frames,
    'Rename': _rename,
}
