"""Where ct/filter2noise's SURE errs on the tuning crops: per 128x128 crop of 693_UNCR (the tuning set of
ct_filter2noise_heldout.py) one fit, then for every candidate of SURE's grid, with the plain patch distance and
with ``patch_debias=1``, the true weighted squared error and SURE's estimate of it (a) with the noise model the
pipeline uses (its level D and spectrum from the fitted filter's residuals, ``--probes`` probes) and (b) with the
model's probe and trace replaced by a second, independent realisation of the simulated noise (noise seed 1: the
true noise's statistics, which no pipeline has). Where (b) ranks the candidates right and (a) does not, the noise
model is what misleads SURE; where both fail, the one-probe estimate's spread is. Two mixed probes split the
model's error: (c) the second realisation rescaled to the model's level D (true spectrum and local pattern, the
model's level) and (d) the model's spectrum at the second realisation's own local level (true level).
Diagnosis on the tuning set only; JSON lines, one per case (HU^2 risks in the weight W of SURE). With ``--spectra``
instead: per case the radial profile (rings 0.05 cycles/pixel wide) of the noise model's power spectrum from the
residual (the default), from the flattest tiles (``sure_spectrum=flat``) and of the true noise (noisy - reference),
each over D.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ct_filter2noise_sure_terms.py --cases "192,320,5000;320,320,10000"
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ct_filter2noise_sure_terms.py --spectra --cases "192,320,5000"
"""

from __future__ import annotations

import argparse
import json
import time


def radial(amplitude) -> list[float]:
    """Mean power |amplitude|^2 of a (1, 1, H, W) spectrum in rings 0.05 cycles/pixel wide, from 0 to 0.7."""
    import numpy as np

    power = amplitude[0, 0].double().square().numpy()
    h, w = power.shape
    radius = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None])
    return [round(float(power[(radius >= a) & (radius < a + 0.05)].mean()), 2) for a in np.arange(0, 0.7, 0.05)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", required=True, help="'top,left,I0' crops of 693_UNCR, ';'-separated")
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--spectra", action="store_true", help="only the radial profiles of the spectra")
    args = parser.parse_args()
    import numpy as np
    import torch
    from ct_filter2noise_heldout import CROP, TUNING, flat_sigma, load, nlm, scores, simulated
    from denoisekit_ct import denoising_records
    from denoisekit_ct.denoise_filter2noise import INITIAL_RANGE_PER_MAD, fit_settings, strength_search
    from denoisekit_ct.denoise_slices import to_hu, to_unit, window
    from denoisekit_ct.filter2noise.correlated_noise import amplitude_spectrum, local_std, synthesise
    from denoisekit_ct.filter2noise.fit import fit
    from denoisekit_ct.filter2noise.sure_strength import measure_noise, patch_noise

    from denoisekit.api import estimate_sigma

    torch.set_num_threads(1)
    config = next(p for p in denoising_records.PIPELINES if p.name == "filter2noise").defaults()
    low, high = window(config)
    search = strength_search(config, low, high)
    unit2 = (high - low) ** 2
    hu, _ = load(TUNING[0])
    for spec in args.cases.split(";"):
        top, left, i0 = (int(float(v)) for v in spec.split(","))
        start = time.time()
        win = (slice(top, top + CROP), slice(left, left + CROP))
        noisy = simulated(TUNING[0], float(i0), 0)[win]
        x, truth = to_unit(noisy, low, high), to_unit(hu[win], low, high)
        other = torch.from_numpy(to_unit(simulated(TUNING[0], float(i0), 1)[win], low, high) - truth)[None, None]
        y, clean = torch.from_numpy(x)[None, None], torch.from_numpy(truth)[None, None]
        level = estimate_sigma(x[None, None], undecimated=True)
        net = fit(y, fit_settings(config, max(INITIAL_RANGE_PER_MAD * level, 1e-3)), 0)
        with torch.no_grad():
            fitted, stds, amplitude = measure_noise(net, [y], search.spectrum_sigma_scale)
            d = stds[0]
            if args.spectra:
                _, _, flat = measure_noise(net, [y], search.spectrum_sigma_scale, "flat")
                true = amplitude_spectrum((y - clean) / d)
                spectra = {"residual": amplitude, "flat": flat, "true": true}
                print(json.dumps({"case": f"({top},{left})", "i0": float(i0), "ring_width": 0.05,
                                  **{k: radial(a) for k, a in spectra.items()}}), flush=True)
                continue
            weight = ((fitted[0] > search.tissue[0] - 3 * d) & (fitted[0] < search.tissue[1] + 3 * d)).to(y.dtype)
            total = float(weight.sum())
            generator = torch.Generator().manual_seed(0)
            probes = [synthesise(d, amplitude, generator) for _ in range(args.probes)]
            other_level = local_std(other)
            true_pattern = other / other_level * d  # (c): the model's level, the true spectrum
            model_pattern = synthesise(other_level, amplitude, torch.Generator().manual_seed(0))  # (d)
            nlm_psnr = scores(nlm(noisy, 1.8 * flat_sigma(noisy)), hu[win])[0]
            out = {"case": f"({top},{left})", "i0": float(i0), "nlm": nlm_psnr,
                   "level_over_true": float((d.square() * weight).sum() / ((y - clean).square() * weight).sum()) ** 0.5,
                   "rows": {}}
            families = (("plain", None), ("debias", patch_noise(net, y, search.spectrum_sigma_scale, 1.0)))
            for family, noise in families:
                for s in search.sigma_scales:
                    for r in search.range_scales:
                        net.set_scales(s, r)
                        f = net(y, noise)
                        eps = search.epsilon

                        def divergence(b, f=f, noise=noise, weight=weight, y=y, net=net, eps=eps):
                            return float((b * weight * (net(y + eps * b, noise) - f)).sum()) / eps

                        data = float(((f - y).square() * weight).sum())
                        model = [data - float((d.square() * weight).sum()) + 2 * divergence(b) for b in probes]
                        true_stats = data - float((other.square() * weight).sum()) + 2 * divergence(other)
                        model_level = data - float((d.square() * weight).sum()) + 2 * divergence(true_pattern)
                        true_level = data - float((other_level.square() * weight).sum()) + 2 * divergence(model_pattern)
                        out["rows"][f"{family} {s:g},{r:g}"] = {
                            "psnr": scores(to_hu(f[0, 0].numpy(), low, high), hu[win])[0],
                            "mse": float(((f - clean).square() * weight).sum()) / total * unit2,
                            "sure": [v / total * unit2 for v in model],
                            "sure_true_stats": true_stats / total * unit2,
                            "sure_true_spectrum_model_level": model_level / total * unit2,
                            "sure_model_spectrum_true_level": true_level / total * unit2}
                        net.set_scales(1.0, 1.0)
        out["seconds"] = time.time() - start
        rows = out["rows"]
        out["probes_mean_pick"] = {fam: min((k for k in rows if k.startswith(fam)),
                                            key=lambda k: float(np.mean(rows[k]["sure"]))) for fam, _ in families}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
