"""The bias-subtracted patch distance (option ``patch_debias``, not the default) end to end on the tuning crop
where the defaults lose to NLM: with SURE's noise model inside the first stage's range kernel, the pipeline's
steps beat NLM there (docs/domains/ct-filter2noise.md, "Session 8", also for the tuning cases where it loses)."""

from __future__ import annotations

import numpy as np
import torch
from denoisekit_ct import denoising_records
from denoisekit_ct.denoise_filter2noise import INITIAL_RANGE_PER_MAD, fit_settings, strength_search
from denoisekit_ct.filter2noise.fit import denoise, fit
from denoisekit_ct.filter2noise.sure_strength import choose_strength, patch_noise

torch.set_num_threads(1)


def test_debiased_patch_distance_beats_nlm_on_the_crop_that_lost(tuning_crop_1e4):
    """pydicom-data's real head CT 693_UNCR, low dose simulated on the whole slice at I0 = 1e4 (720 views, Hann
    FBP, seed 0: the tuning benchmark's simulation), its 128 x 128 crop at (320, 320): with the plain patch
    distance the defaults scored 36.18 dB there, below NLM (7/11, h = 1.8 x the flat-region sigma) at 36.37;
    with all of the noise's expected part subtracted (``patch_debias=1``; the fit and SURE's crops and probe
    unchanged) 36.85 dB."""
    from denoisekit_ct.ct_metrics import ct_psnr, uniform_window
    from denoisekit_ct.denoise_slices import to_hu, to_unit, window
    from skimage.restoration import denoise_nl_means

    from denoisekit.api import estimate_sigma

    noisy, reference = tuning_crop_1e4
    config = next(p for p in denoising_records.PIPELINES if p.name == "filter2noise").defaults()
    low, high = window(config)
    x = to_unit(noisy, low, high)
    y = torch.from_numpy(x)[None, None]
    level = estimate_sigma(x[None, None], undecimated=True)
    net = fit(y, fit_settings(config, max(INITIAL_RANGE_PER_MAD * level, 1e-3)), 0)
    search = strength_search(config, low, high)
    scores = []
    for noise in (None, patch_noise(net, y, search.spectrum_sigma_scale)):
        choice = choose_strength(net, y, search, 0, noise_level=level, noise=noise)
        out = denoise(net, y, choice.sigma_scale, choice.range_scale, noise)[0]
        scores.append(ct_psnr(to_hu(out[0, 0].numpy(), low, high), reference))
    sigma = float(np.std(noisy[uniform_window(noisy)].astype(np.float64)))
    nlm = denoise_nl_means((noisy + 1024.0) / 4096, h=1.8 * sigma / 4096, patch_size=7, patch_distance=11,
                           fast_mode=True) * 4096 - 1024.0
    nlm_psnr = ct_psnr(nlm, reference)
    print(f"plain {scores[0]:.2f} dB, debiased {scores[1]:.2f} dB, NLM {nlm_psnr:.2f} dB")
    assert scores[1] > nlm_psnr + 0.2 and scores[1] > scores[0] + 0.4


def test_patch_debias_through_the_cli(tmp_path, capsys):
    """A 64 x 64 crop of the real head CT with simulated low-dose noise, as .npy, through ``denoisekit run``: with
    ``patch_debias=1`` the output differs from the plain patch distance's (same seed, same fit) and is written;
    a fraction above 1 is a one-line error that writes nothing."""
    import json

    from denoisekit_ct.lowdose import simulate_low_dose
    from denoisekit_ct.sample import source_slice

    from denoisekit.testing import cli

    ds, hu = source_slice()
    noisy = simulate_low_dose(hu[224:288, 320:384].copy(), 5e3, views=180, pixel_size=float(ds.PixelSpacing[0]),
                              filter="hann", seed=0, device="cpu")
    np.save(tmp_path / "x.npy", noisy.astype(np.float32))
    fast = ["--set", "iterations=5", "--set", "crop=32", "--set", "stages=1", "--quiet"]
    outputs = []
    for fraction in ("0", "1"):
        out = tmp_path / f"o{fraction}"
        code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(out), *fast,
                    "--set", f"patch_debias={fraction}"])
        assert code == 0, capsys.readouterr().err
        assert json.loads((out / "run.json").read_text())["notes"]["sure_scales"]
        outputs.append(np.load(out / "x.npy"))
    assert outputs[0].shape == noisy.shape and np.isfinite(outputs[1]).all()
    assert np.abs(outputs[1] - outputs[0]).max() > 1.0  # HU
    capsys.readouterr()
    code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "bad"), *fast,
                "--set", "patch_debias=1.5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "patch_debias" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "bad").exists()


def test_flat_tile_spectrum_measures_correlated_noise_beside_edges(binomial_noise):
    """``sure_spectrum=flat`` (session 9, not the default): on a 128 x 128 image of steps and a ramp plus binomial-
    correlated noise, the spectrum from the flattest quarter of its 32 x 32 tiles (minus their planes) gives the
    noise's autocorrelation to within 0.1 (the biased estimator and the plane pull it down a little), where the
    periodogram of the whole image is dominated by the edges (rho near 1 at every lag); no tile fits in 14 x 14."""
    from denoisekit_ct.filter2noise.correlated_noise import amplitude_spectrum, autocorrelation, flat_tile_spectrum

    clean = torch.zeros(1, 1, 128, 128, dtype=torch.float64)
    clean[..., 40:100, 30:90] = 8.0
    clean[..., :, 110:] = -5.0
    clean += torch.linspace(0, 3, 128, dtype=torch.float64)[None, None, :, None]
    y = clean + binomial_noise((1, 1, 128, 128), 0)
    level = torch.ones_like(y)
    rho = autocorrelation(flat_tile_spectrum(y, clean, level))
    raw = autocorrelation(amplitude_spectrum(y - y.mean()))
    for (dy, dx), expected in (((0, 1), 2 / 3), ((1, 1), 4 / 9), ((0, 2), 1 / 6), ((0, 3), 0.0)):
        assert abs(float(rho[dy, dx]) - expected) < 0.1 and abs(float(rho[-dy, dx]) - expected) < 0.1
        assert float(raw[dy, dx]) > 0.85  # the edges
    assert flat_tile_spectrum(y[..., :14, :14], clean[..., :14, :14], level[..., :14, :14]) is None


def test_flat_spectrum_through_the_cli(tmp_path, capsys):
    """``--set sure_spectrum=flat`` runs on a 64 x 64 low-dose crop and its output differs from the default's
    (same fit, another noise model for SURE's probe); an unknown spectrum is a one-line error that writes nothing."""
    from denoisekit_ct.lowdose import simulate_low_dose
    from denoisekit_ct.sample import source_slice

    from denoisekit.testing import cli

    ds, hu = source_slice()
    noisy = simulate_low_dose(hu[224:288, 320:384].copy(), 5e3, views=180, pixel_size=float(ds.PixelSpacing[0]),
                              filter="hann", seed=0, device="cpu")
    np.save(tmp_path / "x.npy", noisy.astype(np.float32))
    fast = ["--set", "iterations=5", "--set", "crop=32", "--set", "stages=1", "--quiet"]
    code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "flat"), *fast,
                "--set", "sure_spectrum=flat"])
    assert code == 0, capsys.readouterr().err
    out = np.load(tmp_path / "flat" / "x.npy")
    assert out.shape == noisy.shape and np.isfinite(out).all()
    assert np.abs(out - noisy).mean() > 1.0  # HU: it denoised
    capsys.readouterr()
    code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "bad"), *fast,
                "--set", "sure_spectrum=psd"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "sure_spectrum" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "bad").exists()
