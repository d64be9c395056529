"""``reelkit confusion-matrix RESULTS.pkl --label-map FILE --out cm.png``: the confusion matrix
of dumped test predictions, printed and drawn as a PNG.

Rows are true classes, columns predicted ones (the argmax of ``pred_score``, else
``pred_label``), read the way the ``ConfusionMatrix`` metric reads samples and counted by
:func:`reelkit.evaluation.confusion_matrix`; the picture is
:func:`reelkit.visualization.confusion_matrix.save_confusion_matrix`, as ``reelkit quickstart``
draws it.
"""
import argparse
from typing import Optional, Sequence

import numpy as np

from reelkit.apis.inference import read_label_map
from reelkit.cli.dumped_results import load_dumped_results
from reelkit.evaluation import ConfusionMatrix, confusion_matrix
from reelkit.utils.errors import ConfigError
from reelkit.visualization.confusion_matrix import save_confusion_matrix

NORMALIZE_TITLES = {'true': 'rows (true class) sum to 1', 'pred': 'columns (predicted) sum to 1',
                    'all': 'all cells sum to 1'}

DESCRIPTION = '''Count how often each true class (rows) was predicted as each class (columns) in the
predictions `reelkit test CONFIG CHECKPOINT --dump results.pkl` saved; print the matrix and draw it
as a PNG. --normalize divides each row by its sum (or each column: pred, or the total: all).'''

EXAMPLE = '''example:
  reelkit test recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py \\
      work_dirs/quickstart/epoch_8.pth --dump results.pkl
  reelkit confusion-matrix results.pkl --label-map data/synth_motion/classes.txt \\
      --out cm.png --normalize
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'confusion-matrix', parents=parents, help='confusion matrix of dumped test predictions',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('results', help='predictions written by reelkit test --dump')
    parser.add_argument('--label-map', required=True, metavar='FILE',
                        help='class names, one per line in label order')
    parser.add_argument('--out', required=True, metavar='CM.png', help='the PNG to write')
    parser.add_argument('--normalize', nargs='?', const='true', choices=sorted(NORMALIZE_TITLES),
                        help='show shares instead of counts: per true class (the default when '
                             'given alone), per predicted class, or of all samples')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.out.lower().endswith('.png'):
        raise ConfigError(f'--out {args.out}: the picture is written as PNG; name a .png file')
    classes = read_label_map(args.label_map)
    matrix = results_confusion_matrix(args.results, len(classes), args.normalize)
    print(format_matrix(matrix, classes))
    title = f'normalized: {NORMALIZE_TITLES[args.normalize]}' if args.normalize else ''
    save_confusion_matrix(args.out, matrix, classes, title)
    print(f'Wrote the confusion matrix of {args.results} to {args.out}')
    return 0


def results_confusion_matrix(path: str, num_classes: int, normalize: Optional[str] = None) -> np.ndarray:
    """The ``(num_classes, num_classes)`` matrix of a ``--dump`` file: int64 counts, or float64
    shares with ``normalize`` (``'true'``, ``'pred'`` or ``'all'``)."""
    samples = ConfusionMatrix(num_classes=num_classes)
    try:
        samples.process(None, load_dumped_results(path))
    except (KeyError, ValueError) as error:  # a sample without a field, a multi-label gt_label
        raise ConfigError(f'{path}: {error.args[0]}') from error
    score_lengths = sorted({sample['num_classes'] for sample in samples.results} - {None, num_classes})
    if score_lengths:
        raise ConfigError(f'{path}: pred_score has {score_lengths[0]} classes, but the label map '
                          f'has {num_classes}; the label map does not fit the predictions')
    predicted = [sample['pred'] for sample in samples.results]
    true = [sample['label'] for sample in samples.results]
    try:
        return confusion_matrix(predicted, true, normalize=normalize, num_classes=num_classes)
    except ValueError as error:  # a pred_label or gt_label past the label map
        raise ConfigError(f'{path}: {error} (the label map has {num_classes} classes)') from error


def format_matrix(matrix: np.ndarray, classes: Sequence[str]) -> str:
    """The matrix as aligned text: one row per true class (index and name), columns headed by
    the predicted class index."""
    cells = [[str(value) if matrix.dtype.kind in 'iu' else f'{value:.2f}' for value in row]
             for row in matrix]
    indices = [str(index) for index in range(len(classes))]
    width = max(len(text) for text in indices + [cell for row in cells for cell in row])
    names = [f'{index.rjust(len(indices[-1]))} {name}' for index, name in zip(indices, classes)]
    label_width = max(len(name) for name in names)
    header = 'true \\ predicted'.ljust(label_width) + ' | ' + ' '.join(i.rjust(width) for i in indices)
    lines = [header, '-' * len(header)]
    lines += [name.ljust(label_width) + ' | ' + ' '.join(text.rjust(width) for text in row)
              for name, row in zip(names, cells)]
    return '\n'.join(lines)
