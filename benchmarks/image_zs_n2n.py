"""image/zs-n2n against classical peers on the built-in image sample, in one run.

Sample: scikit-image's camera, 256x256, white Gaussian noise sigma 25 (0..255), seed 0.
Ours: image/zs-n2n through the run contract (paper default 2000 iterations, and the demo's 800).
Peers: scikit-image's non-local means (sigma known, h = 0.8 sigma, patch 7, distance 11) and a
Gaussian filter with the best sigma on a grid (oracle-tuned against the clean image, an upper
bound for that baseline). Prints a Markdown table for docs/benchmarks.md.

    .venv/bin/python benchmarks/image_zs_n2n.py [--threads N]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch
    from scipy.ndimage import gaussian_filter
    from skimage.restoration import denoise_nl_means

    from denoisekit.image.formats import read_png
    from denoisekit.image.sample import SIGMA, build_sample
    from denoisekit.manager import PluginHost
    from denoisekit.metrics import psnr, ssim
    from denoisekit.runner import run_pipeline

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="dk-bench-"))
    inputs = build_sample(work / "sample")
    noisy = read_png(inputs.input).array.astype(np.float64)
    clean = read_png(inputs.reference).array.astype(np.float64)
    host = PluginHost(load_entrypoints=False)
    rows = [("noisy input", noisy, 0.0)]

    for iterations in (800, 2000):
        start = time.perf_counter()
        result = run_pipeline(host, "image/zs-n2n", inputs.input, work / f"zs{iterations}",
                              overrides={"iterations": iterations, "lr_step": int(0.75 * iterations)},
                              device="cpu", seed=0, show_progress=False)
        seconds = time.perf_counter() - start
        rows.append((f"denoisekit image/zs-n2n, {iterations} it.", read_png(result.output_file).array, seconds))

    start = time.perf_counter()
    nlm = denoise_nl_means(noisy / 255, h=0.8 * SIGMA / 255, sigma=SIGMA / 255, patch_size=7,
                           patch_distance=11, fast_mode=True)
    rows.append(("scikit-image NLM (h = 0.8 sigma)", np.clip(np.rint(nlm * 255), 0, 255), time.perf_counter() - start))
    best = max((psnr(gaussian_filter(noisy, s), clean, 255), s) for s in np.arange(0.5, 3.01, 0.1))
    start = time.perf_counter()
    smooth = gaussian_filter(noisy, best[1])
    rows.append((f"Gaussian filter, oracle sigma {best[1]:.1f}", smooth, time.perf_counter() - start))

    print(f"machine: {platform.processor() or platform.machine()}, torch threads {args.threads}, "
          f"torch {torch.__version__}\n")
    print("| method | PSNR (dB) | SSIM | seconds |\n|---|---|---|---|")
    for name, image, seconds in rows:
        print(f"| {name} | {psnr(image, clean, 255):.2f} | {ssim(image, clean, 255):.4f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
