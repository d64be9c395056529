"""Check that every config under a folder loads and builds through reelkit, with no data or weights.

    python tools/check_configs.py CONFIG_DIR [--filter recognition,skeleton] [--build-data]

Each config (files under ``_base_`` are skipped) is loaded with :func:`reelkit.apis.load_config`;
then its model is built on the meta device (no memory, no weights loaded), each dataloader's
pipeline is built transform by transform, the optim wrapper constructor and the evaluator metrics
are built, and the dataset, sampler, optimizer, scheduler, hook, loop and visualizer types are
looked up in the registries. Datasets need their annotation files, so they are only looked up,
unless ``--build-data`` asks to build them (with their pipelines).

Prints one line per failure (config, stage, error), then how many configs built per task folder
(the first folder under CONFIG_DIR). Exits with 1 when anything failed.
"""
import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from mmengine.registry import Registry, init_default_scope  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402

from reelkit.apis import load_config  # noqa: E402
from reelkit.registry import (DATA_SAMPLERS, DATASETS, HOOKS, LOG_PROCESSORS, LOOPS,  # noqa: E402
                              METRICS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                              OPTIMIZERS, PARAM_SCHEDULERS, SCOPE, TRANSFORMS, VISBACKENDS,
                              VISUALIZERS)

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
LOOP_KEYS = ('train_cfg', 'val_cfg', 'test_cfg')
# Keys of the dataset wrappers (RepeatDataset, ConcatDataset, ...) that hold inner datasets.
INNER_DATASET_KEYS = ('dataset', 'datasets')

Check = Tuple[str, Callable[[], object]]


@dataclass
class Failure:
    config: str
    stage: str
    error: str

    def line(self) -> str:
        return f'FAIL {self.config} [{self.stage}] {self.error}'


# ----------------------------------------------------------------------------- what to check
def lookup(registry: Registry, type_name, key: str) -> object:
    """The class registered as ``type_name``; KeyError naming ``key`` and the registry if none."""
    if type_name is None:
        raise KeyError(f'{key}: no type given')
    if not isinstance(type_name, str):
        return type_name  # a class given directly (lazy-import configs)
    found = registry.get(type_name)
    if found is None:
        raise KeyError(f'{key}: {type_name!r} is not in the {registry.scope}::{registry.name} registry')
    return found


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def build_model_on_meta(model_cfg: Dict) -> torch.nn.Module:
    """Build the model with every tensor on the meta device: no memory and no weights loaded."""
    with torch.device('meta'):
        return MODELS.build(model_cfg)


def datasets_of(dataset_cfg: Dict, key: str) -> Iterator[Tuple[str, Dict]]:
    """``(dotted key, config)`` of a dataset and of the datasets inside wrappers, outermost first."""
    yield key, dataset_cfg
    for inner_key in INNER_DATASET_KEYS:
        for i, inner in enumerate(as_list(dataset_cfg.get(inner_key))):
            if isinstance(inner, dict):
                suffix = f'.{inner_key}' if inner_key == 'dataset' else f'.{inner_key}[{i}]'
                yield from datasets_of(inner, key + suffix)


def loader_keys(cfg) -> Iterator[Tuple[str, Dict]]:
    """``(dotted key, config)`` of every dataloader, MMAction2's ``train_cfg.other_loaders`` too."""
    for key in LOADERS:
        if cfg.get(key):
            yield key, cfg[key]
    train_cfg = cfg.get('train_cfg')
    if isinstance(train_cfg, dict):
        for i, loader in enumerate(as_list(train_cfg.get('other_loaders'))):
            yield f'train_cfg.other_loaders[{i}]', loader


