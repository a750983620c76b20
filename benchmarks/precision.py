"""Samplers in bfloat16 and the Trainer with mixed precision, each against float32 in the same run.

1. **Accuracy against an exact answer.** DDIM (eta 0, VP), Heun (EDM) and predictor-corrector (VE) driven by the
   exact MMSE denoiser of a 16-dimensional Gaussian prior ``N(mu, C)`` (:class:`GaussianPriorDenoiser`), ``--draws``
   samples: everything in float32; everything in bfloat16 (prior and sampler state); and the denoiser in bfloat16
   with the sampler state in float32 (what autocast does to a network). The errors of the samples' mean
   (``||mean - mu||_inf``) and covariance (``||cov - C||_F / ||C||_F``); Monte-Carlo error alone is about
   0.03 / 0.04 at 8000 draws. The denoiser predicts x0 directly, so a score sampler's ``(D(x) - x) / sigma^2``
   at VE's smallest noise levels shows bfloat16's 8-bit mantissa in full.
2. **Speed.** A MONAI ``DiffusionModelUNet`` (2-D, one channel, channels (64, 128, 128), attention at the coarsest
   level, random seeded weights) as an eps-predictor on ``DiscreteVP(1000)``, sampled with DDIM(eta 0) for
   ``--steps`` network evaluations from the same ``x_T``: float32; the whole sampler in bfloat16 (weights and
   state); and float32 state with the network under ``torch.autocast(bfloat16)``. Seconds per step (best of
   ``--repeats``), the ratio to float32, peak CUDA memory, and the relative L2 difference from the float32 sample.
3. **Trainer.** The same UNet trained with denoising score matching (eps loss, random smooth images made on the
   device) for ``--train-steps`` steps by the core :class:`Trainer`, ``amp=False`` and, on CUDA, ``amp=True``
   (autocast bfloat16): steps per second (after ``--warmup`` steps) and the mean loss of the last 10 steps.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/precision.py [--device cuda] [--size 64] [--batch 4]

Prints Markdown tables (and writes them to ``--json`` if given).
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time

import torch
import torch.nn.functional as F

from denoisekit.denoisers import Denoiser, GaussianPriorDenoiser
from denoisekit.denoisers.monai_unet import UNetDenoiser
from denoisekit.samplers import DDIM, HeunEDM, PredictorCorrector
from denoisekit.schedules import EDM, VE, VP, DiscreteVP
from denoisekit.training.trainer import Trainer

UNET = dict(spatial_dims=2, in_channels=1, out_channels=1, channels=(64, 128, 128),
            attention_levels=(False, False, True), num_res_blocks=1, num_head_channels=32, norm_num_groups=16)
ACCURACY_CASES = {"DDIM-VP": (lambda: DDIM(0.0), VP, 100), "Heun-EDM": (HeunEDM, EDM, 30),
                  "PC-VE": (lambda: PredictorCorrector(snr=0.16), VE, 200)}


def gaussian_prior(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``mu`` uniform in [-1, 1]^16 and an SPD ``C`` with eigenvalues in [0.2, 2] (seed 0)."""
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    cov = q @ torch.diag(0.2 + 1.8 * torch.rand(16, generator=g, dtype=torch.float64)) @ q.T
    return (2 * torch.rand(16, generator=g, dtype=torch.float64) - 1).to(device), cov.to(device)


class InBFloat16(Denoiser):
    """``denoiser`` (already cast to bfloat16) on a bfloat16 copy of ``x``, its output back in ``x``'s dtype."""

    def __init__(self, denoiser: Denoiser):
        super().__init__()
        self.denoiser = denoiser

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        return self.denoiser(x.bfloat16(), sigma).to(x.dtype)


def accuracy(device: torch.device, draws: int) -> list[dict]:
    mu, cov = gaussian_prior(device)
    exact = GaussianPriorDenoiser(mu, cov).to(device)  # eigh in float64, then the buffers are cast
    half = copy.deepcopy(exact).bfloat16()  # Module.to casts in place: one copy per precision
    variants = {"float32": (exact.float(), torch.float32), "bfloat16": (half, torch.bfloat16),
                "bf16 denoiser, fp32 state": (InBFloat16(half), torch.float32)}
    rows = []
    for name, (make_sampler, make_schedule, steps) in ACCURACY_CASES.items():
        for variant, (denoiser, dtype) in variants.items():
            schedule = make_schedule()
            g = torch.Generator(device).manual_seed(1)
            x_T = schedule.prior_sample((draws, 16), generator=g, device=device).to(dtype)
            x = make_sampler().sample(denoiser, schedule, x_T, steps=steps, generator=g).double()
            mean_err = float((x.mean(0) - mu).abs().max())
            cov_err = float(torch.linalg.matrix_norm(torch.cov(x.T) - cov) / torch.linalg.matrix_norm(cov))
            rows.append({"sampler": name, "dtype": variant, "steps": steps, "mean_err": mean_err, "cov_err": cov_err})
    return rows


def unet(device: torch.device) -> torch.nn.Module:
    from monai.networks.nets import DiffusionModelUNet

    torch.manual_seed(0)
    net = DiffusionModelUNet(**UNET)
    for module in net.modules():  # MONAI zero-initialises output convolutions: give the net a non-trivial output
        if isinstance(module, torch.nn.Conv2d) and not module.weight.any():
            module.reset_parameters()
    return net.to(device)


