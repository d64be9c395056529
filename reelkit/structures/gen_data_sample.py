"""The per-sample record of generative models, from the pipeline (real image, label) to the metrics
(generated image, the noise and label it came from)."""
from mmengine.structures import BaseDataElement

from .action_data_sample import LabelType, format_label


class GenDataSample(BaseDataElement):
    """Inputs and outputs of one generated (or real) image.

    Fields, all optional:

    - ``gt_img``: the real image, ``(C, H, W)`` float tensor after the data preprocessor.
    - ``gt_label``: int64 tensor with the class index (conditional GANs).
    - ``fake_img``: the generated image, ``(C, H, W)``, in the data preprocessor's value range.
    - ``noise``: the generator input that produced ``fake_img``.
    - ``sample_model``: ``'orig'``, ``'ema'`` or ``'ema/orig'``; with ``'ema/orig'`` the sample holds
      the two results as ``ema`` and ``orig``, each a :class:`GenDataSample` with its ``fake_img``.
    - ``sample_kwargs``: extra keyword arguments given to the generator.

    Metainfo carries what the pipeline collected (``img_path``, ...).
    """

    def set_gt_label(self, value: LabelType) -> 'GenDataSample':
        self.set_field(format_label(value), 'gt_label')
        return self
