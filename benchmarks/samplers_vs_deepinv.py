"""Our DDIM, DPS and RED-diff samplers against deepinv's DDIM and DPS: time per step and peak memory.

Same network on both sides: a tiny MONAI ``DiffusionModelUNet`` (2D, 1 channel, channels (32, 64, 64),
attention only at the coarsest level, one res block, 8 groups, random weights, seed 0), trained-as-if
eps-prediction on a 1000-step linear-beta DDPM schedule. Batch 1, float32, 1 torch thread by default.

- Ours: ``UNetDenoiser(net, DiscreteVP(1000), "eps")`` with ``DDIM(eta=0)``, ``DPS(zeta=1, eta=1)`` and
  ``REDDiff(lr=0.5, lam=0.25)``, all with ``denoise_final=False`` so that ``steps`` network evaluations is all
  the work. DPS and RED-diff solve inpainting (``Mask``, half the pixels kept at random, y = A x + 0.05 n).
- deepinv 0.5.0: ``VariancePreservingDiffusion`` + ``DDIMSolver`` (eta = 0) and ``deepinv.sampling.DPS``
  (VP schedule, ``"ddpm"`` solver, ``guidance="norm"``, weight 1), on the same UNet through
  :class:`MonaiEpsDenoiser`, a ``deepinv.models.Denoiser`` (``D(x, sigma)`` with ``x = x0 + sigma eps``: the net
  gets ``x_t = x / sqrt(1 + sigma^2)`` at the training time whose noise level is ``sigma``, interpolated on the
  schedule's table, and ``x0 = x - sigma eps``). ``minus_one_one=False`` (the net works on [-1, 1] already)
  and ``dtype=float32`` (deepinv's default float64 state is the ``--deepinv-float64`` variant).
  The timesteps ``linspace(1, 0, steps + 1)`` give ``steps`` network evaluations; the denoiser never runs at t = 0.
  deepinv has no RED-diff: ours is set against deepinv's DDIM (same network evaluations, no backpropagation
  through the network) and DPS.

Equal work is checked, not assumed: every case counts its network calls (the ratio is per call), and a
check run drives deepinv's ``DDIMSolver`` on ``EDMDiffusionSDE`` with our ``DiscreteVP`` noise levels and our
time grid, from the same x_T: its sample must equal our DDIM's (maximum difference printed).

Time per step = time of a whole sampling run / network calls in it. All cases (and two floors: the bare UNet
forward, and forward + vector-Jacobian product) run in one process, one run each in turn, the order reversed
every round, after a warm-up run each, so that a case and its peer are timed close together under the same load
of a shared machine. The table gives, over ``--repeats`` rounds, the best wall time (the least disturbed run) and
the median process CPU time (``time.process_time``: user + system time of the process, which other processes
disturb much less than wall time), the ratios ours / deepinv (lower is better) of those, and the range of the
wall-time ratios of runs in the same round. A second table repeats the timing with a 1x1 convolution in place
of the UNet (``--overhead-steps`` steps): the sampler's own cost per step, which the UNet otherwise hides.
Memory: each case in ``--memory-runs`` fresh processes (median). After the model and data are built and one
bare network call initialised the libraries, the resident set size (RSS) before sampling is read and the
kernel's high-water mark is reset (``/proc/self/clear_refs``, ``5``); after one sampling run, ``VmHWM`` is the
peak RSS during sampling. The table gives that peak and the increment over the RSS before it (the sampler's
working memory; the absolute peak also counts what each side imports: deepinv brings torchvision and
torchmetrics). Not tracemalloc: the tensors live in torch's C++ allocator, which it does not see.

The peer environment is separate from .venv (torch stays .venv's 2.11.0; nothing is installed into .venv)::

    .venv/bin/python -m pip install --target /tmp/dk-peer --no-deps --only-binary=:all: \\
        -c constraints.txt -r benchmarks/requirements-deepinv.txt

(``--no-deps`` because ``--target`` ignores the installed torch and would fetch another; the requirements file
lists deepinv's missing dependencies too, pinned). torchvision 0.26.0 is the release for torch 2.11.0
(its metadata: ``Requires-Dist: torch==2.11.0``). Run::

    .venv/bin/python benchmarks/samplers_vs_deepinv.py --peer /tmp/dk-peer [--sizes 64 128] [--steps 20 10]
        [--repeats 7] [--memory-runs 3] [--overhead-steps 200] [--threads 1] [--deepinv-float64] [--json FILE]

If ``import torchvision`` fails with ``operator torchvision::nms does not exist`` (a CUDA torchvision whose
``_C.so`` cannot load beside a CPU-only torch), the worker defines the two ops with ``torch.library`` and
imports again (checked by deleting ``torchvision/_C.so`` from a copy of the peer folder); with .venv's torch
2.11.0+cu130 the ``_C.so`` loads and the shim is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER = ("deepinv-ddim", "deepinv-dps")
PEER64 = ("deepinv-ddim-f64", "deepinv-dps-f64")
# (our case, the deepinv case it is compared with)
PAIRS = (("ours-ddim", "deepinv-ddim"), ("ours-dps", "deepinv-dps"),
         ("ours-reddiff", "deepinv-ddim"), ("ours-reddiff", "deepinv-dps"))
LABELS = {
    "ours-ddim": "DDIM, eta 0", "ours-dps": "DPS, ancestral (eta 1)", "ours-reddiff": "RED-diff",
    "deepinv-ddim": "DDIM (DDIMSolver)", "deepinv-dps": "DPS (ddpm solver)",
    "deepinv-ddim-f64": "DDIM, float64 state", "deepinv-dps-f64": "DPS, float64 state",
    "unet": "forward (no autograd)", "unet-vjp": "forward + vector-Jacobian product",
}
UNET = dict(spatial_dims=2, in_channels=1, out_channels=1, channels=(32, 64, 64),
            attention_levels=(False, False, True), num_res_blocks=1, num_head_channels=8, norm_num_groups=8)


# --------------------------------------------------------------------------------------------- worker side

def _status_kib(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1))


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def import_deepinv(peer: str | None):
    """deepinv from the peer folder, with the torchvision nms shim if its C++ ops cannot load."""
    if peer:
        sys.path.append(peer)
    import torch

    try:
        import torchvision  # noqa: F401
    except RuntimeError as err:
        if "torchvision::nms" not in str(err):
            raise
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import_deepinv._shim = lib  # keep the library alive
        import torchvision  # noqa: F401
    import deepinv

    return deepinv


def build_net(kind: str = "unet"):
    """``"null"``: a 1x1 convolution standing in for the network (``net(x, t) = w x``), so that a step's time is
    the sampler's own overhead. ``"unet"``: the tiny UNet with seeded random weights. MONAI zero-initialises the
    last convolution of each block and of the output (so that a fresh net predicts 0); those get PyTorch's
    default init here, so that the net predicts a non-trivial eps (the arithmetic is the same either way)."""
    import torch
    from monai.networks.nets import DiffusionModelUNet

    torch.manual_seed(0)
    if kind == "null":

        class Null(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(1, 1, 1, bias=False)

            def forward(self, x, timesteps):
                return self.conv(x)

        net = Null().eval()
    else:
        net = DiffusionModelUNet(**UNET).eval()
    for module in net.modules():
        if isinstance(module, torch.nn.Conv2d) and not module.weight.any():
            module.reset_parameters()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def make_adapter(dinv):
    import torch

    class MonaiEpsDenoiser(dinv.models.Denoiser):
        """A MONAI eps-net trained on a discrete DDPM schedule as a deepinv ``Denoiser``: ``D(x, sigma)`` for
        ``x = x0 + sigma eps``. The net's time is the (fractional) training step whose noise level is ``sigma``
        (log-sigma interpolated on the table, clamped to its ends), its input ``x_t = x / sqrt(1 + sigma^2)``."""

        def __init__(self, net: torch.nn.Module, alphas_cumprod: torch.Tensor):
            super().__init__()
            self.net = net
            self.register_buffer("log_sigmas", 0.5 * torch.log(1 / alphas_cumprod.double() - 1), persistent=False)

        def forward(self, x: torch.Tensor, sigma, **kwargs) -> torch.Tensor:
            sigma = self._handle_sigma(sigma, batch_size=x.size(0), device=x.device, dtype=x.dtype)
            table = self.log_sigmas
            log_sigma = torch.log(sigma.double()).clamp(table[0], table[-1])
            i = (torch.searchsorted(table, log_sigma) - 1).clamp(0, len(table) - 2)
            t = i + (log_sigma - table[i]) / (table[i + 1] - table[i])
            sigma = sigma.view(-1, *([1] * (x.ndim - 1)))
            eps = self.net(x * torch.rsqrt(1 + sigma**2), t.to(x.dtype))
            return x - sigma * eps

    return MonaiEpsDenoiser


class Counted:
    """Counts the calls of a module's forward (the network evaluations of a sampling run)."""

    def __init__(self, net):
        self.calls = 0
        self._hook = net.register_forward_pre_hook(self._count)

    def _count(self, module, args):
        self.calls += 1