class Autocast(torch.nn.Module):
    """``net`` run under ``torch.autocast(bfloat16)``, its output returned in the input's dtype."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, torch.bfloat16):
            return self.net(x, timesteps).to(x.dtype)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def speed(device: torch.device, size: int, batch: int, steps: int, repeats: int) -> list[dict]:
    net = unet(device).eval().requires_grad_(False)
    x_T = torch.randn(batch, 1, size, size, generator=torch.Generator().manual_seed(2)).to(device)
    modes = {"float32": (net, torch.float32), "bfloat16": (unet(device).eval().requires_grad_(False).bfloat16(),
                                                           torch.bfloat16),
             "autocast bf16": (Autocast(net), torch.float32)}
    rows, reference = [], None
    for mode, (model, dtype) in modes.items():
        denoiser = UNetDenoiser(model, DiscreteVP(1000), "eps")
        best = float("inf")
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        with torch.no_grad():
            DDIM(0.0, denoise_final=False).sample(denoiser, DiscreteVP(1000), x_T.to(dtype), steps=2)  # warm-up
            for _ in range(repeats):
                synchronize(device)
                start = time.perf_counter()
                x = DDIM(0.0, denoise_final=False).sample(denoiser, DiscreteVP(1000), x_T.to(dtype), steps=steps)
                synchronize(device)
                best = min(best, (time.perf_counter() - start) / steps)
        x = x.float()
        reference = x if reference is None else reference
        rows.append({"mode": mode, "s_per_step": best, "ratio": best / rows[0]["s_per_step"] if rows else 1.0,
                     "rel_l2_vs_fp32": float((x - reference).norm() / reference.norm()),
                     "peak_mib": torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None})
    return rows


def smooth_images(device: torch.device, batch: int, size: int, g: torch.Generator) -> torch.Tensor:
    """Random images in [-1, 1]: white noise blurred by a 4x-upsampled coarse grid (smooth blobs)."""
    coarse = torch.rand(batch, 1, size // 8, size // 8, generator=g, device=device) * 2 - 1
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)


def training(device: torch.device, size: int, batch: int, train_steps: int, warmup: int) -> list[dict]:
    schedule = DiscreteVP(1000)
    alpha_bar = (1 / (1 + torch.exp(2 * schedule.log_sigmas))).to(device, torch.float32)  # sigma^2 = 1/abar - 1

    def loss_fn(model: torch.nn.Module, _batch: int, g: torch.Generator) -> torch.Tensor:
        x0 = smooth_images(device, batch, size, g)
        t = torch.randint(0, 1000, (batch,), generator=g, device=device)
        eps = torch.randn(x0.shape, generator=g, device=device)
        a = alpha_bar[t].view(-1, 1, 1, 1)
        return F.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t).float(), eps)

    rows = []
    for amp in ([False, True] if device.type == "cuda" else [False]):
        trainer = Trainer(unet(device), loss_fn, lambda p: torch.optim.Adam(p, 2e-4), device=device, amp=amp,
                          log_every=1, progress=False)
        trainer.fit(range(10**9), warmup)
        synchronize(device)
        start = time.perf_counter()
        trainer.fit(range(10**9), warmup + train_steps)
        synchronize(device)
        elapsed = time.perf_counter() - start
        last = [loss for _, loss in trainer.history[-10:]]
        rows.append({"amp": f"autocast {trainer.amp_dtype}".replace("torch.", "") if amp else "float32",
                     "steps_per_s": train_steps / elapsed, "final_loss": sum(last) / len(last)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--draws", type=int, default=8000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    print(f"device: {device} ({name}), torch {torch.__version__}, {args.threads} CPU thread(s)\n")

    acc = accuracy(device, args.draws)
    print(f"Accuracy on the Gaussian prior ({args.draws} draws):\n\n"
          "| sampler | precision | steps | mean err | cov err |\n|---|---|---|---|---|")
    for r in acc:
        print(f"| {r['sampler']} | {r['dtype']} | {r['steps']} | {r['mean_err']:.3f} | {r['cov_err']:.3f} |")

    spd = speed(device, args.size, args.batch, args.steps, args.repeats)
    print(f"\nDDIM with the UNet, batch {args.batch} x {args.size}^2, {args.steps} steps:\n\n"
          "| mode | s / step | vs float32 | rel. L2 to float32 sample | peak MiB |\n|---|---|---|---|---|")
    for r in spd:
        peak = "-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"
        print(f"| {r['mode']} | {r['s_per_step']:.4f} | {r['ratio']:.2f}x | {r['rel_l2_vs_fp32']:.2e} | {peak} |")

    trn = training(device, args.size, args.batch, args.train_steps, args.warmup)
    print(f"\nTrainer, batch {args.batch} x {args.size}^2, {args.train_steps} timed steps:\n\n"
          "| precision | steps / s | loss (last 10) |\n|---|---|---|")
    for r in trn:
        print(f"| {r['amp']} | {r['steps_per_s']:.2f} | {r['final_loss']:.4f} |")
    if device.type != "cuda":
        print("\n(AMP needs CUDA: the Trainer refuses amp=True on a CPU, so only float32 ran.)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": name, "accuracy": acc, "speed": spd, "training": trn}, f, indent=1)


if __name__ == "__main__":
    main()
