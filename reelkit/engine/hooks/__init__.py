from reelkit.engine.gan.hooks import (GenIterTimerHook, GenVisualizationHook,  # noqa: F401,E402
                                     PGGANFetchDataHook, RandomStateHook)