def build_problem(size: int):
    """The clean image (a smooth pattern in [-1, 1]), the random half mask and y = m x + 0.05 n (seeded)."""
    import torch

    g = torch.Generator().manual_seed(1)
    r = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    clean = (0.6 * torch.sin(3 * xx) * torch.cos(2 * yy) + 0.3 * ((xx**2 + yy**2) < 0.3).float()).clamp(-1, 1)
    clean = clean.view(1, 1, size, size)
    mask = (torch.rand(1, 1, size, size, generator=g) < 0.5).float()
    y = mask * clean + 0.05 * torch.randn(clean.shape, generator=g) * mask
    return clean, mask, y


def make_runner(case: str, net, size: int, steps: int, peer: str | None):
    """A no-argument callable running one whole sampling run for ``case``."""
    import torch
    from monai.networks.schedulers import Scheduler

    _, mask, y = build_problem(size)
    shape = (1, 1, size, size)
    alphas_cumprod = Scheduler(1000, "linear_beta").alphas_cumprod
    if case.startswith("ours"):
        from denoisekit.denoisers import UNetDenoiser
        from denoisekit.operators import Mask
        from denoisekit.samplers import DDIM
        from denoisekit.schedules import DiscreteVP

        schedule = DiscreteVP(1000)
        denoiser = UNetDenoiser(net, schedule, "eps")
        op = Mask(mask)
        gen = torch.Generator().manual_seed(0)
        if case == "ours-ddim":
            sampler = DDIM(eta=0.0, denoise_final=False)
            return lambda: sampler.sample(denoiser, schedule, shape, steps=steps, generator=gen)
        if case == "ours-dps":
            DPS = _our_sampler("dps", "DPS")
            sampler = DPS(zeta=1.0, eta=1.0, denoise_final=False)
        else:
            REDDiff = _our_sampler("red_diff", "REDDiff")
            sampler = REDDiff(lr=0.5, lam=0.25)
        return lambda: sampler.sample(denoiser, schedule, shape, y=y, op=op, steps=steps, generator=gen)

    dinv = import_deepinv(peer)
    denoiser = make_adapter(dinv)(net, alphas_cumprod)
    dtype = torch.float64 if case.endswith("-f64") else torch.float32
    rng = torch.Generator().manual_seed(0)
    timesteps = torch.linspace(1, 0, steps + 1, dtype=dtype)
    if case.startswith("deepinv-ddim"):
        sde = dinv.sampling.VariancePreservingDiffusion(
            denoiser=denoiser, solver=dinv.sampling.DDIMSolver(timesteps=timesteps, rng=rng),
            minus_one_one=False, dtype=dtype)
        return lambda: sde.sample(shape)
    physics = dinv.physics.Inpainting(img_size=shape[1:], mask=mask[0])
    dps = dinv.sampling.DPS(denoiser, schedule="vp", solver="ddpm", num_steps=steps + 1, weight=1.0,
                            minus_one_one=False, dtype=dtype, rng=rng)
    return lambda: dps(y, physics, x_init=shape)


