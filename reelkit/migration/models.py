"""Model settings: where 0.x kept them and what moved into the model in 1.x.

* A top-level ``train_cfg`` / ``test_cfg`` that holds model settings (early MMAction2 0.x, all
  MMGeneration 0.x) moves into ``model`` first, so that the 1.x loop configs can take the names.
* ``model.test_cfg.average_clips`` moves to ``model.cls_head.average_clips``;
  ``model.train_cfg.blending`` moves to ``model.data_preprocessor.blending``.
* The pipelines' ``Normalize`` (or the ``img_norm_cfg`` variable) and ``FormatShape`` become
  ``model.data_preprocessor``.
"""
from typing import Any, List, Optional, Tuple

from .context import Migration
from .values import MISSING, same_value

SECTION = 'model'

# A top-level train_cfg/test_cfg with one of these keys is already a 1.x loop config.
LOOP_KEYS = ('type', 'by_epoch', 'max_epochs', 'max_iters', 'val_interval', 'val_begin', 'dynamic_intervals')

# (0.x dotted key inside model, 1.x dotted key inside model, note)
MODEL_MOVES = (
    ('test_cfg.average_clips', 'cls_head.average_clips', 'the head averages the clip scores in 1.x'),
    ('train_cfg.blending', 'data_preprocessor.blending', 'the data preprocessor blends batches in 1.x'),
)

# FormatShape input_format -> ActionDataPreprocessor format_shape (None: its default, NCHW).
FORMAT_SHAPES = {'NCHW': None, 'NCHW_Flow': None, 'NCTHW': 'NCTHW', 'NCTHW_Heatmap': 'NCTHW'}
# Stacks each frame's channels along the channel axis: (crops x clips, clip_len x C, H, W).
STACKED_FORMATS = ('NCHW_Flow', )

# The order data preprocessor keys are written in.
PREPROCESSOR_KEY_ORDER = ('type', 'mean', 'std', 'to_rgb', 'bgr_to_rgb', 'format_shape', 'blending')


def is_model_settings(value: Any) -> bool:
    """Whether a top-level ``train_cfg``/``test_cfg`` is 0.x model settings rather than a 1.x loop."""
    return value is None or (isinstance(value, dict) and bool(value) and not any(k in value for k in LOOP_KEYS))


def move_top_level_settings(m: Migration) -> None:
    for name in ('train_cfg', 'test_cfg'):
        value = m.get(name)
        if value is MISSING or not is_model_settings(value):
            continue
        m.take(name)
        if value is None:
            m.drop(SECTION, name, None, 'None: no model settings to move into the model')
            continue
        if not isinstance(m.get('model'), dict):
            m.drop(SECTION, name, value, 'model settings, but the config has no model dict', review=True)
            continue
        m.put(f'model.{name}', value)
        m.record(SECTION, name, f'model.{name}', value, value, '0.x model settings; 1.x uses the name for loops')


def convert_action_model(m: Migration) -> None:
    if m.flavor.name != 'action' or not isinstance(m.get('model'), dict):
        return
    for old, new, note in MODEL_MOVES:
        _move_inside_model(m, old, new, note)
    for name in ('train_cfg', 'test_cfg'):
        if m.get(f'model.{name}') == {}:
            m.drop(SECTION, f'model.{name}', m.take(f'model.{name}'), 'empty once its keys moved')


def _move_inside_model(m: Migration, old: str, new: str, note: str) -> None:
    value = m.get(f'model.{old}')
    if value is MISSING:
        return
    target_parent = new.rpartition('.')[0]
    m.take(f'model.{old}')
    if target_parent != 'data_preprocessor' and not isinstance(m.get(f'model.{target_parent}'), dict):
        m.drop(SECTION, f'model.{old}', value, f'the model has no {target_parent}, so it did nothing in 0.x',
               review=True)
        return
    m.put(f'model.{new}', value)
    m.record(SECTION, f'model.{old}', f'model.{new}', value, value, note)


