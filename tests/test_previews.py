"""report.png through the previews: every kind of data the domains have gives a report, and the panels show
what they claim (middle slice, magnitude and phase, the named bands, a sine's spectrogram peak, the frames)."""

from dataclasses import replace

import numpy as np
import pytest

from denoisekit.previews.audio import audio_preview
from denoisekit.previews.by_axes import preview_for
from denoisekit.previews.complex_image import complex_preview
from denoisekit.previews.cube import cube_preview, default_bands, marked_pixels
from denoisekit.previews.panels import ImagePanel, LinePanel
from denoisekit.previews.sequence import sequence_preview
from denoisekit.report import make_report
from denoisekit.sample import Sample

RNG = np.random.default_rng(0)
RATE = 8000.0
_t = np.arange(8000) / RATE
AUDIO = np.stack([np.sin(2 * np.pi * 1000 * _t), 0.5 * np.sin(2 * np.pi * 250 * _t)])  # 2 channels, 1 s

CASES = {
    "image-2d": Sample(RNG.random((24, 20)), "HW", "npy"),
    "volume": Sample(RNG.random((5, 24, 20)), "DHW", "npy"),
    "audio-mono": Sample(AUDIO[0], "T", "wav"),
    "audio-stereo": Sample(AUDIO, "CT", "wav"),
    "complex": Sample(RNG.random((16, 16)) * np.exp(1j * RNG.random((16, 16))), "HW", "npy"),
    "cube": Sample(RNG.random((12, 10, 31)), "HWC", "envi"),
    "sequence": Sample(RNG.random((7, 12, 10)), "THW", "cine"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_make_report_writes_a_png_for_every_kind(name, tmp_path):
    clean = CASES[name]
    noisy = clean.with_array(clean.array + 0.1 * RNG.standard_normal(clean.array.shape))
    make_report(tmp_path / "report.png", name, noisy, clean, clean, {"input": {"psnr": 20.0}, "output": {"psnr": 30.0}})
    make_report(tmp_path / "no-reference.png", name, noisy, clean)
    for png in ("report.png", "no-reference.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_previews_are_chosen_by_axes():
    titles = {name: [p.title for p in preview_for(s)] for name, s in CASES.items()}
    assert titles["image-2d"] == titles["volume"] == [""]
    assert titles["audio-stereo"] == ["waveform", "spectrogram (dB)"]
    assert titles["complex"] == ["magnitude", "phase"]
    assert titles["cube"][1] == "spectra"
    assert [t.split()[0] for t in titles["sequence"]] == ["first", "middle", "last"]


def test_volume_shows_its_middle_slice():
    volume = CASES["volume"]
    np.testing.assert_array_equal(preview_for(volume)[0].image, volume.array[2])


def test_audio_spectrogram_shape_and_peak():
    waveform, spec = audio_preview(CASES["audio-stereo"], rate=RATE)
    assert isinstance(waveform, LinePanel) and waveform.y.shape == (2, 4000)  # min/max of 2000 buckets
    assert waveform.x[-1] == pytest.approx(1, abs=0.01) and waveform.labels[0] == "s"
    np.testing.assert_allclose(waveform.y.max(axis=1), [1, 0.5], rtol=1e-3)
    length = 256  # 32 ms at 8 kHz
    assert spec.image.shape == (length // 2 + 1, (8000 - length) // (length // 2) + 1)
    assert spec.extent[3] == RATE / 2
    peak_hz = np.argmax(spec.image.mean(axis=1)) * RATE / length
    assert peak_hz == pytest.approx(1000, abs=RATE / length)  # the louder channel's tone


def test_audio_preview_takes_the_sample_s_rate():
    stereo = CASES["audio-stereo"]
    with_rate = Sample(stereo.array, stereo.axes, stereo.format, rate=RATE)
    waveform, spec = audio_preview(with_rate)
    assert waveform.labels[0] == "s" and spec.extent[3] == RATE / 2
    assert audio_preview(stereo)[0].labels[0] == "samples"


def test_long_audio_is_drawn_as_an_envelope():
    long = Sample(np.sin(np.arange(200_000) / 10.0), "T", "wav")
    waveform, spec = audio_preview(long)
    assert waveform.y.shape == (1, 4000) and waveform.y.max() == pytest.approx(1, abs=1e-3)
    assert spec.image.shape[1] <= 1000


def test_complex_preview_is_magnitude_and_phase():
    sample = CASES["complex"]
    magnitude, phase = complex_preview(sample)
    np.testing.assert_allclose(magnitude.image, np.abs(sample.array))
    np.testing.assert_allclose(phase.image, np.angle(sample.array))
    assert phase.window == (-np.pi, np.pi) and not phase.compare


def test_cube_false_colour_uses_the_named_bands():
    cube = CASES["cube"]
    rgb, spectra = cube_preview(cube, bands=(30, 4, 0))
    assert isinstance(rgb, ImagePanel) and rgb.image.shape == (12, 10, 3)
    for channel, band in enumerate((30, 4, 0)):
        np.testing.assert_array_equal(rgb.image[..., channel], cube.array[..., band])
    assert rgb.marks == marked_pixels(12, 10)
    np.testing.assert_array_equal(spectra.y, [cube.array[r, c] for r, c in marked_pixels(12, 10)])


def test_cube_bands_follow_the_wavelengths():
    nm = [400.0 + 10 * b for b in range(31)]  # 400..700 nm
    assert default_bands(31, nm) == (24, 15, 6)  # 640, 550, 460 nm
    assert default_bands(31, [w / 1000 for w in nm]) == (24, 15, 6)  # micrometres
    assert default_bands(31) == (22, 15, 7)
    _, spectra = cube_preview(CASES["cube"], wavelengths=nm)
    np.testing.assert_array_equal(spectra.x, nm)


def test_sequence_shows_first_middle_last_frames():
    seq = CASES["sequence"]
    panels = sequence_preview(replace(seq, display_window=(0, 1)))
    for panel, index in zip(panels, (0, 3, 6), strict=True):
        np.testing.assert_array_equal(panel.image, seq.array[index])
        assert panel.window == (0.0, 1.0)


def test_a_format_preview_replaces_the_choice_by_axes(tmp_path):
    calls = []

    def preview(sample):
        calls.append(sample.axes)
        return [ImagePanel("custom", np.zeros((4, 4)))]

    s = CASES["cube"]
    make_report(tmp_path / "report.png", "custom", s, s, preview=preview)
    assert calls == ["HWC", "HWC"]
