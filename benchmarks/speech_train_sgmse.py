"""Recipe of the shipped speech/sgmse weights (plugins/speech/denoisekit_speech/weights/sgmse-tiny.pt).

Trains the tiny NCSN++-style score network (1.5 M parameters) by denoising score matching on the train split of
the speech-train set (sgmse layout, 16 kHz), at one CPU thread, resuming from --checkpoints, and writes the EMA
weights in float16 (the pipeline loads them as float32). Run in the background:

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/speech_train_sgmse.py --data /tmp/speech-train \
        --steps 100000 --minutes 70 --crop-frames 64 --batch 4 --lr 5e-4 --ema 0.998 \
        > /tmp/speech_sgmse_train.log 2>&1 &

(the shipped weights: that command on the shared 2-core machine; the steps it reached are in
docs/domains/speech-models.md). ``--process sb-ve`` trains the Schroedinger-bridge variant (data prediction on the
core's SB-VE bridge) instead of SGMSE+'s score matching on OUVE.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.audio_format import read_wav, to_float
from denoisekit_speech.resample import resample
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from denoisekit_speech.sgmse_train import train

from denoisekit.api import OUVE, SBVE

OUT = Path(__file__).resolve().parents[1] / "plugins/speech/denoisekit_speech/weights/sgmse-tiny.pt"


def read16k(path: Path) -> torch.Tensor:
    sample = read_wav(path)
    return torch.from_numpy(np.ascontiguousarray(resample(to_float(sample)[:, 0], sample.rate, 16000)))


def half(payload: dict) -> dict:
    """The payload with float tensors stored as float16 (half the size; loaded back as float32)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in payload["state"].items()}
    return {**payload, "state": state}


def raw_weights(checkpoints: Path, process: str) -> dict:
    """The newest checkpoint's training weights (not their EMA) as a pipeline payload. After a few hundred steps
    an EMA of decay 0.998 still weighs the random initialisation by 0.998^steps (0.37 at 500 steps)."""
    from denoisekit.api import load_weights

    state = load_weights(sorted(checkpoints.glob("step-*.pt"))[-1])
    net = {k.removeprefix("net."): v for k, v in state["model"].items() if k.startswith("net.")}
    return {"format": "denoisekit-speech.sgmse/1", "size": "tiny", "process": process, "state": net,
            "step": state["step"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--process", choices=("ouve", "sb-ve"), default="ouve")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--crop-frames", type=int, default=128, help="frames per crop (the paper: 256)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--minutes", type=float, default=1e9, help="stop after the round that passes this budget")
    p.add_argument("--every", type=int, default=100, help="steps between checkpoints and weight exports")
    p.add_argument("--checkpoints", type=Path, default=Path("/tmp/speech_sgmse_ckpt"))
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--export-raw", action="store_true",
                   help="only write the newest checkpoint's training weights (not the EMA) to --out")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.export_raw:
        payload = raw_weights(a.checkpoints, a.process)
        torch.save(half(payload), a.out)
        print(f"step {payload['step']}: wrote the raw weights to {a.out}")
        return
    pairs = read_pairs(pair_files(a.data, "train", (".wav",)), read16k)
    print(f"{len(pairs)} pairs, {sum(c.shape[-1] for c, _ in pairs) / 16000:.0f} s", flush=True)
    start, done = time.time(), 0
    while done < a.steps and time.time() - start < 60 * a.minutes:
        done = min(a.steps, done + a.every)  # resumes from the checkpoint of the previous round
        weights = train(pairs, size="tiny", crop_frames=a.crop_frames, steps=done, batch=a.batch, lr=a.lr,
                        ema_decay=a.ema, schedule=OUVE() if a.process == "ouve" else SBVE(), device="cpu", seed=0,
                        checkpoints=a.checkpoints, checkpoint_every=a.every, progress=False, process=a.process)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(half(weights), a.out)
        print(f"step {done}: wrote {a.out} ({a.out.stat().st_size / 1e6:.2f} MB) after {time.time() - start:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
