from .action_data_sample import ActionDataSample, format_label

__all__ = ['ActionDataSample', 'format_label']
