"""train -> test -> resume through the command line, on tiny generated data."""
import glob
import os
import os.path as osp
import pickle
import shutil

import torch
from mmengine.runner.checkpoint import _load_checkpoint, get_torch_safe_globals

from reelkit.cli import main


def checkpoint(path):
    """Load with ``weights_only=True`` and MMEngine's allowlist only: no unsafe fallback."""
    with torch.serialization.safe_globals(get_torch_safe_globals()):
        return torch.load(path, map_location='cpu', weights_only=True)


def best_checkpoint(work_dir):
    (best, ) = glob.glob(osp.join(work_dir, 'best_acc_top1_epoch_*.pth'))
    return best


def test_test_command_reproduces_best_validation_accuracy(tiny_config, tiny_motion, tmp_path):
    config, work_dir = tiny_config(max_epochs=2), str(tmp_path / 'train')
    assert main(['train', config, '--work-dir', work_dir]) == 0
    best = best_checkpoint(work_dir)
    best_val_top1 = checkpoint(best)['message_hub']['runtime_info']['best_score']

    dump = str(tmp_path / 'preds.pkl')
    on_val_split = f'test_dataloader.dataset.ann_file={tiny_motion / "val.txt"}'
    assert main(['test', config, best, '--work-dir', str(tmp_path / 'test'), '--dump', dump,
                 '--cfg-options', on_val_split]) == 0
    with open(dump, 'rb') as stream:
        predictions = pickle.load(stream)
    correct = [int(p['pred_score'].argmax()) == int(p['gt_label'][0]) for p in predictions]
    assert len(correct) == 8
    assert sum(correct) / len(correct) == best_val_top1


def test_checkpoints_load_with_weights_only(tiny_config, tmp_path):
    work_dir = str(tmp_path / 'train')
    assert main(['train', tiny_config(max_epochs=1), '--work-dir', work_dir]) == 0
    path = osp.join(work_dir, 'epoch_1.pth')
    state = checkpoint(path)  # raises if anything beyond the allowlist is pickled
    assert {'meta', 'state_dict', 'optimizer', 'param_schedulers', 'message_hub'} <= set(state)
    # the engine's loader (used by test, --resume and load_from) takes the same safe road
    assert _load_checkpoint(path, map_location='cpu').keys() == state.keys()


def crash_after_first_epoch(finished_run, crashed_run):
    """A copy of a 2-epoch run as a crash during epoch 2 would have left it."""
    shutil.copytree(finished_run, crashed_run)
    os.remove(osp.join(crashed_run, 'epoch_2.pth'))
    with open(osp.join(crashed_run, 'last_checkpoint'), 'w') as stream:
        stream.write(osp.join(crashed_run, 'epoch_1.pth'))


def test_resume_continues_like_an_uninterrupted_run(tiny_config, tmp_path):
    config = tiny_config(max_epochs=2)
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    assert main(['train', config, '--work-dir', straight]) == 0
    crash_after_first_epoch(straight, resumed)
    assert main(['train', config, '--work-dir', resumed, '--resume']) == 0

    expected, actual = (checkpoint(osp.join(d, 'epoch_2.pth')) for d in (straight, resumed))
    assert actual['meta']['epoch'] == 2 and actual['meta']['iter'] == expected['meta']['iter']
    assert actual['param_schedulers'] == expected['param_schedulers']
    hub, expected_hub = actual['message_hub'], expected['message_hub']
    assert hub['runtime_info']['iter'] == expected_hub['runtime_info']['iter']
    assert hub['log_scalars'].keys() == expected_hub['log_scalars'].keys()
    for key, value in expected['state_dict'].items():
        torch.testing.assert_close(actual['state_dict'][key], value, msg=key)
    for resumed_state, state in zip(actual['optimizer']['state'].values(),
                                    expected['optimizer']['state'].values()):
        torch.testing.assert_close(resumed_state['momentum_buffer'], state['momentum_buffer'])


def test_resume_from_a_named_checkpoint(tiny_config, tmp_path):
    config, first_run = tiny_config(max_epochs=2), str(tmp_path / 'first')
    assert main(['train', config, '--work-dir', first_run]) == 0
    first_epoch = osp.join(first_run, 'epoch_1.pth')
    other = tmp_path / 'other'
    assert main(['train', config, '--work-dir', str(other), '--resume', first_epoch]) == 0
    assert sorted(p.name for p in other.glob('epoch_*.pth')) == ['epoch_2.pth']
    assert checkpoint(str(other / 'epoch_2.pth'))['meta']['epoch'] == 2
