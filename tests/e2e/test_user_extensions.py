"""Seed 004 workflows: finetuning with another head size, a custom dataset and transform."""
import glob
import os.path as osp

import torch
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint

from reelkit.cli import main
from reelkit.registry import DATASETS
from reelkit.apis import load_config

USER_MODULE = '''
import os.path as osp
from reelkit.datasets import BaseActionDataset
from reelkit.datasets.transforms import BaseTransform
from reelkit.registry import DATASETS, TRANSFORMS


@DATASETS.register_module()
class CsvMotionDataset(BaseActionDataset):
    """Reads 'path,label' lines after a header, as in the custom dataset tutorial."""

    def load_data_list(self):
        with open(self.ann_file) as stream:
            rows = [line.strip().split(',') for line in stream][1:]
        return [dict(filename=osp.join(self.data_prefix['video'], path), label=int(label))
                for path, label in rows]


@TRANSFORMS.register_module()
class InvertColors(BaseTransform):

    def transform(self, results):
        results['imgs'] = [255 - img for img in results['imgs']]
        return results
'''


def read_log(work_dir):
    (log, ) = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(log) as stream:
        return stream.read()


def test_finetune_with_other_num_classes_reinitialises_only_the_head(tiny_config, tmp_path,
                                                                    capsys):
    pretrain_dir, finetune_dir = str(tmp_path / 'pretrain'), str(tmp_path / 'finetune')
    assert main(['train', tiny_config(max_epochs=1), '--work-dir', pretrain_dir]) == 0
    pretrained = osp.join(pretrain_dir, 'epoch_1.pth')
    finetune = tiny_config(max_epochs=1, name='finetune.py', extra=(
        f"model['cls_head']['num_classes'] = 10\nload_from = '{pretrained}'\n"
        "optim_wrapper['optimizer']['lr'] = 0.0\n"))
    assert main(['train', finetune, '--work-dir', finetune_dir]) == 0

    # the skipped head weights are named on the console and kept in the log file
    assert 'size mismatch for cls_head.fc_cls.weight' in capsys.readouterr().out
    log = read_log(finetune_dir)
    assert 'size mismatch for cls_head.fc_cls.weight' in log and 'Load checkpoint from' in log
    before = _load_checkpoint(pretrained)['state_dict']
    after = _load_checkpoint(osp.join(finetune_dir, 'epoch_1.pth'))['state_dict']
    assert after['cls_head.fc_cls.weight'].shape == (10, 512)
    # lr 0 keeps the loaded convolutions as they were (BN statistics still move)
    torch.testing.assert_close(after['backbone.layer2.0.conv1.conv.net.weight'],
                               before['backbone.layer2.0.conv1.conv.net.weight'])


def test_custom_dataset_and_transform_from_custom_imports(tiny_config, tiny_motion, tmp_path,
                                                          monkeypatch):
    (tmp_path / 'my_ext.py').write_text(USER_MODULE)
    csv = tmp_path / 'train.csv'
    lines = (tiny_motion / 'train.txt').read_text().split('\n')
    csv.write_text('path,label\n' + '\n'.join(line.replace(' ', ',') for line in lines if line))
    config = tiny_config(max_epochs=1, name='custom.py', extra=(
        "custom_imports = dict(imports=['my_ext'], allow_failed_imports=False)\n"
        f"train_dataloader['dataset'].update(type='CsvMotionDataset', ann_file='{csv}',\n"
        "    pipeline=[dict(type='InvertColors') if t['type'] == 'Resize' else t for t in pipeline])\n"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(['train', config, '--work-dir', str(tmp_path / 'run')]) == 0
    assert osp.isfile(tmp_path / 'run' / 'epoch_1.pth')

    cfg = load_config(config)
    init_default_scope('reelkit')
    custom = DATASETS.build(cfg.train_dataloader.dataset)
    plain = DATASETS.build(dict(cfg.val_dataloader.dataset, ann_file=str(tiny_motion / 'train.txt')))
    assert type(custom).__name__ == 'CsvMotionDataset' and len(custom) == len(plain) == 16
    # the 24x24 clips make Resize a no-op, so the only difference is the inversion
    torch.testing.assert_close(custom[3]['inputs'], 255 - plain[3]['inputs'])
