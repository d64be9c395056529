"""MultiLoaderEpochBasedTrainLoop: every step gets one batch per loader; epochs end with the shortest."""
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from reelkit.engine import ReelkitRunner


class Numbers(Dataset):
    """Items ``offset + i``; the loaders keep them apart by their offsets."""

    def __init__(self, size: int, offset: int) -> None:
        self.size, self.offset = size, offset

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.tensor([float(self.offset + index)]))


class RecordingModel(BaseModel):
    """Records the sources of each step's batches; the loss trains one weight."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.steps = []

    def forward(self, *batches, mode='tensor'):
        self.steps.append([sorted(int(x) // 100 for x in batch['inputs']) for batch in batches])
        return dict(loss=sum((self.weight - torch.stack(batch['inputs']).mean()) ** 2 for batch in batches))


def loader(size: int, offset: int) -> dict:
    return dict(batch_size=2, num_workers=0, dataset=Numbers(size, offset),
                sampler=dict(type='DefaultSampler', shuffle=True), collate_fn=dict(type='pseudo_collate'))


def test_each_iteration_takes_a_batch_of_every_loader(tmp_path):
    model = RecordingModel()
    runner = ReelkitRunner(
        model=model, work_dir=str(tmp_path), train_dataloader=loader(8, 0),
        train_cfg=dict(type='MultiLoaderEpochBasedTrainLoop', other_loaders=[loader(4, 100)], max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)), default_scope='reelkit',
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)))
    runner.train()
    # 4 main batches and 2 image batches per epoch: 2 steps per epoch, each with both sources.
    assert runner.train_loop.max_iters == 4 and runner.iter == 4
    assert model.steps == [[[0, 0], [1, 1]]] * 4
    assert model.weight.item() != 0
