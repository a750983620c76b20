"""The core's own components, registered as an ordinary plugin: metrics, the ``data`` command and
the building blocks (operators, noise models, ...) that pipelines assemble by name.

Nothing heavy is imported here: classes are looked up when a record's factory is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from denoisekit import metrics
from denoisekit.hookspecs import hookimpl
from denoisekit.records import (
    CommandRecord,
    DenoiserRecord,
    LossRecord,
    MetricRecord,
    NoiseModelRecord,
    OperatorRecord,
    SamplerRecord,
    ScheduleRecord,
)


@hookimpl
def register_metrics() -> list[MetricRecord]:
    return [
        MetricRecord(name="psnr", summary="Peak signal-to-noise ratio in dB (data range: see docs)",
                     fn=metrics.psnr),
        MetricRecord(name="ssim", summary="Structural similarity, 2-D or 3-D Gaussian window (Wang 2004)",
                     fn=metrics.ssim),
        MetricRecord(name="nmse", summary="Normalised mean squared error ||x-ref||^2/||ref||^2",
                     fn=metrics.nmse, higher_is_better=False),
    ]


def _data_command() -> Any:
    from denoisekit.cli_data import data

    return data


@hookimpl
def register_commands() -> list[CommandRecord]:
    return [CommandRecord(name="data", summary="The dataset catalogue: list, show and build datasets",
                          factory=_data_command)]


def lazy(target: str, **fixed: Any) -> Callable[..., Any]:
    """A callable that imports ``module:attribute`` on first call and calls it (with ``fixed`` defaults)."""
    module, _, attr = target.partition(":")

    def build(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), attr)(*args, **{**fixed, **kwargs})

    build.__qualname__ = build.__name__ = attr
    return build


_EX = "denoisekit.component_examples"


@hookimpl
def register_operators() -> list[OperatorRecord]:
    return [
        OperatorRecord(name="identity", summary="Identity A = I (denoising)",
                       factory=lazy("denoisekit.operators:Identity"), example=lazy(f"{_EX}:identity")),
        OperatorRecord(name="mask", summary="Elementwise binary or weighted mask (inpainting, k-space sampling)",
                       factory=lazy("denoisekit.operators:Mask"), example=lazy(f"{_EX}:mask")),
        OperatorRecord(name="blur", summary="Circular 2-D/3-D convolution by FFT, exact adjoint, prox and SVD",
                       factory=lazy("denoisekit.operators:Blur"), example=lazy(f"{_EX}:blur")),
    ]


@hookimpl
def register_noise_models() -> list[NoiseModelRecord]:
    noise = "denoisekit.noise"
    return [
        NoiseModelRecord(name="gaussian", summary="White Gaussian noise y = x + sigma n",
                         factory=lazy(f"{noise}:Gaussian"), example=lazy(f"{noise}:Gaussian", sigma=0.1)),
        NoiseModelRecord(name="poisson", summary="Poisson counts y = gain * Poisson(x / gain)",
                         factory=lazy(f"{noise}:Poisson"), example=lazy(f"{noise}:Poisson", gain=0.05)),
        NoiseModelRecord(name="gamma", summary="Multiplicative Gamma noise y = x * Gamma(ell, 1/ell) (speckle)",
                         factory=lazy(f"{noise}:Gamma"), example=lazy(f"{noise}:Gamma", ell=10.0)),
        NoiseModelRecord(name="poisson-gaussian", summary="Poisson counts plus Gaussian read noise",
                         factory=lazy(f"{noise}:PoissonGaussian"),
                         example=lazy(f"{noise}:PoissonGaussian", gain=0.05, sigma=0.02)),
        NoiseModelRecord(name="non-iid", summary="Gaussian noise with a per-channel or per-pixel sigma map",
                         factory=lazy(f"{noise}:NonIID"), example=lazy(f"{_EX}:non_iid")),
        NoiseModelRecord(name="correlated", summary="Gaussian noise filtered by a kernel (spatially correlated)",
                         factory=lazy(f"{noise}:Correlated"), example=lazy(f"{_EX}:correlated")),
        NoiseModelRecord(name="stripes", summary="Additive stripes along rows or columns (structured)",
                         factory=lazy(f"{noise}:Stripes"), example=lazy(f"{noise}:Stripes", sigma=0.1)),
        NoiseModelRecord(name="dead-lines", summary="Dead rows or columns set to a constant (structured)",
                         factory=lazy(f"{noise}:DeadLines"), example=lazy(f"{noise}:DeadLines", fraction=0.1)),
        NoiseModelRecord(name="impulse", summary="Salt-and-pepper impulse noise (structured)",
                         factory=lazy(f"{noise}:Impulse"), example=lazy(f"{noise}:Impulse", amount=0.05)),
    ]


@hookimpl
def register_schedules() -> list[ScheduleRecord]:
    mod = "denoisekit.schedules"
    return [
        ScheduleRecord(name="vp", summary="Variance-preserving SDE, linear beta (Song et al. 2021)",
                       factory=lazy(f"{mod}:VP")),
        ScheduleRecord(name="ve", summary="Variance-exploding SDE, geometric sigma (Song et al. 2021)",
                       factory=lazy(f"{mod}:VE")),
        ScheduleRecord(name="edm", summary="EDM: sigma(t) = t, Karras rho-grid (Karras et al. 2022)",
                       factory=lazy(f"{mod}:EDM")),
        ScheduleRecord(name="ouve", summary="Ornstein-Uhlenbeck VE: mean drifts to y (SGMSE+, Richter et al. 2023)",
                       factory=lazy(f"{mod}:OUVE")),
        ScheduleRecord(name="sb-ve", summary="Schroedinger bridge from x0 to y, VE reference (Jukic et al. 2024)",
                       factory=lazy(f"{mod}:SBVE")),
        ScheduleRecord(name="ve-sigma-t", summary="VE SDE dx = sigma^t dw (Song et al.; ultrasound dehazing)",
                       factory=lazy(f"{mod}:VESigmaT")),
        ScheduleRecord(name="discrete-vp", summary="Discrete DDPM betas from MONAI's schedule registry",
                       factory=lazy(f"{mod}:DiscreteVP")),
    ]


@hookimpl
def register_samplers() -> list[SamplerRecord]:
    mod = "denoisekit.samplers"
    return [
        SamplerRecord(name="ddpm", summary="Ancestral DDPM sampling (Ho et al. 2020)", factory=lazy(f"{mod}:DDPM")),
        SamplerRecord(name="ddim", summary="DDIM with eta (Song, Meng & Ermon 2021, eq. 12)",
                      factory=lazy(f"{mod}:DDIM")),
        SamplerRecord(name="euler", summary="Euler probability-flow ODE (Karras et al. 2022, Alg. 1)",
                      factory=lazy(f"{mod}:EulerEDM")),
        SamplerRecord(name="heun", summary="Heun 2nd-order ODE with optional churn (Karras et al. 2022, Alg. 2)",
                      factory=lazy(f"{mod}:HeunEDM")),
        SamplerRecord(name="pc", summary="Reverse-diffusion predictor + Langevin corrector (Song et al. 2021)",
                      factory=lazy(f"{mod}:PredictorCorrector")),
        SamplerRecord(name="euler-maruyama", summary="Euler-Maruyama on the reverse-time SDE",
                      factory=lazy(f"{mod}:EulerMaruyama")),
        SamplerRecord(name="dps", summary="Diffusion posterior sampling for y = A x + n (Chung et al. 2023)",
                      factory=lazy(f"{mod}:DPS")),
        SamplerRecord(name="red-diff", summary="RED-diff variational sampler, no backprop through the network "
                      "(Mardani et al. 2024)", factory=lazy(f"{mod}:REDDiff")),
        SamplerRecord(name="ddrm", summary="DDRM spectral-space sampling for operators with an SVD (Kawar et al. 2022)",
                      factory=lazy(f"{mod}:DDRM")),
        SamplerRecord(name="data-consistency", summary="A base sampler plus prox / projection onto y = A x "
                      "(DiffPIR / DDNM)", factory=lazy(f"{mod}:DataConsistency"),
                      example=lazy(f"{_EX}:data_consistency")),
        SamplerRecord(name="ccdf", summary="Come-Closer-Diffuse-Faster: start from a noised estimate at t0 "
                      "(Chung et al. 2022)", factory=lazy(f"{mod}:CCDF")),
        SamplerRecord(name="joint", summary="Joint two-prior posterior sampler for y = x + h (Stevens et al., "
                      "ultrasound dehazing)", factory=lazy(f"{mod}:JointPosteriorSampler"),
                      example=lazy(f"{_EX}:joint")),
    ]


@hookimpl
def register_denoisers() -> list[DenoiserRecord]:
    mod = "denoisekit.denoisers"
    return [
        DenoiserRecord(name="gaussian-prior", summary="Exact MMSE denoiser of a Gaussian prior N(mu, C)",
                       factory=lazy(f"{mod}:GaussianPriorDenoiser"), example=lazy(f"{_EX}:gaussian_prior")),
        DenoiserRecord(name="bias-free-cnn", summary="Blind bias-free CNN (Mohan et al. 2020; Kadkhodaie et al. 2024)",
                       factory=lazy(f"{mod}:BiasFreeCNN"), example=lazy(f"{_EX}:bias_free_cnn")),
        DenoiserRecord(name="monai-unet", summary="MONAI DiffusionModelUNet (eps, v or x0) wrapped as a denoiser",
                       factory=lazy(f"{mod}:UNetDenoiser.from_monai"), example=lazy(f"{_EX}:monai_unet")),
    ]


@hookimpl
def register_losses() -> list[LossRecord]:
    mod = "denoisekit.losses"
    gaussian = lazy("denoisekit.noise:Gaussian", sigma=0.1)

    def with_noise(cls: str) -> Callable[[], Any]:
        return lambda: lazy(f"{mod}:{cls}")(noise=gaussian())

    return [
        LossRecord(name="noise2score", summary="Noise2Score: amortised DAE score + Tweedie (Kim & Ye 2021)",
                   factory=lazy(f"{mod}:Noise2Score"), example=with_noise("Noise2Score")),
        LossRecord(name="noise2noise", summary="Noise2Noise on a pair of noisy images (Lehtinen et al. 2018)",
                   factory=lazy(f"{mod}:Noise2Noise")),
        LossRecord(name="zs-n2n", summary="Zero-Shot Noise2Noise pair downsampler loss (Mansour & Heckel 2023)",
                   factory=lazy(f"{mod}:ZSN2N")),
        LossRecord(name="neighbor2neighbor", summary="Neighbor2Neighbor random sub-sampler (Huang et al. 2021)",
                   factory=lazy(f"{mod}:Neighbor2Neighbor")),
        LossRecord(name="blind-spot", summary="Blind-spot masking (Noise2Self / Noise2Void)",
                   factory=lazy(f"{mod}:BlindSpot")),
        LossRecord(name="c-bsn", summary="C-BSN downsampled invariance + blind spot (Jang et al. 2023)",
                   factory=lazy(f"{mod}:CBSN")),
        LossRecord(name="sdap", summary="SDAP random sub-samples generation (Pan et al. 2023)",
                   factory=lazy(f"{mod}:SDAP")),
        LossRecord(name="sure", summary="Monte-Carlo SURE for Gaussian noise (Stein 1981; Ramani et al. 2008)",
                   factory=lazy(f"{mod}:SURE"), example=with_noise("SURE")),
        LossRecord(name="noise2recon", summary="Noise2Recon consistency under added noise (Desai et al.)",
                   factory=lazy(f"{mod}:Noise2Recon"), example=with_noise("Noise2Recon")),
    ]
