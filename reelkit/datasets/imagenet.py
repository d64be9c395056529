"""``ImageNet`` for configs that read it through mmcls (OmniSource's image source, MMGeneration's
ImageNet GANs): mmcls's arguments, served by :class:`BasicConditionalDataset`."""
from reelkit.registry import DATASETS
from .gen.basic_conditional_dataset import BasicConditionalDataset


@DATASETS.register_module()
class ImageNet(BasicConditionalDataset):
    """Labelled images: ``ann_file`` lines ``n01440764/n01440764_10026.JPEG 0`` under
    ``data_root/data_prefix``, or, without ``ann_file``, one folder per class (sorted names give
    the indices). Samples are ``img_path`` and ``gt_label``; mmcls's 1000 class names are not
    shipped (pass ``classes`` for names). Args: as :class:`BasicConditionalDataset`."""
