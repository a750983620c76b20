"""Options of the two single-image self-supervised denoisers that any domain may wrap, and the check of the
options that must go together.

* Zero-Shot Noise2Noise (Mansour & Heckel, CVPR 2023): :class:`denoisekit.image.zs_n2n.ZeroShotN2N`.
* Noise2Score (Kim & Ye, NeurIPS 2021): :class:`denoisekit.image.selfsup_pipeline.Noise2ScorePipeline`.

The image domain runs them as ``image/zs-n2n`` and ``image/noise2score``; a domain plugin wraps them (ct runs
them on HU-windowed slices) with ``ZS_N2N_OPTIONS`` / ``NOISE2SCORE_OPTIONS`` and, for Noise2Score,
``check=check_noise2score`` on its record (all from :mod:`denoisekit.api`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from denoisekit import option_presets as preset
from denoisekit.errors import UserError
from denoisekit.records import Option

ZS_N2N_OPTIONS = (
    preset.iterations(2000, detail="Adam"),
    preset.lr(1e-3),
    Option(name="lr_step", default=1500, minimum=1, maximum=100_000,
           help="iterations after which the learning rate halves"),
    Option(name="channels", default=48, minimum=1, maximum=512, help="feature channels of the two hidden conv layers"),
    preset.clip(),
)

NOISE2SCORE_OPTIONS = (
    Option(name="noise", default="gaussian", choices=("gaussian", "poisson", "gamma"),
           help="noise model of the Tweedie estimate: gaussian (additive), poisson (shot), gamma (speckle)"),
    Option(name="sigma", default=0.0, minimum=0.0,
           help="gaussian: noise std in the input's units; 0 estimates it (MAD of the finest diagonal Haar band)"),
    Option(name="gain", default=0.0, minimum=0.0,
           help="poisson: gain in the input's units, y = gain * Poisson(x / gain) (1 for photon counts); "
                "0 estimates it"),
    Option(name="ell", default=0.0, minimum=0.0,
           help="gamma: shape (number of looks), y = x * Gamma(ell, 1 / ell); 0 estimates it"),
    preset.iterations(800, detail="Adam, cosine decay to lr / 10"),
    preset.patch(32),
    preset.batch(16, 256),
    preset.lr(3e-3),
    Option(name="width", default=32, minimum=1, maximum=512,
           help="feature channels of the 6-layer residual score network"),
    Option(name="delta_max", default=0.1, minimum=1e-6,
           help="AR-DAE perturbation scale at the start (on the image scaled to [0, 1])"),
    Option(name="delta_min", default=0.001, minimum=1e-6,
           help="AR-DAE perturbation scale at the end, reached linearly over the iterations"),
    preset.clip(),
)


def check_noise2score(config: Mapping[str, Any]) -> None:
    """A UserError for Noise2Score options that do not go together: a noise parameter of another noise model
    than ``noise``, or ``delta_min`` above ``delta_max``."""
    kind = config["noise"]
    for option, used_by in (("sigma", "gaussian"), ("gain", "poisson"), ("ell", "gamma")):
        if config[option] and kind != used_by:
            raise UserError(f"noise2score: option {option!r} applies to noise={used_by} only "
                            f"(got noise={kind}, {option}={config[option]})")
    if config["delta_min"] > config["delta_max"]:
        raise UserError(f"noise2score: delta_min ({config['delta_min']}) must not exceed delta_max "
                        f"({config['delta_max']})")
