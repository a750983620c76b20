"""Recipe of the shipped speech/clearbuds weights (plugins/speech/denoisekit_speech/weights/clearbuds-{1,2}mic.pt).

Trains the causal cascade (Conv-TasNet + spectral mask, 0.34 M parameters) on the train split of the speech-train
set (sgmse layout, 16 kHz) with the -SNR loss, one- or two-microphone (the second microphone simulated from the
mono pairs, see clearbuds_train), at one CPU thread, resuming from --checkpoints. Run in the background:

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/speech_train_clearbuds.py --data /tmp/speech-train \
        --mics 1 --steps 100000 --minutes 52 --seconds 0.5 --batch 8 --lr 1e-3 --ema 0.998 --every 100 \
        > /tmp/speech_clearbuds_train.log 2>&1 &

(the shipped weights: that command, and the same with ``--mics 2 --minutes 50``, run side by side on the shared
2-core machine; the steps they reached are in docs/domains/speech-models.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from denoisekit_speech.clearbuds import ClearBudsConfig
from denoisekit_speech.clearbuds_train import FORMAT, train
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from speech_train_sgmse import half, read16k

WEIGHTS = Path(__file__).resolve().parents[1] / "plugins/speech/denoisekit_speech/weights"


def raw_weights(checkpoints: Path, mics: int) -> dict:
    """The newest checkpoint's training weights (not their EMA: see speech_train_sgmse.raw_weights)."""
    from denoisekit.api import load_weights

    state = load_weights(sorted(checkpoints.glob("step-*.pt"))[-1])
    return {"format": FORMAT, "config": ClearBudsConfig(mics=mics).to_dict(), "state": state["model"],
            "step": state["step"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--mics", type=int, choices=(1, 2), default=1)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seconds", type=float, default=1.0, help="crop length")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--minutes", type=float, default=1e9, help="stop after the round that passes this budget")
    p.add_argument("--every", type=int, default=200, help="steps between checkpoints and weight exports")
    p.add_argument("--checkpoints", type=Path, default=None)
    p.add_argument("--export-raw", action="store_true",
                   help="only write the newest checkpoint's training weights (not the EMA) to the weights file")
    a = p.parse_args()
    torch.set_num_threads(1)
    checkpoints = a.checkpoints or Path(f"/tmp/speech_clearbuds{a.mics}_ckpt")
    if a.export_raw:
        payload = raw_weights(checkpoints, a.mics)
        torch.save(half(payload), WEIGHTS / f"clearbuds-{a.mics}mic.pt")
        print(f"step {payload['step']}: wrote the raw weights to {WEIGHTS / f'clearbuds-{a.mics}mic.pt'}")
        return
    pairs = read_pairs(pair_files(a.data, "train", (".wav",)), read16k)
    print(f"{len(pairs)} pairs, {sum(c.shape[-1] for c, _ in pairs) / 16000:.0f} s", flush=True)
    out = WEIGHTS / f"clearbuds-{a.mics}mic.pt"
    start, done = time.time(), 0
    while done < a.steps and time.time() - start < 60 * a.minutes:
        done = min(a.steps, done + a.every)  # resumes from the checkpoint of the previous round
        weights = train(pairs, mics=a.mics, seconds=a.seconds, steps=done, batch=a.batch, lr=a.lr,
                        ema_decay=a.ema, device="cpu", seed=0, checkpoints=checkpoints, checkpoint_every=a.every,
                        progress=False)
        torch.save(half(weights), out)
        print(f"step {done}: wrote {out} ({out.stat().st_size / 1e6:.2f} MB) after {time.time() - start:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
