from .errors import AnnotationError, ConfigError, ReelkitError, VideoReadError

__all__ = ['ReelkitError', 'ConfigError', 'AnnotationError', 'VideoReadError']
