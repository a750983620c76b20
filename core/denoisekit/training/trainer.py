"""A small trainer: seeded, EMA, mixed precision on CUDA, gradient clipping, a progress bar with
the loss, atomic resumable checkpoints, and DistributedDataParallel when run under ``torchrun``.

The loss is a function ``loss_fn(model, batch, generator) -> scalar tensor``: it owns every random
draw of a training step (noise levels, noise, masks), taken from ``generator``, so that a step
depends only on the weights, the batch and the generator state, all of which a checkpoint keeps.
A self-supervised loss of ``denoisekit.losses`` can be given as it is: it is called through
:func:`~denoisekit.losses.base.make_loss_fn` (``y`` is the batch or its ``"y"`` entry, and the loss's
``batch_keys`` bring the rest, e.g. Noise2Noise's ``"y2"``), and its own state (Noise2Score's
annealing counter) is checkpointed with the rest.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from denoisekit.checkpoint import load_weights
from denoisekit.errors import InputError
from denoisekit.training.checkpoints import checkpoint_path, checkpoints, prune, save_atomic
from denoisekit.training.distributed import rank_and_world
from denoisekit.training.ema import EMA
from denoisekit.training.progress import LossBar

FORMAT = "denoisekit.trainer/1"
LossFn = Callable[[nn.Module, Any, torch.Generator], torch.Tensor]
Data = Iterable | Callable[[int], Iterable]


def derived_seed(seed: int, *parts: int) -> int:
    """A 63-bit seed for ``(seed, *parts)``, e.g. one per rank: nearby tuples give unrelated seeds."""
    return int(np.random.SeedSequence([seed, *parts]).generate_state(1, np.uint64)[0] >> 1)


def to_device(batch: Any, device: torch.device) -> Any:
    """Tensors in ``batch`` (a tensor, or dicts, lists and tuples of them) moved to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def _state_of(loss_fn: Any) -> dict[str, Any] | None:
    """The loss's own state (a module's buffers, e.g. Noise2Score's step counter), or None."""
    state = loss_fn.state_dict() if hasattr(loss_fn, "state_dict") else None
    return state or None


def _step_loss(loss_fn: Any) -> LossFn:
    """``loss_fn`` as ``(model, batch, generator) -> loss``: a self-supervised loss through the one adapter,
    :func:`~denoisekit.losses.base.make_loss_fn` (its ``batch_keys``, e.g. Noise2Noise's ``"y2"``, included)."""
    from denoisekit.losses.base import SelfSupervisedLoss, make_loss_fn

    return make_loss_fn(loss_fn) if isinstance(loss_fn, SelfSupervisedLoss) else loss_fn


def _resumable(data: Any) -> bool:
    return hasattr(data, "state_dict") and hasattr(data, "load_state_dict")


