"""Records of the hsi domain (gathered by plugin.py): the domain and its demo, the ENVI, .mat and .npy formats, the
hyperspectral metrics, the ``hsi-sample`` dataset and HyDe-convention noise simulation; ``HSI_FORMATS`` and
``HSI_METRICS``, what every hsi pipeline reads and measures. Heavy modules load inside the factories."""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, NoiseModelRecord, lazy

_PKG = "denoisekit_hsi"
HSI_FORMATS = ("envi", "mat", "npy-cube")
HSI_METRICS = ("mpsnr", "mssim", "sam", "ergas")

DOMAIN = DomainRecord(
    name="hsi", summary="Hyperspectral cubes (ENVI, MATLAB .mat, npy): Gaussian, stripe, dead-line, impulse noise",
    demo_pipeline="fasthyde", build_sample=lazy(f"{_PKG}.dataset:build_sample"))

FORMATS = [
    FormatRecord(name="envi", summary="ENVI .hdr + binary (bsq/bil/bip, memory-mapped, wavelengths kept; SPy)",
                 suffixes=(".hdr",), read=lazy(f"{_PKG}.formats:read_envi"), write=lazy(f"{_PKG}.formats:write_envi"),
                 example=lazy(f"{_PKG}.formats:example_envi"), preview=lazy(f"{_PKG}.formats:preview_cube")),
    FormatRecord(name="mat", summary="MATLAB .mat v5 (scipy) or v7.3 (h5py) holding a 3-D cube",
                 suffixes=(".mat",), read=lazy(f"{_PKG}.formats:read_mat"), write=lazy(f"{_PKG}.formats:write_mat"),
                 example=lazy(f"{_PKG}.formats:example_mat"), preview=lazy(f"{_PKG}.formats:preview_cube")),
    FormatRecord(name="npy-cube", summary="NumPy .npy cube as (rows, columns, bands): HWC, band-interleaved by pixel",
                 suffixes=(".npy",), read=lazy(f"{_PKG}.npy_cube:read_npy_cube"),
                 write=lazy(f"{_PKG}.npy_cube:write_npy_cube"), example=lazy(f"{_PKG}.npy_cube:example_npy_cube"),
                 preview=lazy(f"{_PKG}.formats:preview_cube")),
]

METRICS = [
    MetricRecord(name="mpsnr", summary="Mean over bands of the PSNR in dB (MAX: data range, 1 for [0,1] cubes)",
                 fn=lazy(f"{_PKG}.metrics:mpsnr")),
    MetricRecord(name="mssim", summary="Mean over bands of the SSIM (11x11 Gaussian window, sigma 1.5)",
                 fn=lazy(f"{_PKG}.metrics:mssim")),
    MetricRecord(name="sam", summary="Mean spectral angle between pixel spectra, in degrees",
                 fn=lazy(f"{_PKG}.metrics:sam_degrees"), higher_is_better=False),
    MetricRecord(name="ergas", summary="ERGAS relative global error (resolution ratio 1)",
                 fn=lazy(f"{_PKG}.metrics:ergas"), higher_is_better=False),
]

DATASETS = [DatasetRecord(
    name="hsi-sample", domain="hsi", build=lazy(f"{_PKG}.dataset:build_hsi_sample_set"),
    open=lazy(f"{_PKG}.dataset:HSICubeFolder"),
    summary="Synthetic 128x128x100 linear-mixing cube at AVIRIS bands, clean and with 7 HyDe noise cases (ENVI)")]

NOISE_MODELS = [NoiseModelRecord(
    name="hsi-noise", summary="HyDe-convention HSI noise: non-iid, Poisson, stripes, dead lines, impulse, mixed",
    factory=lazy(f"{_PKG}.noise_sim:HSINoise"), example=lazy(f"{_PKG}.noise_sim:HSINoise", case="mixed"))]