def _our_sampler(module: str, name: str):
    import importlib

    import denoisekit.samplers as samplers

    if hasattr(samplers, name):
        return getattr(samplers, name)
    return getattr(importlib.import_module(f"denoisekit.samplers.{module}"), name)


def bare_runner(kind: str, net, size: int, steps: int):
    """``steps`` bare network calls (``unet``: forward without autograd; ``unet-vjp``: forward and the
    vector-Jacobian product DPS needs), the floor under a sampler's step."""
    import torch

    x, t = torch.randn(1, 1, size, size, generator=torch.Generator().manual_seed(2)), torch.tensor([500.0])

    def run():
        for _ in range(steps):
            if kind == "unet":
                with torch.no_grad():
                    out = net(x, t)
            else:
                xg = x.clone().requires_grad_(True)
                with torch.enable_grad():
                    (out,) = torch.autograd.grad(net(xg, t).square().sum(), xg)
        return out

    return run


def setup(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    return build_net(args.net)


def worker(args) -> dict:
    """One case in a fresh process: the peak RSS of one sampling run over the RSS before it."""
    import torch

    net = setup(args)
    run = make_runner(args.worker, net, args.size, args.steps, args.peer)
    counter = Counted(net)
    with torch.no_grad():  # initialise the libraries (oneDNN, allocator) before memory is measured
        net(torch.zeros(1, 1, args.size, args.size), torch.tensor([500.0]))
    rss_before = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    counter.calls = 0
    out = run()
    peak = _status_kib("VmHWM") if reset else None
    if not torch.isfinite(out).all():
        raise FloatingPointError(f"{args.worker} produced NaN/Inf")
    return {
        "case": args.worker, "size": args.size, "steps": args.steps, "nfe": counter.calls,
        "rss_before_mib": rss_before / 1024, "peak_rss_mib": peak / 1024 if peak else None,
        "peak_increment_mib": (peak - rss_before) / 1024 if peak else None,
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def interleave(args) -> dict:
    """All cases in one process, one run each in turn (the order reversed every round), so that a case and its
    peer are timed close together under the same load. Wall and process CPU time per network call."""
    net = setup(args)
    cases = args.cases
    runs = {c: (bare_runner(c, net, args.size, args.steps) if c.startswith("unet")
                else make_runner(c, net, args.size, args.steps, args.peer)) for c in cases}
    counter = Counted(net)
    nfe = {}
    for c in cases:  # warm-up, and the network calls per run
        counter.calls = 0
        runs[c]()
        nfe[c] = counter.calls
    rows = []
    for r in range(args.repeats):
        for c in (cases if r % 2 == 0 else cases[::-1]):
            load = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            runs[c]()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows.append({"case": c, "round": r, "wall_s": wall / nfe[c], "cpu_s": cpu / nfe[c], "load": load})
    return {"size": args.size, "steps": args.steps, "nfe": nfe, "rows": rows}


def check(args) -> dict:
    """deepinv's DDIMSolver on our schedule and grid, from our x_T, against our DDIM: the same sample."""
    import torch
    from monai.networks.schedulers import Scheduler

    from denoisekit.denoisers import UNetDenoiser
    from denoisekit.samplers import DDIM
    from denoisekit.schedules import DiscreteVP

    torch.set_num_threads(args.threads)
    dinv = import_deepinv(args.peer)
    net = build_net()
    schedule = DiscreteVP(1000)
    steps, size = args.steps, args.size
    ts = schedule.timesteps(steps)
    x_T = float(schedule.scale(ts[0]) * schedule.sigma(ts[0])) * torch.randn(1, 1, size, size,
                                                                             generator=torch.Generator().manual_seed(3))
    ours = DDIM(eta=0.0, denoise_final=False).sample(UNetDenoiser(net, schedule, "eps"), schedule, x_T.clone(),
                                                     steps=steps)
    denoiser = make_adapter(dinv)(net, Scheduler(1000, "linear_beta").alphas_cumprod)
    sde = dinv.sampling.EDMDiffusionSDE(
        sigma_t=lambda t: schedule.sigma(t.float()), variance_preserving=True, T=schedule.t_max, denoiser=denoiser,
        solver=dinv.sampling.DDIMSolver(timesteps=ts.float()), minus_one_one=False, dtype=torch.float32)
    with torch.no_grad():
        theirs = sde.sample(x_T.clone())
    return {"max_abs_diff": float((ours - theirs).abs().max()), "ours_std": float(ours.std()),
            "steps": steps, "size": size}


# --------------------------------------------------------------------------------------------- driver side

def spawn(extra: list[str], args) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "core"), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, str(Path(__file__).resolve()), *extra, "--threads", str(args.threads),
           "--repeats", str(args.repeats)] + (["--peer", args.peer] if args.peer else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(extra)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def available_cases(args) -> list[str]:
    import importlib.util

    cases = ["ours-ddim"]
    for case, module in (("ours-dps", "dps"), ("ours-reddiff", "red_diff")):
        if importlib.util.find_spec(f"denoisekit.samplers.{module}") is not None:
            cases.append(case)
        else:
            print(f"note: denoisekit.samplers.{module} not found, {case} skipped", file=sys.stderr)
    return cases + list(PEER) + (list(PEER64) if args.deepinv_float64 else [])


def versions(args) -> dict:
    import monai
    import torch

    info = {"python": platform.python_version(), "torch": torch.__version__, "monai": monai.__version__}
    for dist in ("deepinv", "torchvision"):
        found = sorted(Path(args.peer).glob(f"{dist}-*.dist-info")) if args.peer else []
        info[dist] = found[0].name[len(dist) + 1:-len(".dist-info")] if found else "?"
    return info


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", default=os.environ.get("DK_PEER", "/tmp/dk-peer"),
                        help="the folder deepinv and torchvision were installed into with pip --target")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64])
    parser.add_argument("--steps", type=int, nargs="+", default=None,
                        help="steps (network evaluations) per run, one per size; default 20 at 64, 10 above")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each case, interleaved, after a warm-up")
    parser.add_argument("--memory-runs", type=int, default=3, help="fresh processes per case for the memory")
    parser.add_argument("--overhead-steps", type=int, default=200,
                        help="steps of the sampler-overhead runs (a 1x1 convolution as the network); 0 skips them")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--deepinv-float64", action="store_true", help="also time deepinv's default float64 state")
    parser.add_argument("--json", type=Path, help="write every measurement to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--interleave", nargs="+", dest="cases", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=64, help=argparse.SUPPRESS)
    parser.add_argument("--net", default="unet", choices=("unet", "null"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker or args.cases or args.check:
        args.steps = args.steps[0] if args.steps else 20
        print(json.dumps(check(args) if args.check else worker(args) if args.worker else interleave(args)))
        return

    steps = args.steps or [20 if s <= 64 else 10 for s in args.sizes]
    if len(steps) == 1:
        steps = steps * len(args.sizes)
    cases = available_cases(args)
    info = versions(args)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, {args.threads} torch thread(s), "
          f"load {os.getloadavg()[0]:.2f}; " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    chk = spawn(["--check", "--size", "64", "--steps", "10"], args)
    print(f"# check: deepinv DDIMSolver on our DiscreteVP grid vs our DDIM, 64x64, 10 steps, same x_T: "
          f"max |difference| {chk['max_abs_diff']:.1e} (sample std {chk['ours_std']:.1f})", flush=True)
    memory, timing, overhead = [], [], []
    for size, n in zip(args.sizes, steps, strict=True):
        for case in cases:
            for _ in range(args.memory_runs):
                memory.append(spawn(["--worker", case, "--size", str(size), "--steps", str(n)], args))
                print(f"# memory {size}px {case}: peak {memory[-1]['peak_rss_mib']:.0f} MiB, "
                      f"+{memory[-1]['peak_increment_mib']:.1f} MiB while sampling", file=sys.stderr, flush=True)
        timing.append(spawn(["--interleave", *cases, "unet", "unet-vjp", "--size", str(size), "--steps", str(n)],
                            args))
        print(f"# timing {size}px done, load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
        if args.overhead_steps:
            overhead.append(spawn(["--interleave", *cases, "unet", "unet-vjp", "--size", str(size), "--steps",
                                   str(args.overhead_steps), "--net", "null"], args))
            print(f"# overhead {size}px done, load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps({"versions": info, "check": chk, "memory": memory, "timing": timing,
                                         "overhead": overhead}, indent=1))
    print(table(memory, timing, cases, args))
    if overhead:
        print()
        print(overhead_table(overhead, cases, args))


def _per_case(block: dict) -> dict[str, list[dict]]:
    per: dict[str, list[dict]] = {}
    for r in block["rows"]:
        per.setdefault(r["case"], []).append(r)
    return per


def _speeds(rows: list[dict]) -> tuple[float, float]:
    """Best wall time (the least disturbed run) and median CPU time per step."""
    return min(r["wall_s"] for r in rows), statistics.median(r["cpu_s"] for r in rows)


def table(memory: list[dict], timing: list[dict], cases: list[str], args) -> str:
    med = statistics.median
    lines = [f"Time per network call: best wall time and median process CPU time of {args.repeats} interleaved runs; "
             f"memory: median of {args.memory_runs} fresh processes, one run each.", "",
             "| size | steps | sampler | wall ms / step (best) | CPU ms / step (median) | peak RSS MiB | "
             "+ MiB while sampling |", "|---|---|---|---|---|---|---|"]
    ratios = ["| size | ours / deepinv | time (best wall) | time (median CPU) | same-round wall ratios, min-max | "
              "memory (+ MiB while sampling) | peak RSS |", "|---|---|---|---|---|---|---|"]
    for block in timing:
        size, n = block["size"], block["steps"]
        per = _per_case(block)
        mem = {c: (med(m["peak_rss_mib"] for m in memory if m["size"] == size and m["case"] == c),
                   med(m["peak_increment_mib"] for m in memory if m["size"] == size and m["case"] == c))
               for c in cases}
        for c in [*cases, "unet", "unet-vjp"]:
            wall, cpu = _speeds(per[c])
            if c in mem:
                who = "denoisekit" if c.startswith("ours") else "deepinv"
                lines.append(f"| {size}² | {n} | {who} {LABELS[c]} | {fmt_ms(wall)} | {fmt_ms(cpu)} | "
                             f"{mem[c][0]:.0f} | {mem[c][1]:.1f} |")
            else:
                lines.append(f"| {size}² | {n} | bare UNet, {LABELS[c]} | {fmt_ms(wall)} | {fmt_ms(cpu)} | | |")
        for ours, peer in PAIRS:
            if ours not in per or peer not in per:
                continue
            (wa, ca), (wb, cb) = _speeds(per[ours]), _speeds(per[peer])
            paired = sorted(a["wall_s"] / b["wall_s"] for a in per[ours] for b in per[peer] if a["round"] == b["round"])
            ratios.append(f"| {size}² | {LABELS[ours]} / {LABELS[peer]} | {wa / wb:.2f} | {ca / cb:.2f} | "
                          f"{paired[0]:.2f}-{paired[-1]:.2f} | {mem[ours][1] / mem[peer][1]:.2f} | "
                          f"{mem[ours][0] / mem[peer][0]:.2f} |")
    loads = [r["load"] for b in timing for r in b["rows"]]
    return "\n".join([*lines, "", *ratios, "", f"1-minute load average during the timed runs: "
                                               f"{min(loads):.1f} to {max(loads):.1f} (on {os.cpu_count()} cores)"])


def overhead_table(overhead: list[dict], cases: list[str], args) -> str:
    """The sampler's own cost per step, with a 1x1 convolution as the network."""
    lines = [f"Sampler overhead: a 1x1 convolution as the network, {args.overhead_steps} steps; microseconds per "
             f"step, best wall and median CPU of {args.repeats} interleaved runs.", "",
             "| size | sampler | wall µs / step (best) | CPU µs / step (median) |", "|---|---|---|---|"]
    ratios = ["| size | ours / deepinv | overhead (best wall) | overhead (median CPU) |", "|---|---|---|---|"]
    for block in overhead:
        size, per = block["size"], _per_case(block)
        for c in [*cases, "unet", "unet-vjp"]:
            wall, cpu = _speeds(per[c])
            who = ("denoisekit " if c.startswith("ours") else "deepinv " if c.startswith("deepinv")
                   else "the 1x1 convolution alone, ")
            lines.append(f"| {size}² | {who}{LABELS[c]} | {wall * 1e6:.0f} | {cpu * 1e6:.0f} |")
        for ours, peer in PAIRS:
            if ours in per and peer in per:
                (wa, ca), (wb, cb) = _speeds(per[ours]), _speeds(per[peer])
                ratios.append(f"| {size}² | {LABELS[ours]} / {LABELS[peer]} | {wa / wb:.2f} | {ca / cb:.2f} |")
    return "\n".join([*lines, "", *ratios])


if __name__ == "__main__":
    main()
