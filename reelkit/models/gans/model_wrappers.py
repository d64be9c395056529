"""``MMSeparateDistributedDataParallel`` that also works on CPU processes (gloo).

MMEngine's wrapper puts each trainable sub-module (generator, discriminator) in its own DDP, so a
pass that updates one network does not wait for gradients of the other. The runner hands it
``device_ids=[local_rank]``, which DDP rejects for modules on the CPU; this version drops them there.

The inner DDPs would also insert ``module.`` into the checkpoint keys (``generator.module.*``),
so a checkpoint of a distributed run would not load into a single-process model. State-dict hooks
on each inner DDP keep the single-process layout (``generator.*``) in both directions.
"""
import torch
import torch.nn as nn
from mmengine.model import MMSeparateDistributedDataParallel as _MMEngineSeparateDDP
from torch.nn.parallel import DistributedDataParallel

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
        for sub_module in module.children():
            if isinstance(sub_module, DistributedDataParallel):
                sub_module.register_state_dict_post_hook(_drop_inner_prefix)
                sub_module.register_load_state_dict_pre_hook(_add_inner_prefix)


def _drop_inner_prefix(module: nn.Module, state_dict: dict, prefix: str, local_metadata) -> None:
    """``<prefix>module.<key>`` -> ``<prefix><key>`` (order kept)."""
    inner = f'{prefix}module.'
    for key in [k for k in state_dict if k.startswith(inner)]:
        state_dict[prefix + key[len(inner):]] = state_dict.pop(key)


def _add_inner_prefix(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """``<prefix><key>`` -> ``<prefix>module.<key>`` before the inner DDP loads."""
    inner = f'{prefix}module.'
    for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(inner)]:
        state_dict[inner + key[len(prefix):]] = state_dict.pop(key)
