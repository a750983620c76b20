"""``hsi/dds2m``: DDS2M (Miao et al., ICCV 2023), self-supervised diffusion denoising of one cube."""
