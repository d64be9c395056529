"""``reelkit train`` on MMEngine's FlexibleRunner: DDP and FSDP on 2 CPU processes (gloo) give
the losses of one process that sees the same global batch."""
import importlib.util
import json
import multiprocessing
import os
import socket

import pytest
import torch
from mmengine.config import Config

from reelkit.cli import main as reelkit_main
from reelkit.engine.compat import ranks_from_slurm
from reelkit.engine.runner.flexible import build_runner, strategy_class, use_cpu_wrappers
from reelkit.utils.errors import ConfigError

# A model without BatchNorm or dropout: every rank's mean loss on half the global batch
# averages to the one-process loss, and averaged gradients give the one-process update.
TOY_MODULE = '''
import json
import torch
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from reelkit.registry import DATASETS, HOOKS, MODELS


@DATASETS.register_module()
class ToyVectors(torch.utils.data.Dataset):
    """num seeded (dim,) vectors with labels in [0, classes)."""

    def __init__(self, num=16, dim=6, classes=3):
        generator = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(num, dim, generator=generator)
        self.labels = torch.randint(classes, (num,), generator=generator)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return dict(inputs=self.inputs[index], labels=self.labels[index])


@MODELS.register_module()
class ToyClassifier(BaseModel):
    def __init__(self, dim=6, classes=3):
        super().__init__()
        self.hidden = torch.nn.Linear(dim, 16)
        self.out = torch.nn.Linear(16, classes)

    def forward(self, inputs, labels, mode='tensor'):
        logits = self.out(torch.relu(self.hidden(inputs)))
        return dict(loss=F.cross_entropy(logits, labels)) if mode == 'loss' else logits


@HOOKS.register_module()
class DumpLosses(Hook):
    """Write this rank's loss of every iteration, its runner and model wrapper classes to
    losses_rank<R>.json in the work dir."""

    def before_run(self, runner):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(outputs['loss'].item())

    def after_run(self, runner):
        with open(f'{runner.work_dir}/losses_rank{get_rank()}.json', 'w') as stream:
            json.dump(dict(losses=self.losses, runner=type(runner).__name__,
                           wrapper=type(runner.model).__name__), stream)
'''

CONFIG = '''
default_scope = 'reelkit'
custom_imports = dict(imports=['toy_scale_out'], allow_failed_imports=False)
runner_type = 'FlexibleRunner'
{strategy}
model = dict(type='ToyClassifier')
train_dataloader = dict(batch_size={batch_size}, num_workers=0,
                        sampler=dict(type='DefaultSampler', shuffle=False),
                        collate_fn=dict(type='default_collate'), dataset=dict(type='ToyVectors'))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9))
default_hooks = dict(logger=dict(type='LoggerHook', interval=1),
                     checkpoint=dict(type='CheckpointHook', interval=1))
custom_hooks = [dict(type='DumpLosses')]
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend='nccl'))  # as in default_runtime.py: gloo on CPU
'''
GLOBAL_BATCH = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def train_rank(argv, rank, world_size, port, folder, results):
    """One rank of a run, as torchrun would start it (its environment variables), in a fork."""
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank),
                      MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), OMP_NUM_THREADS='1')
    os.chdir(folder)  # custom_imports finds the toy module here
    torch.set_num_threads(1)
    results.put((rank, reelkit_main(argv)))


