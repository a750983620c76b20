"""Records of the ultrasound domain (gathered by plugin.py): the domain and its sample, the zea HDF5 and DICOM
formats, the region metrics and the simulated data sets. Only ``denoisekit.api`` is imported here; h5py, pydicom,
scipy and PyMUST load inside the factories.
"""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, lazy

_ZEA = "denoisekit_ultrasound.zea_format"
_DCM = "denoisekit_ultrasound.dicom_format"
_MET = "denoisekit_ultrasound.metrics"
_DATA = "denoisekit_ultrasound.datasets"

DOMAIN = DomainRecord(
    name="ultrasound", summary="Ultrasound: zea HDF5 RF/IQ and DICOM B-mode, cardiac dehazing, clutter filtering",
    demo_pipeline="nlm", build_sample=lazy(f"{_DATA}:build_us_sample"))

FORMATS = [
    FormatRecord(name="zea", summary="zea HDF5: data/beamformed_data (frames, z, x, 1 RF | 2 IQ), scan/*, regions/*",
                 suffixes=(".hdf5", ".h5"), read=lazy(f"{_ZEA}:read_zea"), write=lazy(f"{_ZEA}:write_zea"),
                 example=lazy(f"{_ZEA}:example_zea"), preview=lazy(f"{_ZEA}:preview_zea")),
    FormatRecord(name="us-dicom", summary="Ultrasound DICOM (Modality US), single- or multi-frame B-mode, as grey",
                 suffixes=(".dcm",), read=lazy(f"{_DCM}:read_us_dicom"), write=lazy(f"{_DCM}:write_us_dicom"),
                 example=lazy(f"{_DCM}:example_us_dicom")),
]

METRICS = [
    MetricRecord(name="us_gcnr", fn=lazy(f"{_MET}:us_gcnr"), needs=("regions",),
                 summary="gCNR of cavity vs myocardium on the dB image, 256 shared bins (Rodriguez-Molares 2020)"),
    MetricRecord(name="us_cnr", fn=lazy(f"{_MET}:us_cnr"), needs=("regions",),
                 summary="CNR (mu_myo - mu_cavity) / sqrt(s_myo^2 + s_cavity^2) on the dB image (challenge form)"),
    MetricRecord(name="us_ks_myocardium", fn=lazy(f"{_MET}:us_ks_myocardium"), needs=("regions",),
                 higher_is_better=False,
                 summary="KS statistic of the myocardium's dB values against the reference's (ks_2samp)"),
    MetricRecord(name="us_psnr_db", fn=lazy(f"{_MET}:us_psnr_db"), needs=("regions",),
                 summary="PSNR of the dB (B-mode) image against the reference's, range the reference's range"),
]

DATASETS = [
    DatasetRecord(name="us-sample", domain="ultrasound", build=lazy(f"{_DATA}:build_us_sample_set"),
                  open=lazy(f"{_DATA}:SimulatedSet"),
                  summary="Simulated cardiac frame and 7-frame sequence (PyMUST), hazy and clean IQ, zea HDF5"),
    DatasetRecord(name="us-cardiac-sim", domain="ultrasound", build=lazy(f"{_DATA}:build_training_set"),
                  open=lazy(f"{_DATA}:SimulatedSet"),
                  summary="160 simulated cardiac phantoms (PyMUST): tissue, haze and hazy IQ frames, zea HDF5"),
    DatasetRecord(name="us-clutter-seq", domain="ultrasound",
                  build=lazy("denoisekit_ultrasound.clutter_data:build_clutter_set"),
                  open=lazy("denoisekit_ultrasound.clutter_data:ClutterSet"),
                  summary="40 simulated 7-frame cardiac sequences (PyMUST): cluttered and clean IQ, zea HDF5"),
]
