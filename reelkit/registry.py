"""Every reelkit registry, declared once as a child of MMEngine's root registries.

Each registry names the modules that register into it (``locations``), so a config can name a
type before its module was imported. Configs written for MMAction2 (``default_scope='mmaction'``)
or MMGeneration (``'mmgen'``) are mapped to this scope by :mod:`reelkit.utils.config`.

Misspelled arguments: every build through these registries, and through the MMEngine registries
they are children of (the Runner builds its model, datasets and optimizer there), turns Python's
``X.__init__() got an unexpected keyword argument 'scal'`` into an :class:`UnexpectedArgumentError`
``dataset.pipeline[3]: Resize got an unexpected argument 'scal'; did you mean 'scale'?``, found
with ``difflib`` among the parameters of the type's ``__init__`` (and of its bases' while each
passes ``**kwargs`` on). Nothing else about building changes.
"""
import difflib
import functools
import inspect
import re
from typing import Any, Callable, List, Optional, Tuple

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

from reelkit.utils.errors import UnexpectedArgumentError

SCOPE = 'reelkit'

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope=SCOPE, locations=['reelkit.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE, locations=['reelkit.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['reelkit.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['reelkit.engine.hooks'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE, locations=['reelkit.engine'])

DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['reelkit.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE, locations=['reelkit.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE, locations=['reelkit.datasets.transforms'])

MODELS = Registry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['reelkit.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=['reelkit.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE, locations=['reelkit.models'])

OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE, locations=['reelkit.engine.optimizers'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE, locations=['reelkit.engine.optimizers'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE,
    locations=['reelkit.engine.optimizers'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE,
    locations=['reelkit.engine.optimizers'])

METRICS = Registry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['reelkit.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=['reelkit.evaluation'])

TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['reelkit.models'])

VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=['reelkit.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope=SCOPE, locations=['reelkit.visualization'])

INFERENCERS = Registry('inferencer', parent=MMENGINE_INFERENCERS, scope=SCOPE, locations=['reelkit.apis'])
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, scope=SCOPE, locations=['reelkit.datasets'])


# ------------------------------------------------------------------------- misspelled arguments
UNEXPECTED_ARGUMENT = re.compile(r"got an unexpected keyword argument '(\w+)'")


def explain_unexpected_arguments(build_func: Callable) -> Callable:
    """``build_func`` (a registry's), raising :class:`UnexpectedArgumentError` for an argument of
    the config dict that its type does not take."""
    if getattr(build_func, 'explains_arguments', False):
        return build_func

    @functools.wraps(build_func)
    def build(cfg, *args, **kwargs):
        registry = kwargs['registry']  # Registry.build passes it by name
        try:
            return build_func(cfg, *args, **kwargs)
        except UnexpectedArgumentError as error:  # raised by a part built inside this one
            step = key_path(cfg, error.cfg)
            if step is None:
                raise
            raise UnexpectedArgumentError(registry.name, step + error.path, error.problem,
                                          cfg) from error.__cause__
        except TypeError as error:
            problem = unexpected_argument(error, cfg, registry)
            if problem is None:
                raise
            raise UnexpectedArgumentError(registry.name, '', problem, cfg) from error

    build.explains_arguments = True
    return build


def unexpected_argument(error: TypeError, cfg: Any, registry: Registry) -> Optional[str]:
    """``"Resize got an unexpected argument 'scal'; did you mean 'scale'?"`` if ``error`` is about
    an argument of ``cfg`` that its type does not take, else None."""
    found = UNEXPECTED_ARGUMENT.search(str(error))
    if found is None or not isinstance(cfg, dict) or found.group(1) not in cfg:
        return None
    name, type_name = found.group(1), cfg.get('type')
    if isinstance(type_name, str):
        with registry.switch_scope_and_registry(cfg.get('_scope_')) as scoped:
            built = scoped.get(type_name)
    else:
        built, type_name = type_name, getattr(type_name, '__name__', repr(type_name))
    accepted = parameter_names(built)
    if name in accepted:  # the type takes it: something inside the type failed
        return None
    close = difflib.get_close_matches(name, accepted, n=1)
    hint = f'did you mean {close[0]!r}?' if close else f'it takes {", ".join(accepted) or "none"}'
    return f'{type_name} got an unexpected argument {name!r}; {hint}'


def parameter_names(built: Any) -> List[str]:
    """The names ``built`` takes by keyword: a function's parameters; for a class, those of its
    ``__init__`` and, while each passes ``**kwargs`` on, of its bases' ``__init__``."""
    if not inspect.isclass(built):
        return _keyword_parameters(built)[0] if callable(built) else []
    names: List[str] = []
    for klass in built.__mro__:
        if '__init__' not in vars(klass):
            continue
        own, forwards = _keyword_parameters(klass.__init__)
        names += [name for name in own if name not in names and name != 'self']
        if not forwards:
            break
    return names


def _keyword_parameters(func: Callable) -> Tuple[List[str], bool]:
    """The parameters ``func`` takes by keyword, and whether it takes ``**kwargs``."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return [], False
    named = [p.name for p in parameters
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return named, any(p.kind == p.VAR_KEYWORD for p in parameters)


def key_path(container: Any, target: Any) -> Optional[str]:
    """Where ``target`` sits inside nested dicts and lists (``'.pipeline[3]'``), else None."""
    if isinstance(container, dict):
        children = [(f'.{key}', value) for key, value in container.items()]
    elif isinstance(container, (list, tuple)):
        children = [(f'[{index}]', value) for index, value in enumerate(container)]
    else:
        return None
    for step, value in children:
        if value is target or (isinstance(value, dict) and _equal(value, target)):
            return step
        deeper = key_path(value, target)
        if deeper is not None:
            return step + deeper
    return None


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # values such as arrays compare element-wise, or refuse to
        return False


# Ours, and the MMEngine registries the Runner builds from (found through ours by scope).
for _registry in [value for value in list(globals().values())
                  if isinstance(value, Registry) and value.scope == SCOPE]:
    _registry.build_func = explain_unexpected_arguments(_registry.build_func)
    _registry.parent.build_func = explain_unexpected_arguments(_registry.parent.build_func)
