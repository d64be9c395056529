"""``reelkit publish-model CKPT OUT.pth``: a training checkpoint slimmed for release.

Keeps ``state_dict`` and ``meta`` and drops what only resuming needs (``optimizer``,
``message_hub``, ``param_schedulers``, ...). The file is read weights-only
(:func:`reelkit.utils.checkpoint.load_local_checkpoint`), written crash-safe beside its target
(:mod:`reelkit.engine.runner.checkpoint`) and named ``<OUT stem>-<first 8 hex digits of its
sha256>.pth``, the way MMAction2 names released checkpoints, so a download can be checked
against its name.
"""
import argparse
import hashlib
import os
import os.path as osp

import torch

from reelkit.engine.runner.checkpoint import commit_file, discard, temporary_path
from reelkit.utils.checkpoint import load_local_checkpoint
from reelkit.utils.errors import CheckpointError, ConfigError

KEPT_KEYS = ('state_dict', 'meta')
HASH_DIGITS = 8

DESCRIPTION = '''Keep only the weights (state_dict) and meta of a checkpoint, dropping the optimizer,
message hub and schedulers that resuming needs, and save it as OUT-<sha256 prefix>.pth.'''

EXAMPLE = '''example:
  reelkit publish-model work_dirs/quickstart/best_acc_top1_epoch_8.pth \\
      release/tsm_r18_synthmotion.pth
  # -> release/tsm_r18_synthmotion-1a2b3c4d.pth
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'publish-model', parents=parents, help='strip a checkpoint to its weights for release',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkpoint', help='checkpoint file written by reelkit train (or MMAction2)')
    parser.add_argument('out', metavar='OUT.pth',
                        help='where to write; the sha256 prefix is added to its name')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if osp.splitext(args.out)[1] not in ('', '.pth'):
        raise ConfigError(f'{args.out}: a published checkpoint is a .pth file')
    published = publish_checkpoint(args.checkpoint, args.out)
    print(f'Published {args.checkpoint} as {published}')
    return 0


def publish_checkpoint(checkpoint: str, out: str) -> str:
    """Write ``checkpoint``'s ``state_dict`` and ``meta`` to ``<out stem>-<sha256[:8]>.pth``;
    return that path."""
    try:
        state = load_local_checkpoint(checkpoint, map_location='cpu')
    except FileNotFoundError as error:
        raise ConfigError(str(error)) from error
    if not isinstance(state, dict) or 'state_dict' not in state:
        raise CheckpointError(f'{checkpoint}: has no state_dict key; publish-model takes a '
                              'checkpoint written by reelkit train (or MMEngine)')
    slim = {key: state[key] for key in KEPT_KEYS if key in state}
    stem = osp.splitext(out)[0]
    partial = temporary_path(f'{stem}.pth')
    try:
        os.makedirs(osp.dirname(osp.abspath(partial)), exist_ok=True)
        torch.save(slim, partial)
        published = f'{stem}-{file_sha256(partial)[:HASH_DIGITS]}.pth'
        commit_file(partial, published)
    except OSError as error:
        raise CheckpointError(f'{out}: cannot write the published checkpoint: {error}') from error
    finally:
        discard(partial)  # what a failed write left; gone already after a commit
    return published


def file_sha256(path: str) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for block in iter(lambda: stream.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
