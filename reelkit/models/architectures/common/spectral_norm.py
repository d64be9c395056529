"""Spectral normalisation in the two checkpoint layouts MMGeneration uses.

* ``sn_style='torch'``: PyTorch's hook (``torch.nn.utils.spectral_norm``). The layer stores
  ``weight_orig`` and the buffers ``weight_u`` (out,) and ``weight_v`` (in,).
* ``sn_style='ajbrock'``: the BigGAN-PyTorch variant (Brock et al.). The layer keeps ``weight`` and adds
  the buffers ``u0`` (1, out) and ``sv0`` (1,): the left singular vector and the last singular value.

Both divide the weight by an estimate of its largest singular value, refined by one power-iteration
step per training forward pass. :func:`apply_spectral_norm` is the one entry point.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

SN_STYLES = ('torch', 'ajbrock')


class AjbrockSpectralNorm:
    """Mixin giving a weight layer BigGAN-PyTorch's spectral norm (buffers ``u0``, ``sv0``).

    The host class calls :meth:`_init_spectral_norm` after its own ``__init__`` and uses
    :meth:`normalized_weight` in ``forward``.
    """

    weight: Tensor
    u0: Tensor
    sv0: Tensor
    training: bool

    def _init_spectral_norm(self, eps: float = 1e-12, num_iters: int = 1) -> None:
        if num_iters < 1:
            raise ValueError(f'num_iters={num_iters}; expected at least 1 power iteration')
        self.sn_eps = eps
        self.sn_num_iters = num_iters
        self.register_buffer('u0', torch.randn(1, self.weight.shape[0]))
        self.register_buffer('sv0', torch.ones(1))

    def normalized_weight(self) -> Tensor:
        """``weight / sigma_max`` with sigma_max from the power iteration; updates buffers in training."""
        w_mat = self.weight.reshape(self.weight.shape[0], -1)  # (out, in)
        u = self.u0
        for _ in range(self.sn_num_iters):
            with torch.no_grad():
                v = F.normalize(u @ w_mat, eps=self.sn_eps)  # (1, in)
                u = F.normalize(v @ w_mat.t(), eps=self.sn_eps)  # (1, out)
                if self.training:
                    self.u0.copy_(u)
        sigma = (v @ w_mat.t() @ u.t()).squeeze()
        if self.training:
            with torch.no_grad():
                self.sv0.copy_(sigma.detach())
        return self.weight / sigma


class SNConv2d(nn.Conv2d, AjbrockSpectralNorm):
    """``nn.Conv2d`` with BigGAN-PyTorch spectral norm. (N, C_in, H, W) -> (N, C_out, H', W')."""

    def __init__(self, *args, eps: float = 1e-12, num_iters: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_spectral_norm(eps, num_iters)

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.normalized_weight(), self.bias)


class SNLinear(nn.Linear, AjbrockSpectralNorm):
    """``nn.Linear`` with BigGAN-PyTorch spectral norm. (N, C_in) -> (N, C_out)."""

    def __init__(self, *args, eps: float = 1e-12, num_iters: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_spectral_norm(eps, num_iters)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.normalized_weight(), self.bias)


class SNEmbedding(nn.Embedding, AjbrockSpectralNorm):
    """``nn.Embedding`` with BigGAN-PyTorch spectral norm over (num_embeddings, dim). (N,) -> (N, dim)."""

    def __init__(self, *args, eps: float = 1e-12, num_iters: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_spectral_norm(eps, num_iters)

    def forward(self, x: Tensor) -> Tensor:
        return F.embedding(x, self.normalized_weight(), self.padding_idx)


def _ajbrock_twin(module: nn.Module, eps: float) -> nn.Module:
    """Build the ajbrock-SN twin of a plain layer, sharing its parameters."""
    if type(module) is nn.Conv2d:
        twin = SNConv2d(module.in_channels, module.out_channels, module.kernel_size, stride=module.stride,
                        padding=module.padding, dilation=module.dilation, groups=module.groups,
                        bias=module.bias is not None, padding_mode=module.padding_mode, eps=eps)
    elif type(module) is nn.Linear:
        twin = SNLinear(module.in_features, module.out_features, bias=module.bias is not None, eps=eps)
    elif type(module) is nn.Embedding:
        twin = SNEmbedding(module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx, eps=eps)
    else:
        raise TypeError(f"sn_style='ajbrock' supports nn.Conv2d, nn.Linear and nn.Embedding, "
                        f'got {type(module).__name__}')
    twin.weight = module.weight
    if getattr(module, 'bias', None) is not None:
        twin.bias = module.bias
    return twin


def apply_spectral_norm(module: nn.Module, sn_style: str = 'torch', eps: float = 1e-12) -> nn.Module:
    """Return ``module`` spectrally normalised in the ``sn_style`` checkpoint layout.

    ``'torch'`` adds PyTorch's hook to ``module`` itself; ``'ajbrock'`` returns a new layer of the
    matching :class:`AjbrockSpectralNorm` class that shares ``module``'s parameters.
    """
    if sn_style == 'torch':
        return nn.utils.spectral_norm(module, eps=eps)
    if sn_style == 'ajbrock':
        return _ajbrock_twin(module, eps)
    raise ValueError(f'sn_style={sn_style!r}; expected one of {list(SN_STYLES)}')


def check_sn_style(sn_style: str) -> str:
    """Raise a ``ValueError`` naming the valid choices unless ``sn_style`` is one of them."""
    if sn_style not in SN_STYLES:
        raise ValueError(f'sn_style={sn_style!r}; expected one of {list(SN_STYLES)}')
    return sn_style
