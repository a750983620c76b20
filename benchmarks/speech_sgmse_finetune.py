"""Fine-tune speech/sgmse's Schroedinger bridge (the shipped weights/sgmse-sb-denoise.pt) on the train split of
speech-train with babble of 3 to 6 other training utterances at 0 to 15 dB in a ``--babble`` share of the crops
(:class:`denoisekit_speech.sgmse_train.ScoreMatchingLoss`), Adam with a cosine learning-rate decay from ``--lr`` to
``--lr-end`` over ``--steps``, one CPU thread. Every ``--every`` steps the raw and the EMA weights are written to
``--out`` as ``raw-STEP.pt`` / ``ema-STEP.pt`` (float16), to be scored on the valid split with
benchmarks/speech_sgmse_tune.py. With ``--talkers DIR`` (``denoisekit data build speech-talkers``) the babble is made
of that folder's train talkers (real wideband voices) and a ``--targets`` share of the crops takes one of them as
the clean speech. Run in the background:

    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/speech_sgmse_finetune.py --data /tmp/speech-train \\
        --out /tmp/sgmse_ft --steps 700 --crop-frames 64 --batch 4 --lr 3e-4 --lr-end 3e-5 --babble 0.5 \\
        > /tmp/sgmse_ft.log 2>&1 &
    # session 10: ... --steps 600 --lr 2e-4 --lr-end 2e-5 --babble 0.5 --talkers /tmp/sp10/speech-talkers --targets 0.3
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from denoisekit_speech.sgmse_pipeline import PROCESS_SCHEDULES, SHIPPED, load_model, read_payload
from denoisekit_speech.sgmse_train import ScoreMatchingLoss, payload
from denoisekit_speech.talkers import read_talkers
from speech_train_sgmse import half, read16k

from denoisekit.api import SBVE, Trainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--init", type=Path, default=SHIPPED["denoise"], help="bridge weights to start from")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--crop-frames", type=int, default=64, help="STFT frames per crop (hop 128)")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--lr-end", type=float, default=3e-5)
    p.add_argument("--babble", type=float, default=0.5, help="share of crops whose noise is replaced by babble")
    p.add_argument("--talkers", type=Path, default=None,
                   help="a built speech-talkers folder: babble from its train talkers instead of training utterances")
    p.add_argument("--targets", type=float, default=0.0,
                   help="share of crops whose clean speech is a crop of a --talkers talker (under the pair's noise)")
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--every", type=int, default=100)
    p.add_argument("--minutes", type=float, default=1e9, help="stop after the round that passes this budget")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(1)
    init = read_payload(a.init)
    if init["process"] != "sb-ve":
        raise SystemExit(f"{a.init}: not Schroedinger-bridge weights")
    pairs = read_pairs(pair_files(a.data, "train", (".wav",)), read16k)
    model = load_model(a.init, SBVE(**PROCESS_SCHEDULES["sb-ve"]), payload=init).train()
    pool = [torch.from_numpy(t) for t in read_talkers(a.talkers, "train")] if a.talkers else []
    loss = ScoreMatchingLoss(a.crop_frames, a.batch, babble=a.babble, pool=pool, targets=a.targets)

    def cosine(step: int) -> float:
        return (a.lr_end + 0.5 * (a.lr - a.lr_end) * (1 + math.cos(math.pi * min(step, a.steps) / a.steps))) / a.lr

    trainer = Trainer(model, loss, lambda q: torch.optim.Adam(q, lr=a.lr),
                      scheduler=lambda o: torch.optim.lr_scheduler.LambdaLR(o, cosine), seed=a.seed,
                      ema_decay=a.ema, checkpoint_dir=a.out / "ckpt", checkpoint_every=a.every, progress=False)
    trainer.resume(a.out / "ckpt", missing_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    start, data = time.time(), [pairs]
    while trainer.step < a.steps and time.time() - start < 60 * a.minutes:
        trainer.fit(data, min(a.steps, trainer.step + a.every))
        torch.save(half(payload(trainer.model, "tiny")), a.out / f"raw-{trainer.step:05d}.pt")
        torch.save(half(payload(trainer.ema.module, "tiny")), a.out / f"ema-{trainer.step:05d}.pt")
        recent = [v for _, v in trainer.history[-a.every:]]
        print(f"step {trainer.step}: loss {sum(recent) / max(1, len(recent)):.4f}, lr "
              f"{trainer.optimizer.param_groups[0]['lr']:.2e}, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
