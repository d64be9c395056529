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


class ResourceLimitError(ReelkitError):
    """A run hit a resource limit: a dataloader worker was killed, or a batch did not fit in
    memory. The message names the sample or batch and what to change (batch size, workers, ...)."""


class UnexpectedArgumentError(ConfigError, TypeError):
    """A config dict passes an argument its type does not take (a misspelling, mostly).

    The message reads ``WHERE: TYPE got an unexpected argument 'x'; did you mean 'y'?``, where
    ``WHERE`` is the registry of the outermost component built and the key path inside it
    (``dataset.pipeline[3]``, ``model.backbone``). Still a TypeError, as Python's own was.
    """

    def __init__(self, root: str, path: str, problem: str, cfg):
        super().__init__(f'{root}{path}: {problem}')
        self.root = root  # the registry name of the component the path starts from
        self.path = path  # where `cfg` sits inside that component's config: '.pipeline[3]'
        self.problem = problem
        self.cfg = cfg  # the config dict of the outermost component built so far
