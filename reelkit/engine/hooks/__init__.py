from reelkit.engine.gen.hooks import (GenIterTimerHook, GenVisualizationHook,  # noqa: F401,E402
                                     PGGANFetchDataHook, RandomStateHook)
from .progress_bar import RichProgressBarHook  # noqa: F401,E402
from .checkpoint_hook import CheckpointHook  # noqa: F401,E402
from .signal_checkpoint import SignalCheckpointHook, TrainingInterrupted  # noqa: F401,E402
from .step_seed import StepSeedHook  # noqa: F401,E402
from .skipped_samples import SkippedSamplesHook  # noqa: F401,E402
from .pending_validation import PendingValidationHook  # noqa: F401,E402
