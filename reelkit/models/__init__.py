"""Models: importing this package registers every model part in ``reelkit.registry.MODELS``.

Recognition follows MMAction2 1.x: ``backbones``, ``necks``, ``heads``, ``recognizers``, ``losses``,
``data_preprocessors``, with ``common`` building blocks; generation follows MMGeneration 1.x
(``architectures``).
"""
from . import architectures  # noqa: F401
from . import backbones, common, data_preprocessors, heads, losses, necks, recognizers  # noqa: F401
from . import localizers  # noqa: F401  (temporal action localization)
from . import detectors, roi_heads, task_modules  # noqa: F401  (spatio-temporal action detection)
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from . import base_models, gans  # noqa: F401,E402  (generative models)
