"""ct/filter2noise's bias-subtracted patch distance on the tuning set, per case: one fit, then SURE's choice and
the true ct_psnr of every candidate of an extended grid, with the plain patch distance and with the fraction
--fraction of the noise's expected patch distance subtracted (option ``patch_debias``). Tuning set only
(693_UNCR, the split of ct_filter2noise_heldout.py); JSON lines, one per case.

The plain rows repeat the pipeline's steps (the defaults' column of ct_filter2noise_heldout.py); the debiased
rows are the pipeline with ``patch_debias=--fraction``. SURE's choice on the default grid is the argmin of
the listed risks over sigma-scales {1, 2, 3} x range-scales {0.35, 0.5, 0.7, 1}.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ct_filter2noise_debias.py --images crops [--fraction 1]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

RANGE_SCALES = (0.25, 0.35, 0.5, 0.7, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", choices=("crops", "whole"), required=True)
    parser.add_argument("--fraction", type=float, default=1.0)
    args = parser.parse_args()
    import torch
    from ct_filter2noise_heldout import TUNING, cases, flat_sigma, nlm, scores
    from denoisekit_ct import denoising_records
    from denoisekit_ct.denoise_filter2noise import (
        INITIAL_RANGE_PER_MAD,
        PAPER_MAX_RADIUS,
        fit_settings,
        strength_search,
    )
    from denoisekit_ct.denoise_slices import to_hu, to_unit, window
    from denoisekit_ct.filter2noise.fit import denoise, fit
    from denoisekit_ct.filter2noise.sure_strength import choose_strength, patch_noise

    from denoisekit.api import estimate_sigma

    torch.set_num_threads(1)
    config = next(p for p in denoising_records.PIPELINES if p.name == "filter2noise").defaults()
    low, high = window(config)
    search = replace(strength_search(config, low, high), range_scales=RANGE_SCALES)
    whole = args.images == "whole"
    for case in cases(TUNING, [25000.0, 10000.0, 5000.0], 0, 6, whole, None, []):
        if (" 512" in case.name) != whole:
            continue
        start = time.time()
        x = to_unit(case.noisy, low, high)
        level = estimate_sigma(x[None, None], undecimated=True)
        initial = max(INITIAL_RANGE_PER_MAD * level, 1e-3)
        y = torch.from_numpy(x)[None, None]
        net = fit(y, fit_settings(config, initial), 0)
        paper: list = []

        def fallback(y=y, initial=initial, paper=paper):
            settings = replace(fit_settings(config, initial), range_patch=0, dilation=1, max_radius=PAPER_MAX_RADIUS)
            with torch.enable_grad():
                paper.append(fit(y, settings, 0))
            return paper[0]

        out = {"case": case.name, "i0": case.i0,
               "nlm": scores(nlm(case.noisy, 1.8 * flat_sigma(case.noisy)), case.reference)[0]}
        for label in ("plain", "debias"):
            noise = patch_noise(net, y, search.spectrum_sigma_scale, args.fraction) if label == "debias" else None
            choice = choose_strength(net, y, search, 0, noise_level=level, fallback=fallback, noise=noise)
            true = {}
            for scales in choice.risks:
                estimate, _ = denoise(net, y, *scales, noise)
                true[f"{scales[0]},{scales[1]}"] = scores(to_hu(estimate[0, 0].numpy(), low, high), case.reference)[0]
            out[label] = {"risks": {f"{s},{r}": v for (s, r), v in choice.risks.items()}, "true": true,
                          "fallback": choice.fallback}
        out["seconds"] = time.time() - start
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
