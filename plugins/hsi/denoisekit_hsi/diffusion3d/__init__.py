"""``hsi/diffusion3d``: a 3-D spectral-spatial diffusion prior on (bands x H x W) patches, in the spirit of
HSI-Diffusion (Vyse et al., arXiv 2406.10724): its network, patching, training and restoration."""
