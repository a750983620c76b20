"""Filter2Noise: zero-shot low-dose CT denoising with an attention-guided bilateral filter.

Y. Sun et al., "Filter2Noise: Interpretable and Zero-Shot Low-Dose CT Image Denoising", arXiv 2504.13519
(v2: "A Framework for Interpretable and Zero-Shot LDCT Denoising"). Implemented from the paper (the reference
code is CC BY-NC and was not used). One idea per module:

* :mod:`.sigma_predictor`: the tiny attention network that maps non-overlapping patches to sigma_x, sigma_y,
  sigma_r (bounded softplus);
* :mod:`.bilateral`: the bilateral filter with per-pixel sigmas (vectorised, capped kernel) and the
  attention-guided bilateral filter (AGBF) that couples it with the predictor, in one or two stages;
* :mod:`.local_shuffle`: the Euclidean local shuffle (ELS) of the half-resolution images;
* :mod:`.loss`: the Filter2Noise loss (pair downsampler + ELS consistency terms and the DoG edge term);
* :mod:`.fit`: the per-image (zero-shot) fitting loop on random crops, and whole-image inference;
* :mod:`.correlated_noise` and :mod:`.sure_strength` (our extension): a model of the correlated,
  non-stationary noise measured on the fit's residual, and the choice of the sigmas' global scales by
  Stein's unbiased risk estimate; the same model can debias the patch distance (option ``patch_debias``,
  :func:`.bilateral.noise_bias`), and its spectrum can come from the input's flattest tiles instead
  (option ``sure_spectrum=flat``, :func:`.correlated_noise.flat_tile_spectrum`);
* :mod:`.nlm_candidate`: non-local means with h from the flattest window (the benchmark's peer), which SURE can
  rank against the fitted filter (option ``nlm_candidate``).
"""
