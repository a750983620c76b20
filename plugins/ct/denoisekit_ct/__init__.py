"""denoisekit-ct: low-dose CT denoising and a differentiable CT projector."""
