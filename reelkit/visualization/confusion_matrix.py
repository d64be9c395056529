"""A confusion matrix as a PNG: counts (or shares) in cells shaded by row share, class names on both axes."""
from typing import Sequence

import cv2
import numpy as np

CELL = 48
FONT = cv2.FONT_HERSHEY_SIMPLEX


def render_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], title: str = '') -> np.ndarray:
    """(C, C) counts (rows true, columns predicted) -> a BGR uint8 image.

    An integer matrix shows counts; a float one (a normalized matrix) shows two decimals."""
    matrix = np.asarray(matrix)
    cell_text = str if np.issubdtype(matrix.dtype, np.integer) else '{:.2f}'.format
    num = matrix.shape[0]
    if matrix.shape != (num, num) or len(class_names) != num:
        raise ValueError(f'confusion matrix of shape {matrix.shape} needs {matrix.shape[0]} class names, '
                         f'got {len(class_names)}')
    label_width = 12 + 8 * max(len(name) for name in class_names)
    top = 40 + label_width
    image = np.full((top + num * CELL + 10, label_width + num * CELL + 10, 3), 255, np.uint8)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    for row in range(num):
        for col in range(num):
            x, y = label_width + col * CELL, top + row * CELL
            shade = int(255 * (1 - share[row, col]))
            image[y:y + CELL, x:x + CELL] = (255, shade, shade)
            cv2.rectangle(image, (x, y), (x + CELL, y + CELL), (200, 200, 200), 1)
            colour = (255, 255, 255) if share[row, col] > 0.5 else (0, 0, 0)
            cv2.putText(image, cell_text(matrix[row, col]), (x + 6, y + CELL // 2 + 5), FONT, 0.4, colour, 1,
                        cv2.LINE_AA)
        cv2.putText(image, class_names[row], (4, top + row * CELL + CELL // 2 + 5), FONT, 0.4, (0, 0, 0), 1,
                    cv2.LINE_AA)
    column_labels = np.full((CELL * num, label_width, 3), 255, np.uint8)  # drawn flat, then turned upright
    for col, name in enumerate(class_names):
        cv2.putText(column_labels, name, (4, col * CELL + CELL // 2 + 5), FONT, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    image[40:top, label_width:label_width + num * CELL] = cv2.rotate(column_labels, cv2.ROTATE_90_COUNTERCLOCKWISE)
    cv2.putText(image, title or 'rows: true class, columns: predicted', (4, 24), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def save_confusion_matrix(path: str, matrix: np.ndarray, class_names: Sequence[str], title: str = '') -> str:
    """Write :func:`render_confusion_matrix` to ``path`` (PNG) and return the path."""
    if not cv2.imwrite(path, render_confusion_matrix(matrix, class_names, title)):
        raise OSError(f'{path}: could not write the confusion matrix image')
    return path
