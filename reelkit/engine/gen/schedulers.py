"""Learning-rate schedules of MMGeneration configs."""
from mmengine.optim import LinearLR

from reelkit.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class LinearLrInterval(LinearLR):
    """Linear learning rate in steps of ``interval`` (MMGeneration's ``LinearLrInterval``).

    Between ``begin`` and ``end`` the learning rate is set to
    ``start_factor + (end_factor - start_factor) * ((t - begin) // interval) / ((end - begin) // interval)``
    where ``t`` is the iteration (or epoch) just finished. As in MMGeneration, the factors are the
    learning rates themselves (``start_factor=2e-4, end_factor=0`` decays 2e-4 to 0). (MMGeneration
    set ``lr * start_factor`` for the first scheduled step; here it is ``start_factor`` too.)

    Args:
        interval (int): iterations (epochs) between two changes. Defaults to 1.
        *args, **kwargs: arguments of MMEngine's ``LinearLR`` (``start_factor``, ``end_factor``,
            ``begin``, ``end``, ``by_epoch``...).
    """

    def __init__(self, *args, interval: int = 1, **kwargs):
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'LinearLrInterval.interval={interval!r}; expected a positive integer')
        self.interval = interval
        super().__init__(*args, **kwargs)

    def _get_value(self):
        # MMEngine counts ``last_step`` from ``begin``; the step after iteration t has last_step
        # t - begin + 1.
        progress = self.last_step + self.begin - 1
        steps_done = max(0, progress - self.begin) // self.interval
        steps_total = max(1, (self.end - self.begin) // self.interval)
        value = self.start_factor + (self.end_factor - self.start_factor) * steps_done / steps_total
        return [value for _ in self.optimizer.param_groups]
