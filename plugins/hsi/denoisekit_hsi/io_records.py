"""Records of the hsi plugin (see plugin.py): the domain and its demo, the ENVI and .mat formats, the
hyperspectral metrics, the ``hsi-sample`` dataset, HyDe-convention noise simulation and the classical
baselines (hsi/fasthyde, hsi/hyres, hsi/hyminor). Heavy modules load inside the factories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from denoisekit.core_plugin import lazy
from denoisekit.records import (
    DatasetRecord,
    DemoInputs,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    NoiseModelRecord,
    Option,
    PipelineRecord,
)

_PKG = "denoisekit_hsi"
HSI_FORMATS = ("envi", "mat", "npy")
HSI_METRICS = ("mpsnr", "mssim", "sam", "ergas")


def _build_sample(directory: Path) -> DemoInputs:
    from denoisekit_hsi.dataset import build_sample

    return build_sample(directory)


def _metric(name: str) -> Any:
    def fn(*args: Any, **kwargs: Any) -> float:
        from denoisekit_hsi import metrics

        return getattr(metrics, name)(*args, **kwargs)

    fn.__qualname__ = fn.__name__ = name
    return fn


DOMAINS = [DomainRecord(
    name="hsi", summary="Hyperspectral cubes (ENVI, MATLAB .mat, npy): Gaussian, stripe, dead-line, impulse noise",
    demo_pipeline="fasthyde", build_sample=_build_sample)]

FORMATS = [
    FormatRecord(name="envi", summary="ENVI .hdr + binary (bsq/bil/bip, memory-mapped, wavelengths kept; SPy)",
                 suffixes=(".hdr",), read=lazy(f"{_PKG}.formats:read_envi"), write=lazy(f"{_PKG}.formats:write_envi"),
                 example=lazy(f"{_PKG}.formats:example_envi"), preview=lazy(f"{_PKG}.formats:preview_cube")),
    FormatRecord(name="mat", summary="MATLAB .mat v5 (scipy) or v7.3 (h5py) holding a 3-D cube",
                 suffixes=(".mat",), read=lazy(f"{_PKG}.formats:read_mat"), write=lazy(f"{_PKG}.formats:write_mat"),
                 example=lazy(f"{_PKG}.formats:example_mat"), preview=lazy(f"{_PKG}.formats:preview_cube")),
]

METRICS = [
    MetricRecord(name="mpsnr", summary="Mean over bands of the PSNR in dB (MAX: data range, 1 for [0,1] cubes)",
                 fn=_metric("mpsnr")),
    MetricRecord(name="mssim", summary="Mean over bands of the SSIM (11x11 Gaussian window, sigma 1.5)",
                 fn=_metric("mssim")),
    MetricRecord(name="sam", summary="Mean spectral angle between pixel spectra, in degrees",
                 fn=_metric("sam_degrees"), higher_is_better=False),
    MetricRecord(name="ergas", summary="ERGAS relative global error (resolution ratio 1)",
                 fn=_metric("ergas"), higher_is_better=False),
]

DATASETS = [DatasetRecord(
    name="hsi-sample", domain="hsi", build=lazy(f"{_PKG}.dataset:build_hsi_sample_set"),
    open=lazy(f"{_PKG}.dataset:HSICubeFolder"),
    summary="Synthetic 128x128x100 linear-mixing cube at AVIRIS bands, clean and with 7 HyDe noise cases (ENVI)")]

NOISE_MODELS = [NoiseModelRecord(
    name="hsi-noise", summary="HyDe-convention HSI noise: non-iid, Poisson, stripes, dead lines, impulse, mixed",
    factory=lazy(f"{_PKG}.noise_sim:HSINoise"), example=lazy(f"{_PKG}.noise_sim:HSINoise", case="mixed"))]

FASTHYDE_OPTIONS = (
    Option(name="k", default=0, minimum=0, maximum=1000,
           help="subspace dimension; 0 lets HySime choose it (minimum mean-squared error); more than the bands "
                "is an error"),
    Option(name="iid", default=False,
           help="assume one noise level for all bands (FastHyDe's i.i.d. mode); false whitens per band"),
    Option(name="patch", default=8, minimum=2, maximum=32, help="side of the DCT patches of the eigen-image denoiser"),
    Option(name="threshold", default=2.7, minimum=0.0, maximum=10.0,
           help="hard threshold of the first DCT stage, in noise standard deviations"),
    Option(name="wiener", default=True, help="run the second (empirical Wiener) DCT stage"),
    Option(name="rows", default=0, minimum=0, maximum=1_000_000,
           help="0: the whole cube on the device; N: stream the (memory-mapped) cube in blocks of N rows "
                "(only the eigen-images and the output are held whole)"),
)
FASTHYDE_MIXED_OPTIONS = (
    Option(name="iterations", default=4, minimum=0, maximum=50,
           help="passes that re-detect outliers and stripes from the residual (0: stuck values only)"),
    Option(name="kappa", default=3.5, minimum=1.0, maximum=20.0,
           help="a residual above kappa noise standard deviations marks an entry as an outlier"),
    Option(name="k", default=0, minimum=0, maximum=1000,
           help="subspace dimension; 0 lets HySime choose it; more than the bands is an error"),
    Option(name="min_fraction", default=0.01, minimum=0.0, maximum=1.0,
           help="an exact value repeated in more than this fraction of a band's pixels is stuck (impulse, dead line)"),
    Option(name="destripe", default=True, help="remove significant per-column offsets (stripes)"),
)
HYRES_OPTIONS = (
    Option(name="levels", default=0, minimum=0, maximum=8,
           help="wavelet decomposition levels; 0 uses as many as the size allows (at most 5)"),
    Option(name="moments", default=2, minimum=1, maximum=10,
           help="vanishing moments of the Daubechies wavelet (2 = db2, 4 taps)"),
)
HYMINOR_OPTIONS = (
    Option(name="iterations", default=1, minimum=0, maximum=100,
           help="alternations between the sparse-noise (l1) step and the Gaussian denoiser"),
    Option(name="kappa", default=3.0, minimum=0.0, maximum=20.0,
           help="sparse-noise soft threshold in per-band noise standard deviations"),
    Option(name="denoiser", default="hyres", choices=("hyres", "fasthyde"),
           help="Gaussian denoiser inside the loop: hyres (the paper's) or fasthyde"),
)

PIPELINES = [
    PipelineRecord(
        name="fasthyde", domain="hsi", factory=lazy(f"{_PKG}.pipelines:FastHyDePipeline"), options=FASTHYDE_OPTIONS,
        summary="FastHyDe-style: HySime subspace + GPU DCT denoiser on eigen-images (Zhuang & Bioucas-Dias 2018)",
        formats=HSI_FORMATS, metrics=HSI_METRICS),
    PipelineRecord(
        name="fasthyde-mixed", domain="hsi", factory=lazy(f"{_PKG}.pipelines:FastHyDeMixedPipeline"),
        options=FASTHYDE_MIXED_OPTIONS,
        summary="FastHyDe for mixed noise: stuck values and outliers as missing data, subspace inpainting, destriping",
        formats=HSI_FORMATS, metrics=HSI_METRICS, test_config={"iterations": 1}),
    PipelineRecord(
        name="hyres", domain="hsi", factory=lazy(f"{_PKG}.pipelines:HyResPipeline"), options=HYRES_OPTIONS,
        summary="HyRes-style: wavelet low-rank restoration with SURE-chosen threshold and rank (Rasti et al. 2017)",
        formats=HSI_FORMATS, metrics=HSI_METRICS),
    PipelineRecord(
        name="hyminor", domain="hsi", factory=lazy(f"{_PKG}.pipelines:HyMiNoRPipeline"), options=HYMINOR_OPTIONS,
        summary="HyMiNoR-style: l1 sparse-noise removal (stripes, dead lines, impulse) alternating with denoising",
        formats=HSI_FORMATS, metrics=HSI_METRICS),
]
