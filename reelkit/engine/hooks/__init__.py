from reelkit.engine.gen.hooks import (GenIterTimerHook, GenVisualizationHook,  # noqa: F401,E402
                                     PGGANFetchDataHook, RandomStateHook)
from .progress_bar import RichProgressBarHook  # noqa: F401,E402
