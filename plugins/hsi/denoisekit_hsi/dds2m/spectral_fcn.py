"""DDS2M's spectral factors: R fully connected networks, one per rank-1 component, evaluated together.

Each network maps its own fixed input vector (length ``bands``) through ``hidden`` layers with LeakyReLU to a
spectrum of length ``bands`` (Miao et al., ICCV 2023, sec. 3.2: the spectral factor is an untrained FCN). The
R weight matrices of a layer are one (R, in, out) tensor applied with a batched matrix product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

Tensor = torch.Tensor


class GroupedFCN(nn.Module):
    """``rank`` FCNs ``bands -> hidden... -> bands``; input (rank, bands), output (rank, bands), linear last layer."""

    def __init__(self, rank: int, bands: int, hidden: Sequence[int] = (64, 64)):
        super().__init__()
        sizes = [bands, *hidden, bands]
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            bound = 1 / math.sqrt(a)  # torch.nn.Linear's default initialisation
            self.weights.append(nn.Parameter(torch.empty(rank, a, b).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(rank, 1, b).uniform_(-bound, bound)))

    def forward(self, v: Tensor) -> Tensor:
        x = v.unsqueeze(1)  # (rank, 1, bands)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = nn.functional.leaky_relu(x, 0.2)
        return x.squeeze(1)
