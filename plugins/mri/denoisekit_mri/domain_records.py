"""Records of the mri domain (gathered by plugin.py): the ``mri`` domain and its sample, the fastMRI HDF5 and
NIfTI formats, the fastMRI metrics, the ``mri-sample`` dataset and the multi-coil Cartesian operator. Only
``denoisekit.api`` is imported here; torch, h5py and nibabel load inside the factories.
"""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, OperatorRecord, lazy

_FMT = "denoisekit_mri.formats"
_MET = "denoisekit_mri.metrics"
_OP = "denoisekit_mri.coil_operator"

DOMAIN = DomainRecord(
    name="mri", summary="MRI reconstruction from undersampled Cartesian k-space (fastMRI HDF5, NIfTI)",
    demo_pipeline="cs-wavelet", build_sample=lazy("denoisekit_mri.sample:build_mri_sample"))

FORMATS = [
    FormatRecord(name="fastmri", summary="fastMRI HDF5: kspace (slices, [coils,] H, W), mask, header; or a "
                                         "reconstruction", suffixes=(".h5", ".hdf5"), read=lazy(f"{_FMT}:read_fastmri"),
                 write=lazy(f"{_FMT}:write_fastmri"), example=lazy(f"{_FMT}:example_fastmri"),
                 preview=lazy(f"{_FMT}:preview_fastmri")),
    FormatRecord(name="mri-nifti", summary="NIfTI image or volume, magnitude or complex, read slices first (nibabel)",
                 suffixes=(".nii", ".nii.gz"), read=lazy(f"{_FMT}:read_nifti"), write=lazy(f"{_FMT}:write_nifti"),
                 example=lazy(f"{_FMT}:example_nifti"), preview=lazy(f"{_FMT}:preview_nifti")),
    FormatRecord(name="mri-dicom-series", summary="A folder of one MR DICOM series (or one multi-frame file) as a "
                                                  "magnitude volume with its affine; written as a new 16-bit series",
                 suffixes=(), directory=True, exact=False, read=lazy("denoisekit_mri.volume_format:read_mr_series"),
                 write=lazy("denoisekit_mri.volume_format:write_mr_series"),
                 example=lazy("denoisekit_mri.volume_format:example_mr_series")),
    FormatRecord(name="ismrmrd", summary="ISMRMRD HDF5 raw data, 2-D Cartesian (needs the ismrmrd package); .h5 "
                                         "ISMRMRD files are also read through the fastmri format",
                 suffixes=(".mrd", ".ismrmrd.h5"), read=lazy("denoisekit_mri.ismrmrd_format:read_ismrmrd"),
                 write=lazy("denoisekit_mri.ismrmrd_format:write_ismrmrd"),
                 example=lazy("denoisekit_mri.ismrmrd_format:example_ismrmrd"),
                 preview=lazy(f"{_FMT}:preview_fastmri")),
]

METRICS = [
    MetricRecord(name="mri_psnr", summary="PSNR of magnitudes, data range = the reference volume's max (fastMRI)",
                 fn=lazy(f"{_MET}:mri_psnr")),
    MetricRecord(name="mri_ssim", summary="SSIM per slice, 7x7 uniform window, range = the volume's max (fastMRI)",
                 fn=lazy(f"{_MET}:mri_ssim")),
    MetricRecord(name="mri_nmse", summary="||ref - est||^2 / ||ref||^2 over the volume (fastMRI)",
                 fn=lazy(f"{_MET}:mri_nmse"), higher_is_better=False),
]

DATASETS = [DatasetRecord(
    name="mri-sample", domain="mri", build=lazy("denoisekit_mri.sample:build_mri_sample_set"),
    open=lazy("denoisekit_mri.sample:MRISampleSet"),
    summary="Multi-coil k-space simulated from real MR images of pydicom-data (8 coils, 30 dB), fastMRI HDF5")]

OPERATORS = [
    OperatorRecord(name="mri-multicoil-cartesian",
                   summary="Multi-coil Cartesian MRI: A x = mask * fft2c(maps * x), exact adjoint (SENSE model)",
                   factory=lazy(f"{_OP}:coil_operator"), example=lazy(f"{_OP}:example_operator")),
]
