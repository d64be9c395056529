from reelkit.engine.gan.hooks import GenIterTimerHook, GenVisualizationHook, RandomStateHook  # noqa: F401,E402
