"""The classical pipelines of the hsi plugin (gathered by plugin.py): ``hsi/fasthyde``, ``hsi/fasthyde-mixed``,
``hsi/hyres`` and ``hsi/hyminor``. Light: the pipelines import numpy and torch when they run."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, lazy
from denoisekit_hsi.domain_records import HSI_FORMATS, HSI_METRICS

_PKG = "denoisekit_hsi"

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
