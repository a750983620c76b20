"""Score speech/clearbuds weight files on the speech-train *valid* split (never the held-out clips): mean SI-SDR
and ESTOI of the enhanced valid utterances, noisy input beside them. Used to decide whether a longer training
run's weights replace the shipped ones.

    OMP_NUM_THREADS=1 python benchmarks/speech_clearbuds_valid.py --data /tmp/speech-train A.pt B.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.clearbuds import enhance_offline
from denoisekit_speech.clearbuds_pipeline import load_model
from denoisekit_speech.metrics import estoi, si_sdr
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from speech_train_sgmse import read16k


def summary(estimates: list[np.ndarray], clean: list[np.ndarray]) -> str:
    pairs = list(zip(estimates, clean, strict=True))
    return (f"SI-SDR {np.mean([si_sdr(e, c) for e, c in pairs]):.2f} dB, "
            f"ESTOI {np.mean([estoi(e, c) for e, c in pairs]):.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("weights", type=Path, nargs="+")
    p.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    a = p.parse_args()
    torch.set_num_threads(1)
    pairs = read_pairs(pair_files(a.data, "valid", (".wav",)), read16k)
    clean = [c.numpy() for c, _ in pairs]
    noisy = [n.numpy() for _, n in pairs]
    print(f"{len(pairs)} valid pairs; noisy: {summary(noisy, clean)}")
    for path in a.weights:
        model = load_model(path)
        with torch.no_grad():
            out = [enhance_offline(model, torch.from_numpy(n)[None, None])[0].numpy() for n in noisy]
        print(f"{path}: {summary(out, clean)}")


if __name__ == "__main__":
    main()
