"""Audio recognizer: a 2D backbone on the spectrogram of every clip, the head scores each clip."""
from reelkit.registry import MODELS
from .recognizer3d import Recognizer3D


@MODELS.register_module()
class RecognizerAudio(Recognizer3D):
    """Inputs (N, num_clips, 1, T, F) spectrogram features (``AudioFeatureSelector`` clips, T time
    frames by F mel bins); the backbone sees (N * num_clips, 1, T, F).

    The flow is :class:`Recognizer3D`'s: one backbone pass per clip (``max_testing_views`` clips at
    a time in testing), one score row per clip, and :meth:`BaseHead.predict` merges the clips of a
    sample with the head's ``average_clips``.

    Args: as :class:`BaseRecognizer`.
    """
