"""One thread for torch and BLAS: this shared machine is much slower with two."""

import torch

torch.set_num_threads(1)
