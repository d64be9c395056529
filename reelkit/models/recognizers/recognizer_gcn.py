"""Skeleton recognizer (ST-GCN, ST-GCN++, AAGCN): a graph backbone on the joints of every clip."""
from reelkit.registry import MODELS
from .recognizer3d import Recognizer3D


@MODELS.register_module()
class RecognizerGCN(Recognizer3D):
    """Inputs (N, num_clips, M, T, V, C) skeletons (``FormatGCNInput``: M persons, T frames,
    V joints, C coordinates); the backbone sees (N * num_clips, M, T, V, C).

    The flow is :class:`Recognizer3D`'s: one backbone pass per clip (``max_testing_views`` clips
    at a time in testing), one score row per clip, and :meth:`BaseHead.predict` merges the clips
    of a sample with the head's ``average_clips``.

    Args: as :class:`BaseRecognizer`.
    """
