"""`torchrun --nproc_per_node 2 -m reelkit train ... --launcher pytorch` on CPU (gloo)."""
import os
import socket
import subprocess
import sys

import torch
from mmengine.runner.checkpoint import get_torch_safe_globals

RANK_DUMP_HOOK = '''
import torch
from mmengine.runner.checkpoint import get_torch_safe_globals
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from reelkit.registry import HOOKS


@HOOKS.register_module()
class DumpWeightsPerRank(Hook):
    """Save this rank's final weights, so the test can compare the ranks."""

    def after_run(self, runner):
        model = getattr(runner.model, 'module', runner.model)
        torch.save(model.state_dict(), f'{runner.work_dir}/rank{get_rank()}.pth')
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_cpu_ranks_end_with_identical_weights(tiny_config, tmp_path):
    (tmp_path / 'rank_dump.py').write_text(RANK_DUMP_HOOK)
    config = tiny_config(max_epochs=1, extra=(
        "custom_imports = dict(imports=['rank_dump'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='DumpWeightsPerRank')]\n"))
    work_dir = tmp_path / 'run'
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(tmp_path), repo, os.environ.get('PYTHONPATH', '')]))
    command = [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '1',
               '--nproc_per_node', '2', '--master_addr', '127.0.0.1',
               '--master_port', str(free_port()), '-m', 'reelkit', 'train', config,
               '--launcher', 'pytorch', '--work-dir', str(work_dir)]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    rank0, rank1 = (torch.load(work_dir / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        torch.testing.assert_close(rank0[key], rank1[key], msg=key)
    # and they are the trained weights that rank 0 checkpointed
    with torch.serialization.safe_globals(get_torch_safe_globals()):
        saved = torch.load(work_dir / 'epoch_1.pth', weights_only=True)['state_dict']
    torch.testing.assert_close(rank0['cls_head.fc_cls.weight'], saved['cls_head.fc_cls.weight'])
