"""Fine-tune speech/clearbuds from a weights file (the shipped 4000-step one-microphone network) on the train split
of speech-train with the additions of clearbuds_train.CascadeLoss: a multi-resolution STFT term (``--spectral``)
and babble of 3 to 6 other training utterances at 0 to 15 dB in a share of the crops (``--babble``); Adam with a
cosine learning-rate decay from ``--lr`` to ``--lr-end`` over ``--steps``; one CPU thread. Every ``--every`` steps
the raw and the EMA weights are written to ``--out`` as ``raw-STEP.pt`` / ``ema-STEP.pt`` (float16), to be scored
on the valid split with benchmarks/speech_clearbuds_tune.py. Run in the background:

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/speech_finetune_clearbuds.py --data /tmp/speech-train \\
        --out /tmp/cb_ft --steps 1500 --seconds 1.0 --batch 8 --lr 3e-4 --spectral 1 --babble 0.5 \\
        > /tmp/cb_ft.log 2>&1 &
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch
from denoisekit_speech.clearbuds_pipeline import SHIPPED, load_model
from denoisekit_speech.clearbuds_train import CascadeLoss, payload
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from speech_train_sgmse import half, read16k

from denoisekit.api import Trainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--init", type=Path, default=SHIPPED[1], help="weights to start from")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seconds", type=float, default=1.0, help="crop length")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--lr-end", type=float, default=3e-5)
    p.add_argument("--spectral", type=float, default=0.0, help="weight of the multi-resolution STFT loss")
    p.add_argument("--babble", type=float, default=0.0, help="share of crops whose noise is replaced by babble")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--every", type=int, default=100)
    p.add_argument("--minutes", type=float, default=1e9, help="stop after the round that passes this budget")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(1)
    pairs = read_pairs(pair_files(a.data, "train", (".wav",)), read16k)
    model = load_model(a.init).train()
    loss = CascadeLoss(model.config, a.seconds, a.batch, spectral=a.spectral, babble=a.babble)

    def cosine(step: int) -> float:
        return (a.lr_end + 0.5 * (a.lr - a.lr_end) * (1 + math.cos(math.pi * min(step, a.steps) / a.steps))) / a.lr

    trainer = Trainer(model, loss, lambda q: torch.optim.Adam(q, lr=a.lr),
                      scheduler=lambda o: torch.optim.lr_scheduler.LambdaLR(o, cosine), seed=a.seed,
                      ema_decay=a.ema, grad_clip=5.0, checkpoint_dir=a.out / "ckpt", checkpoint_every=a.every,
                      progress=False)
    trainer.resume(a.out / "ckpt", missing_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    start, data = time.time(), [pairs]
    while trainer.step < a.steps and time.time() - start < 60 * a.minutes:
        trainer.fit(data, min(a.steps, trainer.step + a.every))
        torch.save(half(payload(trainer.model)), a.out / f"raw-{trainer.step:05d}.pt")
        torch.save(half(payload(trainer.ema.module)), a.out / f"ema-{trainer.step:05d}.pt")
        recent = [v for _, v in trainer.history[-a.every // 10:]]
        print(f"step {trainer.step}: loss {sum(recent) / max(1, len(recent)):.3f}, lr "
              f"{trainer.optimizer.param_groups[0]['lr']:.2e}, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
