"""``data`` to ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader``, and the datasets in them.

0.x kept shared loader settings at the top of ``data`` (``videos_per_gpu``, ``workers_per_gpu``),
per-split overrides in ``data.train_dataloader`` etc. and the datasets in ``data.train/val/test``.
1.x gives every split a full dataloader dict with an explicit sampler: shuffling for training,
an ``InfiniteSampler`` when training counts iterations. Without ``data.test`` the test dataloader is
the validation one (seed 000: ``test_dataloader = val_dataloader``).
"""
import copy
from typing import Any, Dict

from .context import Migration, Rule, apply_rules, items_of, take_dict
from .pipelines import migrate_pipeline
from .values import MISSING, expect

SECTION = 'dataset'
SPLITS = ('train', 'val', 'test')

DATALOADER_ARGS = (
    Rule('videos_per_gpu', 'batch_size'),
    Rule('samples_per_gpu', 'batch_size'),
    Rule('workers_per_gpu', 'num_workers'),
    Rule('persistent_workers', 'persistent_workers'),
    Rule('pin_memory', 'pin_memory'),
    Rule('drop_last', 'drop_last'),
    Rule('prefetch_factor', 'prefetch_factor'),
    Rule('shuffle', 'sampler.shuffle'),
    Rule('seed', None, '1.x seeds the workers from `randomness.seed`'),
)
# MMGeneration 0.x: settings of the evaluation dataloader only.
VAL_DATALOADER_ARGS = (
    Rule('val_samples_per_gpu', 'batch_size'),
    Rule('val_workers_per_gpu', 'num_workers'),
)
LOADER_KEY_ORDER = ('batch_size', 'num_workers', 'persistent_workers', 'pin_memory', 'drop_last', 'sampler',
                    'dataset')

# Dataset type -> the key of its 1.x ``data_prefix`` dict (0.x had a string).
DATA_PREFIX_KEYS = {
    'VideoDataset': 'video',
    'RawframeDataset': 'img',
    'AVADataset': 'img',
    'AVAKineticsDataset': 'img',
    'ActivityNetDataset': 'video',
    'AudioDataset': 'audio',
    'RepeatAugDataset': 'video',
}
_REMOVED_SAMPLING = (
    Rule('sample_by_class', None, '1.x action datasets sample uniformly; use a sampler instead', review=True),
    Rule('power', None, 'went with sample_by_class', review=True),
    Rule('dynamic_length', None, '1.x action datasets have no dynamic length', review=True),
)
DATASET_ARGS: Dict[str, tuple] = {
    'VideoDataset': _REMOVED_SAMPLING,
    'RawframeDataset': _REMOVED_SAMPLING,
    'UnconditionalImageDataset': (Rule('imgs_root', 'data_root'), ),
    'GrowScaleImgDataset': (Rule('imgs_roots', 'data_roots'), ),
    'PairedImageDataset': (Rule('dataroot', 'data_root'), ),
    'UnpairedImageDataset': (Rule('dataroot', 'data_root'), ),
}


def convert_data(m: Migration) -> None:
    data = take_dict(m, 'data')
    if data is MISSING:
        return
    m.facts['had_data'] = True
    shared = {r.old: data.pop(r.old) for r in DATALOADER_ARGS if r.old in data}
    shared_val = {r.old: data.pop(r.old) for r in VAL_DATALOADER_ARGS if r.old in data}
    overrides = {s: expect(data.pop(f'{s}_dataloader', {}), dict, f'data.{s}_dataloader') for s in SPLITS}
    datasets = {s: data.pop(s) for s in SPLITS if s in data}
    unknown = dict(data)  # what is left is not a 0.x data key reelkit knows
    for split, dataset in datasets.items():
        loader = _loader_settings(m, split, shared, shared_val if split == 'val' else {}, overrides[split])
        _carry_unknown(m, unknown, split, loader)
        loader['sampler'] = _sampler(m, split, loader.get('sampler', {}))
        loader['dataset'] = migrate_dataset(m, dataset, f'data.{split}', test_mode=split != 'train')
        _flavor_defaults(m, split, loader)
        if 'batch_size' in loader and loader['batch_size'] is None:
            m.record(SECTION, 'data.samples_per_gpu', f'{split}_dataloader.batch_size', None, None,
                     'None means no batching to the DataLoader; set the batch size', review=True)
        m.put(f'{split}_dataloader', {k: loader[k] for k in _ordered(loader)})
    if 'val' in datasets and 'test' not in datasets:
        m.put('test_dataloader', copy.deepcopy(m.get('val_dataloader')))
        m.record(SECTION, 'data.val', 'test_dataloader', new_value='val_dataloader',
                 note='the config has no data.test; 1.x tests on the validation data (test_dataloader = '
                 'val_dataloader, as the migration guide writes it)')
    for name, value in (unknown.items() if not datasets else ()):
        m.drop(SECTION, f'data.{name}', value, 'the config has no data.train/val/test to carry it to', review=True)
    for split in SPLITS:
        if overrides[split] and split not in datasets:
            m.drop(SECTION, f'data.{split}_dataloader', overrides[split], f'the config has no data.{split}')


