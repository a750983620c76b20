"""denoisekit-hsi: hyperspectral denoising."""
