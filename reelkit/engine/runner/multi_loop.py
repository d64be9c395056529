"""Training on several dataloaders at once (OmniSource: video and image batches in every step)."""
import gc
from typing import Dict, List, Union

from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from reelkit.registry import LOOPS


@LOOPS.register_module()
class MultiLoaderEpochBasedTrainLoop(EpochBasedTrainLoop):
    """An epoch-based loop whose every iteration takes a tuple of batches, one per loader.

    The model's ``train_step`` gets ``(batch_main, batch_other_0, ...)``; an epoch lasts as long
    as the shortest loader, so ``max_iters`` counts that many iterations per epoch.

    Args:
        runner: the runner.
        dataloader: the main training loader (``train_dataloader``).
        other_loaders: the other loaders (configs are built with the runner's seed).
        max_epochs: training epochs.
        val_begin: the epoch validation starts at.
        val_interval: validate every this many epochs.
    """

    def __init__(self, runner, dataloader: Union[Dict, DataLoader], other_loaders: List[Union[Dict, DataLoader]],
                 max_epochs: int, val_begin: int = 1, val_interval: int = 1) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval)
        self.loaders = [self.dataloader] + [runner.build_dataloader(loader, seed=runner.seed)
                                            if isinstance(loader, dict) else loader for loader in other_loaders]
        self._max_iters = self._max_epochs * min(len(loader) for loader in self.loaders)

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        gc.collect()
        for loader in self.loaders:
            if hasattr(loader.sampler, 'set_epoch'):
                loader.sampler.set_epoch(self._epoch)
        for idx, data_batch in enumerate(zip(*self.loaders)):  # until the shortest loader ends
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
