"""Learning-rate schedules of MMGeneration configs."""
from mmengine.optim import LinearLR

from reelkit.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class LinearLrInterval(LinearLR):
    """Linear learning rate in steps of ``interval`` (MMGeneration's ``LinearLrInterval``).

    Between ``begin`` and ``end`` the learning rate is set to
    ``start_factor + (end_factor - start_factor) * ((t - begin) // interval) / ((end - begin) // interval)``
    where ``t`` is the iteration (or epoch) just finished. As in MMGeneration, the factors are the
    learning rates themselves (``start_factor=2e-4, end_factor=0`` decays 2e-4 to 0).

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
        if self.last_step == 0:
            return [group[self.param_name] * self.start_factor for group in self.optimizer.param_groups]
        progress = self.last_step - 1  # the iteration (epoch) whose end triggered this step
        steps_done = max(0, progress - self.begin) // self.interval
        steps_total = max(1, (self.end - self.begin) // self.interval)
        value = self.start_factor + (self.end_factor - self.start_factor) * steps_done / steps_total
        return [value for _ in self.optimizer.param_groups]
