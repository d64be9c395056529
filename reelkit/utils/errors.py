"""Errors a user can act on. The command line prints them as one line, without a traceback."""


class ReelkitError(Exception):
    """Base of the errors caused by user input (a config, a file, an argument)."""


class ConfigError(ReelkitError):
    """A config file or key is wrong; the message names the file or the dotted key."""


class AnnotationError(ReelkitError):
    """An annotation file is malformed; the message reads ``file:line: what``."""


class VideoReadError(ReelkitError):
    """A video (or frame folder) is missing, corrupt or shorter than its annotation says.

    Datasets catch it to skip the sample; ``filename`` names the offending file.
    """

    def __init__(self, filename: str, reason: str):
        super().__init__(f'{filename}: {reason}')
        self.filename = filename
        self.reason = reason


class CheckpointError(ReelkitError):
    """A checkpoint could not be written, or cannot be loaded safely; the message names the file."""
