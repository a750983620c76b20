"""denoisekit-mri: MRI reconstruction from Cartesian k-space (fastMRI HDF5, NIfTI)."""
