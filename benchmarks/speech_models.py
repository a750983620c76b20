"""The learned speech pipelines (speech/sgmse, speech/clearbuds) beside the noisy input and speech/wiener, with
their defaults, in one run, on the held-out clips and conditions of benchmarks/speech_enhance.py (its
``fetch_held_out`` and ``noisy_versions``: pyannote.audio's sample.wav and two CMU ARCTIC files, babble at 5 dB
and pink noise plus mains hum at 0 dB), adding what that benchmark does not report: the network cost in GFLOP per
second of audio (torch.utils.flop_counter, times the network evaluations the run's notes give: 2 N + 1 for SGMSE+'s
OUVE weights, N + 1 for the Schroedinger-bridge weights, the shipped default) and speech/sgmse at other step
counts N. ``--seconds`` keeps only that many seconds of each clip (pyannote's from 6.7 s, where speech starts), as
SGMSE+ is slow on a CPU. The pipelines are called in-process (no WAV I/O), timed on one thread.

    OMP_NUM_THREADS=1 python benchmarks/speech_models.py --cache /tmp/speech_heldout/cache --seconds 4 \
        [--sgmse-steps 4 --sgmse-steps 8]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from speech_enhance import fetch_held_out, noisy_versions, scores

from denoisekit.api import OUVE, SBVE, RunContext, Sample
from denoisekit.testing import PluginHost

RATE = 16000
STARTS = {"pyannote_sample": 6.7}


def gflop_per_second(sgmse: bool = True) -> dict[str, float]:
    """Network GFLOP per second of 16 kHz audio: one ClearBuds pass, one SGMSE+ network evaluation (if ``sgmse``)."""
    from denoisekit_speech.backbone import gflop_per_evaluation
    from denoisekit_speech.clearbuds_pipeline import SHIPPED as CLEARBUDS
    from denoisekit_speech.clearbuds_pipeline import load_model as load_clearbuds
    from denoisekit_speech.sgmse_pipeline import PROCESS_SCHEDULES, read_payload
    from denoisekit_speech.sgmse_pipeline import SHIPPED as SGMSE
    from denoisekit_speech.sgmse_pipeline import load_model as load_sgmse
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        load_clearbuds(CLEARBUDS[1])(torch.zeros(1, 1, RATE))
    flops = {"clearbuds": counter.get_total_flops() / 1e9, "sgmse_nfe": 0.0}
    if sgmse:  # the same network for every process and checkpoint: count the default one
        process = read_payload(SGMSE["denoise"])["process"]
        schedule = {"ouve": OUVE, "sb-ve": SBVE}[process](**PROCESS_SCHEDULES[process])
        flops["sgmse_nfe"] = gflop_per_evaluation(load_sgmse(SGMSE["denoise"], schedule).net, frames=128)  # 126 -> 128
    return flops


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=Path.home() / ".cache/denoisekit/speech-heldout")
    p.add_argument("--seconds", type=float, default=0.0, help="seconds of each clip kept (0: all)")
    p.add_argument("--sgmse-steps", type=int, action="append", default=[], help="also run speech/sgmse at this N")
    p.add_argument("--pipelines", default="wiener,clearbuds,sgmse")
    a = p.parse_args()
    torch.set_num_threads(1)
    host = PluginHost()
    keys = [f"speech/{name}" for name in a.pipelines.split(",")]
    runs = {key: (host.pipeline(key).factory(), host.pipeline(key).defaults()) for key in keys}
    variants = [(key, {}) for key in keys]
    if "speech/sgmse" in runs:
        variants += [("speech/sgmse", {"steps": n}) for n in a.sgmse_steps if n != runs["speech/sgmse"][1]["steps"]]
    flops = gflop_per_second(sgmse="speech/sgmse" in runs)
    print("| clip | condition | method | PESQ-WB | ESTOI | SI-SDR dB | RTF (1 thread) | GFLOP per s of audio |")
    print("|---|---|---|---|---|---|---|---|")
    for clip, condition, clean, noisy in noisy_versions(fetch_held_out(a.cache)):
        start = int(STARTS.get(clip, 0.0) * RATE)
        stop = start + int(a.seconds * RATE) if a.seconds else None
        clean, noisy = clean[start:stop], noisy[start:stop]
        gain = 0.9 / max(np.abs(noisy).max(), np.abs(clean).max())  # as a file holds it: no clipping
        clean, noisy = clean * gain, (noisy * gain).astype(np.float32)
        sample = Sample(array=noisy[:, None], axes="TC", format="wav", rate=RATE)
        results = [("noisy", noisy, float("nan"), 0.0)]
        for key, overrides in variants:
            fn, defaults = runs[key]
            config = {**defaults, **overrides}
            ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
            t0 = time.perf_counter()
            result = fn(sample, config, ctx)
            out = result.sample.array[:, 0]
            rtf = (time.perf_counter() - t0) / (len(clean) / RATE)
            gflop = {"speech/clearbuds": flops["clearbuds"],
                     "speech/sgmse": flops["sgmse_nfe"] * result.notes.get("nfe", 0)}.get(key, 0.0)
            label = key + (f" N={config['steps']}" if key == "speech/sgmse" else "")
            results.append((label, out, rtf, gflop))
        for label, out, rtf, gflop in results:
            s = scores(out, clean)
            print(f"| {clip} | {condition} | {label} | {s['pesq_wb']:.3f} | {s['estoi']:.3f} | {s['si_sdr']:.2f} | "
                  f"{rtf:.3f} | {gflop:.1f} |", flush=True)


if __name__ == "__main__":
    main()
