"""``MMSeparateDistributedDataParallel`` that also works on CPU processes (gloo).

MMEngine's wrapper puts each trainable sub-module (generator, discriminator) in its own DDP, so a
pass that updates one network does not wait for gradients of the other. The runner hands it
``device_ids=[local_rank]``, which DDP rejects for modules on the CPU; this version drops them there.
"""
import torch
import torch.nn as nn
from mmengine.model import MMSeparateDistributedDataParallel as _MMEngineSeparateDDP

from reelkit.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMSeparateDistributedDataParallel(_MMEngineSeparateDDP):
    """One DDP per trainable sub-module; ``device_ids`` ignored on CPU-only machines.

    Args:
        module (nn.Module): the GAN model.
        broadcast_buffers (bool): as in DDP. Defaults to False.
        find_unused_parameters (bool): as in DDP; True for models whose passes skip layers
            (progressive growing). Defaults to False.
        **kwargs: other DDP arguments.
    """

    def __init__(self, module: nn.Module, broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False, **kwargs):
        if not torch.cuda.is_available():
            kwargs.pop('device_ids', None)
        super().__init__(module, broadcast_buffers=broadcast_buffers,
                         find_unused_parameters=find_unused_parameters, **kwargs)
