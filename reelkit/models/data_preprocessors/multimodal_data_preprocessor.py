"""Several inputs per sample (RGB clips and pose heatmaps, for RGBPoseConv3D): one preprocessor each."""
from typing import Dict, Mapping

from mmengine.model import BaseDataPreprocessor, ModuleDict

from reelkit.registry import MODELS


@MODELS.register_module()
class MultiModalDataPreprocessor(BaseDataPreprocessor):
    """``inputs`` is a dict of modalities; each is normalised by its own preprocessor.

    Args:
        preprocessors: ``{modality: preprocessor config}``, e.g. ``imgs`` and ``heatmap_imgs``.
            Only the first may blend: blending changes the labels every modality shares.
    """

    def __init__(
            self,
            preprocessors: Mapping[str, Mapping],
    ) -> None:
        super().__init__()
        if not preprocessors:
            raise ValueError('MultiModalDataPreprocessor needs a preprocessor for each modality')
        self.preprocessors = ModuleDict({name: MODELS.build(dict(cfg)) for name, cfg in preprocessors.items()})

    def forward(self, data: Mapping, training: bool = False) -> Dict:
        """``{'inputs': {modality: per-sample tensors}, 'data_samples'}`` -> the same, batched."""
        data = self.cast_data(data)
        inputs, data_samples = dict(data['inputs']), data.get('data_samples')
        unknown = set(inputs) - set(self.preprocessors)
        if unknown:
            raise KeyError(f'inputs {sorted(unknown)} have no preprocessor; '
                           f'MultiModalDataPreprocessor has {sorted(self.preprocessors)}')
        for modality, values in inputs.items():
            inputs[modality], data_samples = self.preprocessors[modality].preprocess(values, data_samples, training)
        return dict(data, inputs=inputs, data_samples=data_samples)
