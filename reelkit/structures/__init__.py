from .action_data_sample import ActionDataSample, format_label

__all__ = ['ActionDataSample', 'format_label']
from .gen_data_sample import GenDataSample  # noqa: E402,F401  (generative models)
