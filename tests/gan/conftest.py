"""Shared settings of the generative-model tests."""
import torch

# Tiny models on a shared machine: one intra-op thread is ~10x faster than competing for cores.
torch.set_num_threads(1)
