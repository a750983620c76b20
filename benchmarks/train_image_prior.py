"""Train the prior of image/ddim, and measure image/ddim on the demo sample.

``train`` (the default) is the recipe that produced the shipped weights
``core/denoisekit/image/weights/bf_cnn_gray.pt`` (and ``bf_cnn_gray.json``, the recipe as run):

- network: a blind bias-free CNN, ``BiasFreeCNN(channels=1, width=32, depth=8)`` (Mohan et al.,
  ICLR 2020; the prior network of Kadkhodaie et al., ICLR 2024), 56k parameters;
- data: the clean tiles of the ``image-sample`` catalogue set (built offline into a temporary
  folder), **without the 16 ``camera_*`` tiles**: the demo sample is the camera picture, so it is
  held out of training to keep the demo's evaluation honest;
- batches: random 64x64 crops and random flips of both axes (DeviceLoader), white Gaussian noise
  with a per-patch sigma drawn uniformly in [0, 0.4] on the [0, 1] scale; loss: MSE of the
  denoised patch to the clean one;
- optimiser: Adam at 1e-3, cosine-annealed to 1e-5, 1200 steps of 16 patches, seeded through the
  core Trainer; the EMA of the weights (decay 0.995) is saved as a float32 ``state_dict``. The decay
  must forget the random initial weights within the run: with 0.998 they still weigh
  0.998^1200 = 9% at the end, and the saved prior was 1-4 dB worse (measured on held-out crops).

One thread is the default: on a 2-core machine shared with other jobs, two threads were 4 times
slower per step than one (oversubscription).

``evaluate`` runs image/ddim on the demo sample (256x256 camera, sigma 25 on 0..255, seed 0) for
several samplers and step counts, and the one-step MMSE estimate ``D(y)``; it prints the Markdown
table of docs/domains/image-diffusion.md.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_image_prior.py train [--steps 1200] [--threads 1]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_image_prior.py evaluate [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "core" / "denoisekit" / "image" / "weights"
HELD_OUT = "camera"  # the demo sample's picture: never trained on


def train(args: argparse.Namespace) -> None:
    import torch

    from denoisekit import catalogue
    from denoisekit.data import ArrayDataset
    from denoisekit.image.dataset import VERSION, ImageFolder, build_image_sample_set
    from denoisekit.image.prior_training import train_prior
    from denoisekit.pipeline import RunContext

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="dk-prior-") as root, catalogue.quiet():
        tiles = ImageFolder(build_image_sample_set(Path(root)))
        # The file list: every clean tile but the held-out camera picture's (the dataset builder is unchanged).
        keep = [i for i in range(len(tiles)) if not tiles.path_of(i).stem.startswith(f"{HELD_OUT}_")]
        dataset = ArrayDataset([{"x": tiles[i]["x"]} for i in keep])
    print(f"training tiles: {len(keep)} of {len(tiles)} ({len(tiles) - len(keep)} {HELD_OUT}_* tiles held out)")

    config = {"iterations": args.steps, "batch": args.batch, "patch": 64, "lr": args.lr, "ema": args.ema,
              "width": args.width, "depth": args.depth, "sigma_max": args.sigma_max}
    ctx = RunContext(device=torch.device("cpu"), seed=args.seed)
    start = time.perf_counter()
    model, trainer = train_prior(dataset, config, ctx)
    seconds = time.perf_counter() - start
    tail = [loss for _, loss in trainer.history[-8:]]  # the last 200 steps
    final_loss = float(np.mean(tail))
    print(f"{args.steps} steps in {seconds:.0f} s; training loss (mean of the last {len(tail) * 25} steps) "
          f"{final_loss:.3e}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float32).clone().contiguous() for k, v in trainer.ema.module.state_dict().items()}
    torch.save(state, out / "bf_cnn_gray.pt")
    recipe = {
        "file": "bf_cnn_gray.pt",
        "model": {"class": "denoisekit.denoisers.BiasFreeCNN", "channels": 1, "width": args.width,
                  "depth": args.depth, "parameters": sum(p.numel() for p in model.parameters())},
        "weights": f"EMA (decay {args.ema}) of the weights, float32 state_dict",
        "data": {"dataset": f"image-sample v{VERSION} (clean tiles, 128x128, [0, 1] scale)",
                 "tiles": len(keep), "held_out": f"the {len(tiles) - len(keep)} {HELD_OUT}_* tiles (the demo sample)",
                 "patch": [64, 64], "flips": "both axes, p = 1/2 each",
                 "noise": f"white Gaussian, sigma ~ U[0, {args.sigma_max}] per patch",
                 "loss": "MSE to the clean patch"},
        "steps": args.steps, "batch": args.batch, "lr": args.lr,
        "lr_schedule": f"cosine annealing to {args.lr / 100:g}", "optimizer": "Adam", "seed": args.seed,
        "seconds": round(seconds, 1), "threads": args.threads,
        "machine": platform.processor() or platform.machine(), "torch": torch.__version__,
        "final_training_loss": final_loss, "loss_history": [[s, round(v, 7)] for s, v in trainer.history[::8]],
        "script": "benchmarks/train_image_prior.py train",
    }
    (out / "bf_cnn_gray.json").write_text(json.dumps(recipe, indent=1) + "\n")
    print(f"wrote {out / 'bf_cnn_gray.pt'} ({(out / 'bf_cnn_gray.pt').stat().st_size} bytes)")


def evaluations(sampler: str, steps: int, final: bool) -> int:
    """Denoiser evaluations of a run: Heun and PC take two per step, the others one."""
    if steps == 0:
        return 1
    return (2 if sampler in ("heun", "pc") else 1) * steps + int(final)


def held_out_crops() -> dict[str, np.ndarray]:
    """256x256 gray crops of two scikit-image pictures that are not in the image-sample set, [0, 1]."""
    from skimage import data

    from denoisekit.image.dataset import RGB_TO_GRAY

    def gray(rgb: np.ndarray) -> np.ndarray:
        return np.asarray(rgb, dtype=np.float64)[..., :3] @ np.asarray(RGB_TO_GRAY) / 255

    return {"immunohistochemistry": gray(data.immunohistochemistry())[128:384, 128:384],
            "retina": gray(data.retina())[600:856, 600:856]}


def evaluate(args: argparse.Namespace) -> None:
    import torch

    from denoisekit.image.ddim_record import DDIM_PIPELINE as record
    from denoisekit.image.formats import read_png
    from denoisekit.image.sample import SIGMA, build_sample
    from denoisekit.metrics import psnr, ssim
    from denoisekit.pipeline import RunContext
    from denoisekit.sample import Sample

    torch.set_num_threads(args.threads)
    pipeline = record.factory()

    def run(sample: Sample, seed: int = 0, **options: object) -> tuple[np.ndarray, float, dict]:
        ctx = RunContext(device=torch.device("cpu"), seed=seed, show_progress=False)
        start = time.perf_counter()
        result = pipeline(sample, record.defaults() | options, ctx)
        return result.sample.array, time.perf_counter() - start, dict(result.notes)

    with tempfile.TemporaryDirectory(prefix="dk-ddim-") as work:
        inputs = build_sample(Path(work))
        noisy, clean = read_png(inputs.input), read_png(inputs.reference).array.astype(np.float64)
    _, _, notes = run(noisy)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {args.threads}, "
          f"torch {torch.__version__}; estimated sigma (sigma=0): {notes['sigma']:.2f} (true {SIGMA})\n")

    cases = [("heun", 0, {}), ("heun", 5, {}), ("heun", 10, {}), ("heun", 20, {}),
             ("heun", 10, {"denoise_final": True}), ("heun", 10, {"churn": 10.0}),
             ("euler", 10, {}), ("euler", 20, {}), ("euler", 10, {"denoise_final": True}),
             ("ddim", 10, {}), ("ddim", 10, {"eta": 0.5}),
             ("ddpm", 10, {}), ("ddpm", 20, {}), ("pc", 10, {}), ("pc", 20, {}), ("euler-maruyama", 10, {})]
    print("| `sampler`, `steps`, options | evaluations | PSNR (dB) | SSIM | seconds |\n|---|---|---|---|---|")
    print(f"| noisy input | | {psnr(noisy.array, clean, 255):.2f} | {ssim(noisy.array, clean, 255):.4f} | |")
    for sampler, steps, options in cases:
        stochastic = sampler in ("ddpm", "pc", "euler-maruyama") or options.get("eta") or options.get("churn")
        for seed in (0, 1) if stochastic else (0,):
            out, seconds, _ = run(noisy, seed, sampler=sampler, steps=steps, sigma=SIGMA, **options)
            out = np.clip(np.rint(out), 0, 255)
            label = "MMSE, one evaluation D(y)" if steps == 0 else f"`{sampler}`, {steps}"
            label += "".join(f", {k}={v}" for k, v in options.items()) + (f", seed {seed}" if stochastic else "")
            n = evaluations(sampler, steps, bool(options.get("denoise_final", record.defaults()["denoise_final"])))
            print(f"| {label} | {n} | {psnr(out, clean, 255):.2f} | {ssim(out, clean, 255):.4f} | {seconds:.2f} |")

    print("\n| picture, sigma | noisy | MMSE (steps=0) | euler 10 | heun 10 | heun 10, denoise_final | ddpm 10 |")
    print("|---|---|---|---|---|---|---|")
    for name, image in held_out_crops().items():
        for sigma in (0.05, 0.1):
            y = image + sigma * np.random.default_rng(0).standard_normal(image.shape)
            sample = Sample(y, "HW", "npy", data_range=1.0)
            outs = [run(sample, sampler=s, steps=n, sigma=sigma, **o)[0] for s, n, o in (
                ("heun", 0, {}), ("euler", 10, {}), ("heun", 10, {}), ("heun", 10, {"denoise_final": True}),
                ("ddpm", 10, {}))]
            print(f"| {name}, {sigma} | " + " | ".join(f"{psnr(o, image, 1.0):.2f}" for o in [y, *outs]) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="train", choices=("train", "evaluate"))
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--ema", type=float, default=0.995)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--sigma-max", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(WEIGHTS_DIR))
    args = parser.parse_args()
    (train if args.command == "train" else evaluate)(args)


if __name__ == "__main__":
    main()
