"""denoisekit-ultrasound: ultrasound dehazing (two-prior diffusion), B-mode baselines and cardiac phantoms."""