class Trainer:
    """Train ``model`` on ``loss_fn(model, batch, generator)`` with a seeded per-rank generator.

    optimizer: an optimiser over ``model``'s parameters, or a factory ``params -> optimizer``.
    scheduler: an LR scheduler, or a factory ``optimizer -> scheduler``; stepped after every step.
    amp: ``"auto"`` uses autocast (bf16, else fp16 with a GradScaler) on CUDA only; ``True``
        demands CUDA; ``False`` trains in the model's dtype.
    ema_decay: keep an :class:`EMA` of the weights (``trainer.ema.module``); None for none.
    grad_clip: clip the global gradient L2 norm to this value; None for no clipping.
    checkpoint_dir, checkpoint_every, keep: write ``step-*.pt`` every ``checkpoint_every`` steps and
        at the end of :meth:`fit`, keeping the newest ``keep``.
    log_every: read the loss (a device sync) every ``log_every`` steps into ``history`` and the bar.
    progress: report progress on rank 0, on stderr: a bar on a terminal, else log lines (:mod:`denoisekit.progress`).

    Under ``torchrun`` (call :func:`~denoisekit.training.distributed.init_distributed` first) the
    model is wrapped in DistributedDataParallel, each rank draws from its own generator seeded from
    ``(seed, rank)``, and rank 0 alone writes checkpoints and shows progress. The global torch RNG
    (dropout) is seeded per rank too.
    """

    def __init__(self, model: nn.Module, loss_fn: LossFn,
                 optimizer: Optimizer | Callable[[Iterator[nn.Parameter]], Optimizer], *,
                 scheduler: LRScheduler | Callable[[Optimizer], LRScheduler] | None = None,
                 device: str | torch.device = "cpu", seed: int = 0,
                 ema_decay: float | None = None, grad_clip: float | None = None, amp: bool | str = "auto",
                 checkpoint_dir: str | Path | None = None, checkpoint_every: int | None = None, keep: int = 3,
                 log_every: int = 10, progress: bool = True):
        if keep < 1 or log_every < 1 or (checkpoint_every is not None and checkpoint_every < 1):
            raise ValueError("keep, log_every and checkpoint_every must be at least 1")
        self.device = torch.device(device)
        self.rank, self.world_size = rank_and_world()
        self.model = model.to(self.device)
        self.module: nn.Module = self.model
        if self.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.module = DistributedDataParallel(self.model, device_ids=ids)
        self.loss_fn = loss_fn.to(self.device) if isinstance(loss_fn, nn.Module) else loss_fn
        self._step_loss = _step_loss(self.loss_fn)
        self.optimizer = optimizer(self.model.parameters()) if callable(optimizer) else optimizer
        self.scheduler = scheduler(self.optimizer) if callable(scheduler) else scheduler
        self.ema = None if ema_decay is None else EMA(self.model, ema_decay)
        self.grad_clip = grad_clip

        use_amp = self.device.type == "cuda" if amp == "auto" else bool(amp)
        if use_amp and self.device.type != "cuda":
            raise ValueError(f"amp=True needs a CUDA device, not {self.device} (mixed precision runs on CUDA only)")
        self.amp_dtype = None
        if use_amp:
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)

        torch.manual_seed(derived_seed(seed, self.rank, 0))
        self.generator = torch.Generator(self.device).manual_seed(derived_seed(seed, self.rank, 1))

        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every, self.keep = checkpoint_every, keep
        self.log_every, self.progress = log_every, progress
        self.step = self.epoch = self.position = 0
        self.history: list[tuple[int, float]] = []
        self._saved_step = -1
        self._data_state: Any = None  # the data position read from a checkpoint, until fit() uses it
        self._live: tuple[Data, Iterator[Any]] | None = None

    def fit(self, data: Data, steps: int) -> None:
        """Train until ``step == steps`` (a total, so a resumed run is given the same ``steps``).

        ``data`` is re-iterated epoch after epoch: an iterable (a list, a loader) or a function
        ``epoch -> iterable``. A source with ``state_dict``/``load_state_dict`` (such as
        :class:`~denoisekit.data.DeviceLoader`) is checkpointed and resumes itself; any other is
        assumed to repeat its batches for a given epoch, and a resumed run skips the batches of the
        current epoch already trained on. Calling ``fit`` again with the same ``data`` continues.
        """
        if self._live is None or self._live[0] is not data:
            self._live = (data, self._batches(data))
        batches = self._live[1]
        with LossBar(steps, self.step, self.progress and self.rank == 0) as bar:
            while self.step < steps:
                loss = self._train_step(next(batches))
                if self.step % self.log_every == 0 or self.step == steps:
                    self.history.append((self.step, loss.item()))
                    bar.update(self.step, self.history[-1][1])
                else:
                    bar.update(self.step)
                if self.checkpoint_every and self.step % self.checkpoint_every == 0 and self.checkpoint_dir:
                    self.save_checkpoint()
        if self.checkpoint_dir is not None and self._saved_step != self.step:
            self.save_checkpoint()

    def _batches(self, data: Data) -> Iterator[Any]:
        """Batches from where training stands, epoch after epoch; ``position`` counts those taken."""
        resumable = _resumable(data)
        if resumable and self._data_state is not None:
            data.load_state_dict(self._data_state)
        skip = 0 if resumable else self.position
        self._data_state = None
        while True:
            source = data if isinstance(data, Iterable) else data(self.epoch)
            empty = True
            for batch in itertools.islice(source, skip, None):
                empty = False
                self.position += 1
                yield batch
            if empty and skip == 0:
                raise ValueError(f"the training data gave no batch in epoch {self.epoch} (at step {self.step})")
            self.epoch, self.position, skip = self.epoch + 1, 0, 0

    def _train_step(self, batch: Any) -> torch.Tensor:
        self.module.train()
        self.optimizer.zero_grad(set_to_none=True)
        autocast = contextlib.nullcontext() if self.amp_dtype is None else torch.autocast("cuda", self.amp_dtype)
        with autocast:
            loss = self._step_loss(self.module, to_device(batch, self.device), self.generator)
        self.scaler.scale(loss).backward()
        if self.grad_clip is not None:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.model)
        self.step += 1
        return loss.detach()

    def _rank_state(self) -> dict[str, Any]:
        """What differs between ranks: RNG states (as uint8 tensors) and the data position."""
        data = self._live[0] if self._live is not None else None
        return {"cpu_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None,
                "generator": self.generator.get_state(),
                "data": data.state_dict() if _resumable(data) else self._data_state}

    def save_checkpoint(self) -> Path | None:
        """Write ``checkpoint_dir/step-<step>.pt`` atomically, then keep the newest ``keep``.

        Every rank must call it (the ranks' RNG states are gathered); rank 0 writes and gets the path.
        """
        if self.checkpoint_dir is None:
            raise ValueError("this trainer has no checkpoint_dir")
        ranks = [self._rank_state()]
        if self.world_size > 1:
            ranks = [None] * self.world_size
            dist.all_gather_object(ranks, self._rank_state())
        self._saved_step = self.step
        if self.rank != 0:
            return None
        state = {"format": FORMAT, "step": self.step, "epoch": self.epoch, "position": self.position,
                 "model": self.model.state_dict(), "ema": None if self.ema is None else self.ema.state_dict(),
                 "optimizer": self.optimizer.state_dict(),
                 "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                 "scaler": self.scaler.state_dict(), "loss": _state_of(self.loss_fn), "ranks": ranks}
        path = checkpoint_path(self.checkpoint_dir, self.step)
        save_atomic(state, path)
        prune(self.checkpoint_dir, self.keep)
        return path

    def resume(self, path: str | Path, *, missing_ok: bool = False) -> bool:
        """Continue from a checkpoint file, or from the newest ``step-*.pt`` in a directory.

        Loaded with ``torch.load(weights_only=True)``; a bad file is an InputError naming it. With
        ``missing_ok``, no checkpoint yet (a first run) returns False instead of raising.
        """
        path = Path(path)
        if path.is_dir():
            found = checkpoints(path)
            if not found:
                if missing_ok:
                    return False
                raise InputError(path, "no checkpoint (step-*.pt) in this directory")
            path = found[-1]
        elif missing_ok and not path.exists():
            return False
        state = load_weights(path)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise InputError(path, f"not a denoisekit training checkpoint (no format {FORMAT!r})")
        try:
            self._load(path, state)
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise InputError(path, f"does not fit this trainer ({first})") from None
        return True

    def _load(self, path: Path, state: dict[str, Any]) -> None:
        ranks = state["ranks"]
        if len(ranks) != self.world_size:
            raise InputError(path, f"written by {len(ranks)} process(es); resume it with as many, not "
                                   f"{self.world_size}")
        for key, part in (("ema", self.ema), ("scheduler", self.scheduler)):
            if (state[key] is None) != (part is None):
                raise InputError(path, f"the checkpoint has {'no' if state[key] is None else 'an'} {key} state, "
                                       f"this trainer {'none' if part is None else 'one'}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if state["scaler"] and self.scaler.is_enabled():
            self.scaler.load_state_dict(state["scaler"])
        if state.get("loss") is not None and hasattr(self.loss_fn, "load_state_dict"):
            self.loss_fn.load_state_dict(state["loss"])  # a stateful loss (Noise2Score's annealing counter)
        mine = ranks[self.rank]
        torch.set_rng_state(mine["cpu_rng"])
        if self.device.type == "cuda" and mine["cuda_rng"] is not None:
            torch.cuda.set_rng_state(mine["cuda_rng"], self.device)
        self.generator.set_state(mine["generator"])
        self.step, self.epoch, self.position = int(state["step"]), int(state["epoch"]), int(state["position"])
        self._saved_step, self._data_state, self._live = self.step, mine["data"], None
