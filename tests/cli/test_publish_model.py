"""reelkit publish-model: the published file keeps only the weights and meta of a training
checkpoint, is named by its own sha256, and loads weights-only."""
import hashlib
import re

import torch

from reelkit.cli import main
from reelkit.utils.checkpoint import load_local_checkpoint


def test_published_checkpoint_has_weights_and_meta_only_and_its_hash_in_the_name(tiny_run, tmp_path,
                                                                                 capsys):
    _, work_dir = tiny_run
    checkpoint = work_dir / 'epoch_1.pth'
    assert main(['publish-model', str(checkpoint), str(tmp_path / 'release' / 'tsm.pth')]) == 0
    (published, ) = (tmp_path / 'release').iterdir()  # nothing else left behind, no partial file
    match = re.fullmatch(r'tsm-([0-9a-f]{8})\.pth', published.name)
    assert match and match.group(1) == hashlib.sha256(published.read_bytes()).hexdigest()[:8]
    assert str(published) in capsys.readouterr().out

    slim = torch.load(published, weights_only=True)  # plain: no allowlist of MMEngine classes needed
    assert set(slim) == {'state_dict', 'meta'}
    original = load_local_checkpoint(str(checkpoint))  # the message hub needs reelkit's allowlist
    assert 'optimizer' in original and 'message_hub' in original  # what was dropped
    assert slim['meta'] == original['meta']
    assert slim['state_dict'].keys() == original['state_dict'].keys()
    assert all(torch.equal(slim['state_dict'][key], value) for key, value in original['state_dict'].items())


def test_a_file_without_state_dict_is_refused(tmp_path, capsys):
    path = tmp_path / 'weights.pth'
    torch.save({'conv.weight': torch.zeros(1)}, path)
    assert main(['publish-model', str(path), str(tmp_path / 'out.pth')]) == 2
    assert f'{path}: has no state_dict key' in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [path]
