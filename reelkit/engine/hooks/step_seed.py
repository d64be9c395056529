"""Seed every training step from ``(seed, iteration)`` in deterministic runs."""
from mmengine.hooks import Hook

from reelkit.engine.samplers import STEP_STREAM, derive_seed, seed_global_rngs
from reelkit.registry import HOOKS


@HOOKS.register_module()
class StepSeedHook(Hook):
    """In a run with ``randomness.deterministic=True``, seed Python, NumPy and torch before each
    training iteration from the run's seed and the iteration number.

    What a step draws (dropout, drop path, mixup) then does not depend on what drew before it:
    validation, a dataloader started anew, or a resume from a checkpoint taken at any iteration
    leave the next step's numbers as an uninterrupted run has them. Nothing is saved in the
    checkpoint. Other runs are left alone. ``ReelkitRunner`` adds this hook as the ``step_seed``
    default hook; ``default_hooks=dict(step_seed=None)`` removes it.
    """
    priority = 'VERY_HIGH'  # before any hook that draws in before_train_iter

    def __init__(self) -> None:
        self._active = False

    def before_train(self, runner) -> None:
        self._active = bool(runner.deterministic)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._active:
            seed_global_rngs(derive_seed(runner.seed, STEP_STREAM, runner.iter))