def train(tmp_path, name, strategy, world_size):
    """``reelkit train`` of the toy config on ``world_size`` processes; what each rank dumped."""
    (tmp_path / 'toy_scale_out.py').write_text(TOY_MODULE)
    config = tmp_path / f'{name}.py'
    config.write_text(CONFIG.format(strategy=strategy, batch_size=GLOBAL_BATCH // world_size))
    work_dir = tmp_path / name
    launcher = 'pytorch' if world_size > 1 else 'none'
    argv = ['train', str(config), '--launcher', launcher, '--work-dir', str(work_dir), '--debug']
    context = multiprocessing.get_context('fork')
    results, port = context.Queue(), free_port()
    ranks = [context.Process(target=train_rank,
                             args=(argv, rank, world_size, port, tmp_path, results))
             for rank in range(world_size)]
    for process in ranks:
        process.start()
    for process in ranks:
        process.join(timeout=120)
        if process.is_alive():  # a rank hangs when its peer died: do not leave it behind
            process.kill()
    codes = dict(results.get(timeout=1) for _ in ranks)
    assert codes == {rank: 0 for rank in range(world_size)}, f'{name}: exit codes {codes}'
    return [json.loads((work_dir / f'losses_rank{rank}.json').read_text())
            for rank in range(world_size)]


@pytest.mark.parametrize('strategy, wrapper', [('DDPStrategy', 'CPUDistributedDataParallel'),
                                               ('FSDPStrategy', 'CPUFullyShardedDataParallel')])
def test_two_cpu_processes_match_one_process_on_the_global_batch(tmp_path, strategy, wrapper):
    single, = train(tmp_path, 'single', '', world_size=1)
    dumps = train(tmp_path, 'parallel', f"strategy = dict(type='{strategy}')", world_size=2)
    assert {(dump['runner'], dump['wrapper']) for dump in dumps} == {('FlexibleRunner', wrapper)}
    single, ranks = single['losses'], [dump['losses'] for dump in dumps]
    assert len(single) == 16 // GLOBAL_BATCH
    mean_of_ranks = torch.tensor(ranks).mean(0)
    # the ranks saw different halves of each batch, so their own losses differ...
    assert not torch.allclose(torch.tensor(ranks[0]), torch.tensor(ranks[1]))
    # ...and their mean is the one-process loss in every step, the updated weights' included
    torch.testing.assert_close(mean_of_ranks, torch.tensor(single), rtol=1e-5, atol=1e-6)
    assert (tmp_path / 'parallel' / 'epoch_1.pth').exists()


def test_fsdp_full_state_dict_on_cpu_gathers_the_one_process_weights(tmp_path):
    """state_dict_cfg='full': rank 0 writes whole tensors, the weights one process trains."""
    train(tmp_path, 'single', '', world_size=1)
    train(tmp_path, 'full', "strategy = dict(type='FSDPStrategy', state_dict_cfg='full')", world_size=2)
    single, full = (torch.load(tmp_path / name / 'epoch_1.pth', weights_only=False)['state_dict']
                    for name in ('single', 'full'))
    assert sorted(full) == sorted(single)
    for key, value in single.items():
        torch.testing.assert_close(full[key], value, rtol=1e-5, atol=1e-6)


def test_fsdp_full_state_dict_is_spelled_out_without_cpu_offload():
    cfg = Config(dict(strategy=dict(type='FSDPStrategy', state_dict_cfg='full')))
    use_cpu_wrappers(cfg)
    assert cfg.strategy.state_dict_cfg.state_dict_config == dict(type='FullStateDictConfig', rank0_only=True,
                                                                 offload_to_cpu=False)


def test_ddp_and_fsdp_get_the_cpu_wrappers():
    for strategy, wrapper in (('DDPStrategy', 'reelkit.CPUDistributedDataParallel'),
                              ('FSDPStrategy', 'reelkit.CPUFullyShardedDataParallel')):
        cfg = Config(dict(strategy=dict(type=strategy)))
        use_cpu_wrappers(cfg)
        assert cfg.strategy.model_wrapper == dict(type=wrapper)


def config_file(tmp_path, text):
    path = tmp_path / 'scale.py'
    path.write_text(text)
    return Config.fromfile(path)


@pytest.mark.parametrize('strategy', ['DeepSpeedStrategy', 'ColossalAIStrategy'])
def test_uninstalled_strategy_says_which_package(tmp_path, strategy):
    package = dict(DeepSpeedStrategy='deepspeed', ColossalAIStrategy='colossalai')[strategy]
    if importlib.util.find_spec(package) is not None:
        pytest.skip(f'{package} is installed here')
    cfg = config_file(tmp_path, f"runner_type = 'FlexibleRunner'\nstrategy = dict(type='{strategy}')")
    with pytest.raises(ConfigError, match=f'scale.py: strategy.type=.{strategy}. needs the '
                                          f'{package} package'):
        build_runner(cfg)


def test_unknown_strategy_lists_the_registered_ones(tmp_path):
    cfg = config_file(tmp_path, "strategy = dict(type='DPPStrategy')")
    with pytest.raises(ConfigError, match="'DPPStrategy' is not a registered.*DDPStrategy"):
        strategy_class(cfg)


def test_slurm_task_variables_become_torchrun_ranks(monkeypatch):
    for name in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_PORT'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('SLURM_PROCID', '5')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    monkeypatch.setenv('SLURM_LOCALID', '1')
    monkeypatch.setenv('MASTER_ADDR', 'node-a')
    ranks_from_slurm()
    assert (os.environ['RANK'], os.environ['WORLD_SIZE'], os.environ['LOCAL_RANK']) == ('5', '8', '1')
    assert os.environ['MASTER_PORT'] == '29500'
    monkeypatch.delenv('MASTER_ADDR')
    with pytest.raises(ConfigError, match='--launcher slurm: MASTER_ADDR not set'):
        ranks_from_slurm()


TEST_METRIC = '''
from mmengine.evaluator import BaseMetric
from reelkit.registry import METRICS


@METRICS.register_module()
class ToyAccuracy(BaseMetric):
    """Top-1 accuracy of ToyClassifier's logits."""
    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        hits = torch.stack(data_samples).argmax(-1) == data_batch['labels']
        self.results.extend(hits.tolist())

    def compute_metrics(self, results):
        return dict(accuracy=sum(results) / len(results))
'''
TEST_KEYS = '''
test_dataloader = dict(batch_size=4, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                       collate_fn=dict(type='default_collate'), dataset=dict(type='ToyVectors'))
test_cfg = dict(type='TestLoop')
test_evaluator = dict(type='ToyAccuracy')
'''


def test_reelkit_test_runs_a_flexible_runner_config(tmp_path, capfd):
    """``reelkit test`` builds the config's FlexibleRunner and prints the checkpoint's metric."""
    (tmp_path / 'toy_scale_out.py').write_text(TOY_MODULE + TEST_METRIC)
    config = tmp_path / 'flexible_test.py'
    config.write_text(CONFIG.format(strategy="strategy = dict(type='SingleDeviceStrategy')",
                                    batch_size=4) + TEST_KEYS)
    generator = torch.Generator().manual_seed(1)
    weights = {'hidden.weight': torch.randn(16, 6, generator=generator),
               'hidden.bias': torch.randn(16, generator=generator),
               'out.weight': torch.randn(3, 16, generator=generator),
               'out.bias': torch.randn(3, generator=generator)}
    checkpoint = tmp_path / 'toy.pth'
    torch.save(dict(state_dict=weights, meta=dict()), checkpoint)
    # ToyVectors' data, scored with these weights by hand
    data = torch.Generator().manual_seed(0)
    inputs, labels = torch.randn(16, 6, generator=data), torch.randint(3, (16,), generator=data)
    hidden = torch.relu(inputs @ weights['hidden.weight'].T + weights['hidden.bias'])
    logits = hidden @ weights['out.weight'].T + weights['out.bias']
    accuracy = (logits.argmax(-1) == labels).float().mean().item()

    argv = ['test', str(config), str(checkpoint), '--work-dir', str(tmp_path / 'work')]
    context = multiprocessing.get_context('fork')  # the toy registers only in the child
    results = context.Queue()
    child = context.Process(target=train_rank, args=(argv, 0, 1, free_port(), tmp_path, results))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
    assert results.get(timeout=1) == (0, 0)
    dump = json.loads((tmp_path / 'work' / 'losses_rank0.json').read_text())
    assert dump['runner'] == 'FlexibleRunner'
    assert f'toy/accuracy: {accuracy:.4f}' in capfd.readouterr().out
