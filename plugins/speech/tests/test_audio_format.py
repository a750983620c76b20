"""WAV and FLAC through soundfile: what is read is what was written, rate, subtype and container kept."""

import numpy as np
import pytest
import soundfile as sf
from denoisekit_speech.audio_format import from_float, read_flac, read_wav, to_float, write_flac, write_wav
from denoisekit_speech.resample import from_model_rate, resample, to_model_rate


@pytest.mark.parametrize(("suffix", "subtype", "dtype"), [
    (".wav", "PCM_16", np.int16), (".wav", "PCM_24", np.int32), (".wav", "PCM_32", np.int32),
    (".wav", "FLOAT", np.float32), (".wav", "DOUBLE", np.float64), (".flac", "PCM_16", np.int16),
    (".flac", "PCM_24", np.int32)])
@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (44100, 2), (48000, 1)])
def test_round_trip_keeps_rate_subtype_and_values(tmp_path, suffix, subtype, dtype, rate, channels):
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((rate // 10, channels))).clip(-1, 1)
    src = tmp_path / f"src{suffix}"
    sf.write(src, x, rate, subtype=subtype)
    read, write = (read_wav, write_wav) if suffix == ".wav" else (read_flac, write_flac)
    sample = read(src)
    assert sample.axes == "TC" and sample.array.shape == (rate // 10, channels)
    assert sample.rate == rate and sample.array.dtype == dtype
    np.testing.assert_allclose(to_float(sample), x, atol=2.0 / 2 ** 15)
    dst = tmp_path / f"dst{suffix}"
    write(sample.__class__(**{**sample.__dict__, "description": "enhanced by a test"}), dst)
    info = sf.info(dst)
    assert (info.samplerate, info.subtype, info.format, info.channels) == (rate, subtype, suffix[1:].upper(), channels)
    back = read(dst)
    np.testing.assert_array_equal(back.array, sample.array)
    assert back.description == "enhanced by a test"


def test_float_result_written_in_the_input_subtype(tmp_path):
    src = tmp_path / "in.wav"
    t = np.arange(1600) / 16000
    sf.write(src, 0.5 * np.sin(2 * np.pi * 440 * t), 16000, subtype="PCM_16")
    sample = read_wav(src)
    halved = sample.with_array(sample.array.astype(np.float32) / 2)  # a float result of int16 values
    write_wav(halved, tmp_path / "out.wav")
    back = read_wav(tmp_path / "out.wav")
    assert back.array.dtype == np.int16 and sf.info(tmp_path / "out.wav").subtype == "PCM_16"
    np.testing.assert_allclose(back.array, sample.array / 2, atol=1)
    np.testing.assert_array_equal(from_float(to_float(sample), sample).array, sample.array)


def test_flac_file_named_wav_is_refused(tmp_path):
    from denoisekit.api import InputError

    path = tmp_path / "really_flac.wav"
    sf.write(path, np.zeros(100) + 0.1, 16000, format="FLAC")
    with pytest.raises(InputError, match="really_flac.wav: is a FLAC file, not WAV"):
        read_wav(path)


def test_resample_round_trip_keeps_a_band_limited_tone():
    t = np.arange(48000) / 48000
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[None]
    down = to_model_rate(x, 48000, 16000)
    assert down.shape == (1, 16000)
    np.testing.assert_allclose(down[0, 100:-100], np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)[100:-100],
                               atol=2e-3)
    back = from_model_rate(down, 16000, 48000, 48000)
    assert back.shape == x.shape
    np.testing.assert_allclose(back[0, 300:-300], x[0, 300:-300], atol=5e-3)
    assert resample(x, 44100, 16000).shape[-1] == round(48000 * 16000 / 44100)


def test_float_sample_without_a_file_is_in_full_scale_units(tmp_path):
    from denoisekit.api import Sample

    x = (0.5 * np.sin(np.arange(800) / 5)).astype(np.float32)[:, None]
    write_flac(Sample(array=x, axes="TC", format="flac", rate=16000.0), tmp_path / "f.flac")  # FLAC has no float
    back = read_flac(tmp_path / "f.flac")
    assert sf.info(tmp_path / "f.flac").subtype == "PCM_24"
    np.testing.assert_allclose(to_float(back), x, atol=1e-6)


@pytest.mark.parametrize("container", ["WAVEX", "RF64"])
def test_extensible_and_rf64_wav_keep_their_container(tmp_path, container):
    x = (0.2 * np.random.default_rng(1).standard_normal((800, 4))).astype(np.float32)
    src = tmp_path / "multi.wav"
    sf.write(src, x, 48000, format=container, subtype="PCM_24")
    sample = read_wav(src)
    assert sample.array.shape == (800, 4) and sample.meta["container"] == container
    write_wav(sample, tmp_path / "out.wav")
    info = sf.info(tmp_path / "out.wav")
    assert (info.format, info.subtype, info.samplerate) == (container, "PCM_24", 48000)
    np.testing.assert_array_equal(read_wav(tmp_path / "out.wav").array, sample.array)
