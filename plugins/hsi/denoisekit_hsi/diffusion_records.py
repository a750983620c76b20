"""The diffusion pipelines of the hsi plugin (gathered by plugin.py): ``hsi/dds2m`` and ``hsi/diffusion3d``.

Light: only the core's records are imported here; the pipelines import torch when they run.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy
from denoisekit.api import option_presets as preset
from denoisekit_hsi.domain_records import HSI_FORMATS, HSI_METRICS

DDS2M_OPTIONS = (
    Option(name="sigma", default=0.0, minimum=0.0,
           help="Gaussian noise standard deviation in the data's units (iid); 0 = estimate it per band as "
                "median(|HH|) / 0.6745 of the finest diagonal Haar coefficients"),
    Option(name="noniid", default=True,
           help="with sigma = 0: scale the bands to a common noise level before the diffusion and back after "
                "(non-iid noise becomes iid); off: one level, the RMS of the band estimates"),
    Option(name="rank", default=8, minimum=1, maximum=64,
           help="R, the number of rank-1 spatial x spectral components of VS2M"),
    Option(name="steps", default=100, minimum=1, maximum=4000,
           help="reverse-diffusion steps, evenly spaced from the start level down to 0 (the paper: all 2000)"),
    preset.iterations(4, 100, name="inner_iterations",
                      detail="Adam, fitting VS2M to x_t at each diffusion step; the paper: 1"),
    Option(name="start", default=1.0, minimum=1.0, maximum=50.0,
           help="start the reverse process at the noise level start x sigma (1: DDRM's start, x_T = y; the "
                "released code starts far higher)"),
    preset.lr(2e-3, minimum=1e-6, detail="Adam; the paper: 5e-4"),
    Option(name="kl_weight", default=3.0, minimum=0.0, maximum=1e4,
           help="weight of the variational KL term pushing the implied noise towards N(0, I) (the paper's loss); "
                "0 = the released code's loss (the term left out)"),
    Option(name="eta", default=0.85, minimum=0.0, maximum=1.0,
           help="DDRM's eta: fresh noise versus the measurement's noise below sigma_y (the paper: 1)"),
    Option(name="ema", default=0.9, minimum=0.0, maximum=0.9999,
           help="exponential moving average of the per-step x0 estimates that is returned; 0 = the last one"),
    Option(name="width", default=16, minimum=1, maximum=256,
           help="channels of each spatial network's first level (doubled at each level; the paper: 16..128)"),
    Option(name="levels", default=3, minimum=1, maximum=6, help="encoder levels of each spatial network"),
    Option(name="skip", default=4, minimum=0, maximum=64, help="channels of each skip connection"),
    Option(name="hidden", default=64, minimum=1, maximum=1024,
           help="width of the two hidden layers of each spectral FCN (the paper: 128-256-256-128)"),
    preset.clip(to="the input's [min, max]"),
)


DDS2M_PIPELINE = PipelineRecord(
    name="dds2m", domain="hsi", factory=lazy("denoisekit_hsi.dds2m.pipeline:DDS2MPipeline"), options=DDS2M_OPTIONS,
    formats=HSI_FORMATS, metrics=HSI_METRICS,
    summary="DDS2M (Miao et al., ICCV 2023): DDRM reverse diffusion with a self-supervised rank-R VS2M x0 estimate",
    test_config={"steps": 3, "inner_iterations": 1, "rank": 2, "width": 4, "levels": 2, "hidden": 8},
)

DIFFUSION3D_OPTIONS = (
    Option(name="weights", default="",
           help="prior weights: '' = the shipped tiny CPU-trained prior; else a weights.pt written by "
                "'denoisekit train hsi/diffusion3d', loaded with weights_only"),
    Option(name="sampler", default="ddim",
           help="diffusion sampler by its registered name (ddim, ddpm, euler, heun, ... or a plugin's), used when "
                "steps > 0"),
    Option(name="steps", default=0, minimum=0, maximum=1000,
           help="sampler steps from the noise level of the input down to 0; 0 = one evaluation D(y, sigma), the "
                "MMSE estimate"),
    Option(name="sigma", default=0.0, minimum=0.0,
           help="Gaussian noise standard deviation in the data's units (iid); 0 = estimate it per band as "
                "median(|HH|) / 0.6745 of the finest diagonal Haar coefficients"),
    Option(name="noniid", default=False,
           help="with sigma = 0: scale the bands to a common noise level before the diffusion and back after; off "
                "(default): one level, the RMS of the band estimates (the scaling distorts the spectra the prior "
                "learnt: 33.4 against 37.4 dB on a non-iid test cube)"),
    Option(name="overlap", default=0.5, minimum=0.0, maximum=0.9,
           help="fraction of a patch side shared by neighbouring patches (their outputs are blended)"),
    preset.batch(16, 4096, of="patches per network evaluation"),
    preset.clip(to="the input's [min, max]"),
)

TRAINING_OPTIONS = (
    preset.iterations(5000, 1_000_000, detail="Adam; a total: a resumed run stops there too"),
    preset.batch(8, 4096),
    preset.lr(1e-3, minimum=1e-7),
    Option(name="width", default=4, minimum=2, maximum=256,
           help="UNet channels at the first level (doubled at each level)"),
    Option(name="levels", default=3, minimum=1, maximum=5, help="UNet levels"),
    preset.patch(16, minimum=4, detail="spatial; rounded up to a multiple of 2^(levels-1)"),
    Option(name="band_window", default=8, minimum=2, maximum=512,
           help="bands per training patch (rounded up to a multiple of 2^(levels-1))"),
    Option(name="sigma_max", default=0.5, minimum=0.01, maximum=10.0,
           help="largest noise level learnt, as a standard deviation on cubes scaled to [0, 1]"),
    Option(name="ema", default=0.999, minimum=0.0, maximum=0.99999, help="decay of the weights' moving average"),
    Option(name="checkpoint_every", default=500, minimum=1, maximum=1_000_000, help="iterations between checkpoints"),
)
TRAINING_TEST_CONFIG = {"iterations": 4, "batch": 2, "width": 2, "levels": 2, "patch": 8, "band_window": 4,
                        "checkpoint_every": 2}


DIFFUSION3D_PIPELINE = PipelineRecord(
    name="diffusion3d", domain="hsi", factory=lazy("denoisekit_hsi.diffusion3d.pipeline:Diffusion3DPipeline"),
    options=DIFFUSION3D_OPTIONS, formats=HSI_FORMATS, metrics=HSI_METRICS, test_config={"steps": 1},
    summary="3-D spectral-spatial diffusion prior (tiny MONAI UNet on band x H x W patches), started at the input",
    training=TrainingRecord(fit=lazy("denoisekit_hsi.diffusion3d.fit:fit"), options=TRAINING_OPTIONS,
                            test_config=TRAINING_TEST_CONFIG),
)

PIPELINES = [DDS2M_PIPELINE, DIFFUSION3D_PIPELINE]