def loader_checks(loader: Dict, loader_key: str, build_data: bool) -> Iterator[Check]:
    sampler = loader.get('sampler')
    if isinstance(sampler, dict) and 'type' in sampler:
        key = f'{loader_key}.sampler'
        yield key, lambda: lookup(DATA_SAMPLERS, sampler['type'], key)
    if not isinstance(loader.get('dataset'), dict):
        return
    if build_data:  # the outermost dataset builds the wrapped ones and every pipeline
        yield f'{loader_key}.dataset', lambda: DATASETS.build(loader['dataset'])
        return
    for key, dataset in datasets_of(loader['dataset'], f'{loader_key}.dataset'):
        yield key, lambda dataset=dataset, key=key: lookup(DATASETS, dataset.get('type'), key)
        for i, step in enumerate(as_list(dataset.get('pipeline'))):
            yield f'{key}.pipeline[{i}]', lambda step=step: TRANSFORMS.build(step)


def optim_checks(cfg) -> Iterator[Check]:
    """The constructor is built (it checks ``paramwise_cfg``); the wrapper and optimizer are looked up."""
    optim_wrapper = cfg.get('optim_wrapper')
    if not optim_wrapper:
        return
    wrapper = dict(optim_wrapper)
    constructor = wrapper.pop('constructor', 'DefaultOptimWrapperConstructor')
    paramwise_cfg = wrapper.pop('paramwise_cfg', None)
    yield 'optim_wrapper.constructor', lambda: OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=constructor, optim_wrapper_cfg=wrapper, paramwise_cfg=paramwise_cfg))
    if 'optimizer' in wrapper:
        yield 'optim_wrapper.type', lambda: lookup(OPTIM_WRAPPERS, wrapper.get('type', 'OptimWrapper'),
                                                   'optim_wrapper.type')
        yield 'optim_wrapper.optimizer', lambda: lookup(OPTIMIZERS, wrapper['optimizer'].get('type'),
                                                        'optim_wrapper.optimizer')


def scheduler_checks(cfg) -> Iterator[Check]:
    for i, scheduler in enumerate(as_list(cfg.get('param_scheduler'))):
        key = f'param_scheduler[{i}]'
        yield key, lambda scheduler=scheduler, key=key: lookup(PARAM_SCHEDULERS, scheduler.get('type'), key)


def evaluator_checks(cfg) -> Iterator[Check]:
    """Metrics are built: they need neither a model nor data."""
    for evaluator_key in EVALUATORS:
        metrics = cfg.get(evaluator_key)
        if isinstance(metrics, dict) and 'metrics' in metrics:  # dict(type='Evaluator', metrics=...)
            metrics = metrics['metrics']
        for i, metric in enumerate(as_list(metrics)):
            yield f'{evaluator_key}[{i}]', lambda metric=metric: METRICS.build(metric)


def hook_checks(cfg) -> Iterator[Check]:
    """Hooks are only looked up: some need the runner's model or visualizer to be built."""
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if hook:
            key = f'default_hooks.{name}'
            yield key, lambda hook=hook, key=key: lookup(HOOKS, hook.get('type'), key)
    for i, hook in enumerate(as_list(cfg.get('custom_hooks'))):
        key = f'custom_hooks[{i}]'
        yield key, lambda hook=hook, key=key: lookup(HOOKS, hook.get('type'), key)


def runtime_checks(cfg) -> Iterator[Check]:
    for key in LOOP_KEYS:
        loop = cfg.get(key)
        if isinstance(loop, dict) and 'type' in loop:
            yield key, lambda loop=loop, key=key: lookup(LOOPS, loop['type'], key)
    visualizer = cfg.get('visualizer')
    if isinstance(visualizer, dict):
        yield 'visualizer', lambda: lookup(VISUALIZERS, visualizer.get('type', 'Visualizer'), 'visualizer')
        for i, backend in enumerate(as_list(visualizer.get('vis_backends'))):
            key = f'visualizer.vis_backends[{i}]'
            yield key, lambda backend=backend, key=key: lookup(VISBACKENDS, backend.get('type'), key)
    log_processor = cfg.get('log_processor')
    if isinstance(log_processor, dict) and 'type' in log_processor:
        yield 'log_processor', lambda: lookup(LOG_PROCESSORS, log_processor['type'], 'log_processor')