def _loader_settings(m: Migration, split: str, shared: dict, shared_val: dict, override: dict) -> dict:
    """Shared settings, then the split's own: later sources win, as in 0.x."""
    loader: Dict[str, Any] = {}
    sources = (('data', shared, DATALOADER_ARGS), ('data', shared_val, VAL_DATALOADER_ARGS),
               (f'data.{split}_dataloader', override, DATALOADER_ARGS))
    for src_key, src, rules in sources:
        part = apply_rules(m, SECTION, dict(src), rules, src_key, {}, f'{split}_dataloader',
                           carry_unknown=src is override)
        _merge(loader, part)
    return loader


def _merge(dst: dict, src: dict) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def _carry_unknown(m: Migration, unknown: dict, split: str, loader: dict) -> None:
    for name, value in unknown.items():
        loader[name] = value
        m.record(SECTION, f'data.{name}', f'{split}_dataloader.{name}', value, value,
                 'not a 0.x data key reelkit knows; passed to the DataLoader unchanged', review=True)


def _sampler(m: Migration, split: str, sampler: dict) -> dict:
    sampler = dict(expect(sampler, dict, f'{split}_dataloader.sampler'))
    infinite = split == 'train' and not m.length.by_epoch
    default = dict(type='InfiniteSampler' if infinite else 'DefaultSampler', shuffle=split == 'train')
    for key, value in default.items():
        sampler.setdefault(key, value)
    sampler = {'type': sampler.pop('type'), **sampler}
    note = ('iteration-based training draws batches without end' if infinite
            else 'training shuffles' if split == 'train' else 'evaluation keeps the order')
    m.record(SECTION, None, f'{split}_dataloader.sampler', new_value=sampler, note=note)
    return sampler


def _flavor_defaults(m: Migration, split: str, loader: dict) -> None:
    if not isinstance(loader.get('num_workers'), int) or loader['num_workers'] <= 0:
        return
    for key, value in m.flavor.dataloader_defaults.items():
        if key not in loader:
            loader[key] = value
            m.record(SECTION, None, f'{split}_dataloader.{key}', new_value=value,
                     note=f'{m.flavor.default_scope} 1.x configs keep workers between epochs')


def _ordered(loader: dict):
    """Loader settings first, then anything else, the dataset last (as official configs read)."""
    head = [k for k in LOADER_KEY_ORDER[:-1] if k in loader]
    rest = [k for k in loader if k not in LOADER_KEY_ORDER]
    return head + rest + (['dataset'] if 'dataset' in loader else [])


def migrate_dataset(m: Migration, dataset: Any, key: str, test_mode: bool) -> dict:
    """A dataset dict (or a wrapper like ``RepeatDataset`` around one) in its 1.x form."""
    dataset = dict(expect(dataset, dict, key))
    if 'dataset' in dataset:
        dataset['dataset'] = migrate_dataset(m, dataset['dataset'], f'{key}.dataset', test_mode)
        return dataset
    if 'datasets' in dataset:
        dataset['datasets'] = [migrate_dataset(m, d, f'{key}.datasets[{i}]', test_mode)
                               for i, d in enumerate(items_of(dataset['datasets'], f'{key}.datasets'))]
        return dataset
    dtype = dataset.get('type')
    if isinstance(dtype, str) and dtype in DATASET_ARGS:
        apply_rules(m, SECTION, dataset, DATASET_ARGS[dtype], key, dataset, key, carry_unknown=False)
    _data_prefix(m, dataset, dtype, key)
    if 'pipeline' in dataset:
        dataset['pipeline'] = migrate_pipeline(m, dataset['pipeline'], f'{key}.pipeline')
    if test_mode and 'test_mode' not in dataset:
        dataset['test_mode'] = True
        m.record(SECTION, None, f'{key}.test_mode', new_value=True,
                 note='0.x set it when building evaluation datasets; 1.x reads it from the config')
    return dataset


def _data_prefix(m: Migration, dataset: dict, dtype: Any, key: str) -> None:
    prefix = dataset.get('data_prefix', MISSING)
    if prefix is None:
        m.drop(SECTION, f'{key}.data_prefix', dataset.pop('data_prefix'), '1.x defaults to no prefix')
    elif isinstance(prefix, str) and dtype in DATA_PREFIX_KEYS:
        dataset['data_prefix'] = {DATA_PREFIX_KEYS[dtype]: prefix}
        m.record(SECTION, f'{key}.data_prefix', f'{key}.data_prefix', prefix, dataset['data_prefix'],
                 f'1.x names the prefix by what it holds ({dtype})')
    elif isinstance(prefix, str):
        m.record(SECTION, f'{key}.data_prefix', f'{key}.data_prefix', prefix, prefix,
                 f'1.x wants a dict such as dict(img=...); reelkit does not know {dtype!r}', review=True)
