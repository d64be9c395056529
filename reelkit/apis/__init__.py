"""The entry points a user calls from Python: loading a config (0.x ones migrated in memory),
building a recognizer from a config and checkpoint, and scoring videos with it."""
from .config import load_config, load_config_and_migration
from .inference import ActionRecogInferencer, inference_recognizer, init_recognizer

__all__ = ['load_config', 'load_config_and_migration', 'init_recognizer', 'inference_recognizer',
           'ActionRecogInferencer']
