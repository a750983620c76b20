"""The built-in ``image`` domain: npy/PNG/TIFF/NIfTI formats and the Zero-Shot Noise2Noise pipeline."""