def add_data_preprocessor(m: Migration) -> None:
    """``model.data_preprocessor`` from what the pipelines normalised, or ``img_norm_cfg``."""
    img_norm_cfg = m.take('img_norm_cfg')
    normalize = _chosen_normalize(m, img_norm_cfg)
    format_shape = _chosen_format_shape(m) if m.flavor.name == 'action' else None
    if normalize and m.flavor.name == 'action':
        normalize = _per_stacked_channel(m, normalize)
    model = m.get('model')
    wanted = normalize is not None or format_shape is not None or m.flavor.name == 'gen'
    if not isinstance(model, dict) or not wanted:
        if img_norm_cfg is not MISSING:
            m.drop(SECTION, 'img_norm_cfg', img_norm_cfg, 'the config has no model to normalise for', review=True)
        return
    preprocessor = dict(model.get('data_preprocessor') or {})
    added = dict(type=m.flavor.data_preprocessor, **(normalize or {}))
    if format_shape is not None:
        added['format_shape'] = format_shape
    for key, value in added.items():
        if key in preprocessor and not same_value(preprocessor[key], value):
            m.record(SECTION, None, f'model.data_preprocessor.{key}', new_value=preprocessor[key],
                     note=f'kept the model\'s own value, not {value!r} from the pipeline', review=True)
        preprocessor.setdefault(key, value)
    model['data_preprocessor'] = {k: preprocessor[k] for k in _preprocessor_order(preprocessor)}
    m.record(SECTION, None, 'model.data_preprocessor', new_value=model['data_preprocessor'],
             note='normalisation and batching happen on the device in 1.x')


def _chosen_normalize(m: Migration, img_norm_cfg: Any) -> Optional[dict]:
    found: List[Tuple[str, dict]] = m.facts.get('normalize', [])
    if not found and isinstance(img_norm_cfg, dict):
        found = [('img_norm_cfg', _from_img_norm_cfg(m, img_norm_cfg))]
    elif img_norm_cfg is not MISSING:
        m.drop(SECTION, 'img_norm_cfg', img_norm_cfg, 'a helper variable; its values went into the '
               'pipelines\' Normalize, now model.data_preprocessor')
    return _pick_train(m, found, 'Normalize')


def _from_img_norm_cfg(m: Migration, cfg: dict) -> dict:
    swap_key = 'to_rgb' if m.flavor.name == 'action' else 'bgr_to_rgb'
    swap = cfg.get('to_bgr', cfg.get('to_rgb', MISSING))
    out = {k: cfg[k] for k in ('mean', 'std') if k in cfg}
    if swap is not MISSING:
        out[swap_key] = swap
    m.record(SECTION, 'img_norm_cfg', 'model.data_preprocessor', cfg, out,
             'no Normalize in the pipelines; took the values of img_norm_cfg', review=True)
    return out


def _chosen_format_shape(m: Migration) -> Optional[str]:
    found = m.facts.get('input_format', [])
    formats = [(key, {'format_shape': FORMAT_SHAPES.get(value)}) for key, value in found]
    chosen = _pick_train(m, formats, 'FormatShape')
    return None if chosen is None else chosen['format_shape']


def _per_stacked_channel(m: Migration, normalize: dict) -> dict:
    """0.x normalised each flow frame (x, y) before ``NCHW_Flow`` stacked ``clip_len`` of them as channels;
    the 1.x preprocessor normalises the stacked channels, so mean and std repeat once per frame."""
    input_format = _train_fact(m.facts.get('input_format', []))
    if input_format not in STACKED_FORMATS or not all(isinstance(normalize.get(k), (list, tuple))
                                                      for k in ('mean', 'std')):
        return normalize
    clip_len = _train_fact(m.facts.get('clip_len', []))
    if not isinstance(clip_len, int) or isinstance(clip_len, bool) or clip_len < 1:
        m.record(SECTION, None, 'model.data_preprocessor', new_value=normalize,
                 note=f'{input_format} stacks clip_len frames as channels, but the training pipeline has no '
                 'SampleFrames clip_len; repeat mean and std once per frame', review=True)
        return normalize
    stacked = dict(normalize, **{k: list(normalize[k]) * clip_len for k in ('mean', 'std')})
    m.record(SECTION, None, 'model.data_preprocessor', normalize, stacked,
             f'{input_format} stacks clip_len={clip_len} frames as channels; mean and std repeat once per frame')
    return stacked


def _train_fact(found: List[Tuple[str, Any]]) -> Any:
    """The value the training pipeline noted (the first one when no key says train), or None."""
    train = [value for key, value in found if 'train' in key]
    return (train or [value for _, value in found] or [None])[0]


def _pick_train(m: Migration, found: List[Tuple[str, dict]], what: str) -> Optional[dict]:
    """The training pipeline's settings; a pipeline that disagrees is flagged (one preprocessor serves all)."""
    if not found:
        return None
    train = [item for item in found if 'train' in item[0]]
    key, chosen = (train or found)[0]
    for other_key, other in found:
        if not same_value(other, chosen):
            m.record(SECTION, other_key, 'model.data_preprocessor', other, chosen,
                     f'{what} differs from `{key}`; 1.x has one data preprocessor for every split', review=True)
    return chosen


def _preprocessor_order(preprocessor: dict) -> List[str]:
    head = [k for k in PREPROCESSOR_KEY_ORDER if k in preprocessor]
    return head + [k for k in preprocessor if k not in PREPROCESSOR_KEY_ORDER]