def model_checks(cfg) -> Iterator[Check]:
    if cfg.get('model'):
        yield 'model', lambda: build_model_on_meta(cfg.model)


def config_checks(cfg, build_data: bool = False) -> List[Tuple[str, Callable[[], Iterator[Check]]]]:
    """Groups of checks of a loaded config: ``(group, () -> (stage, callable raising on failure))``.

    A group that cannot even list its checks (a key of the wrong kind) fails as a whole.
    """
    loaders = [(key, lambda key=key, loader=loader: loader_checks(loader, key, build_data))
               for key, loader in loader_keys(cfg)]
    return [('model', lambda: model_checks(cfg)), *loaders,
            ('optim_wrapper', lambda: optim_checks(cfg)),
            ('param_scheduler', lambda: scheduler_checks(cfg)),
            ('evaluator', lambda: evaluator_checks(cfg)),
            ('hooks', lambda: hook_checks(cfg)),
            ('runtime', lambda: runtime_checks(cfg))]


# ----------------------------------------------------------------------------- running them
def one_line(error: Exception) -> str:
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    return ' '.join(f'{type(error).__name__}: {message}'.split())


def check_config(path: Path, name: str, build_data: bool = False) -> List[Failure]:
    """The failures of one config (none when it loads and builds); ``name`` labels them."""
    try:
        cfg = load_config(str(path))
    except Exception as error:  # noqa: BLE001  every failure is reported, none stops the walk
        return [Failure(name, 'load', one_line(error))]
    failures = []
    for group, list_checks in config_checks(cfg, build_data):
        try:
            checks = list(list_checks())
        except Exception as error:  # noqa: BLE001
            failures.append(Failure(name, group, one_line(error)))
            continue
        for stage, check in checks:
            try:
                check()
            except Exception as error:  # noqa: BLE001
                failures.append(Failure(name, stage, one_line(error)))
    return failures


def find_configs(config_dir: Path, folders: Optional[Sequence[str]] = None) -> List[Path]:
    """Config files under ``config_dir`` (outside ``_base_``), in the task ``folders`` if given."""
    found = []
    for path in sorted(config_dir.rglob('*.py')):
        parts = path.relative_to(config_dir).parts
        if '_base_' in parts or len(parts) < 2:
            continue
        if folders is None or parts[0] in folders:
            found.append(path)
    return found


def check_all(config_dir: Path, folders: Optional[Sequence[str]] = None, build_data: bool = False,
              progress: bool = True) -> Tuple[List[Failure], Dict[str, List[int]]]:
    """All failures, and ``{task folder: [configs built, configs checked]}``."""
    init_default_scope(SCOPE)
    paths = find_configs(config_dir, folders)
    if progress:
        paths = track(paths, description='checking configs', console=Console(stderr=True))
    failures, counts = [], {}
    for path in paths:
        name = path.relative_to(config_dir).as_posix()
        found = check_config(path, name, build_data)
        failures += found
        count = counts.setdefault(name.split('/')[0], [0, 0])
        count[0] += not found
        count[1] += 1
    return failures, counts


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config_dir', type=Path, help='folder of configs (e.g. MMAction2 configs/)')
    parser.add_argument('--filter', help='comma-separated task folders to check '
                        '(e.g. recognition,skeleton); default: all')
    parser.add_argument('--build-data', action='store_true',
                        help='also build the datasets (needs their annotation files)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    if not args.config_dir.is_dir():
        parser.error(f'{args.config_dir}: no such folder')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    folders = [name.strip() for name in args.filter.split(',')] if args.filter else None
    failures, counts = check_all(args.config_dir, folders, args.build_data, not args.no_progress)
    for failure in failures:
        print(failure.line())
    for folder, (built, total) in sorted(counts.items()):
        print(f'{folder}: {built}/{total} built')
    if not counts:
        print(f'{args.config_dir}: no configs found' + (f' in {args.filter}' if folders else ''))
    return 1 if failures or not counts else 0


if __name__ == '__main__':
    sys.exit(main())
