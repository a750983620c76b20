"""The dehazer's parts: patch stitching is exact for an identity denoiser, the companded consistency reduces to
the core's linear update where the companding is flat and makes the linear sum match y, the score net's
preconditioning, and training through the CLI writes weights the pipeline loads."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from denoisekit_ultrasound.companded_joint import CompandedJointSampler
from denoisekit_ultrasound.patches import PatchDenoiser
from denoisekit_ultrasound.score_net import make_denoiser
from denoisekit_ultrasound.transforms import mu_law, mu_law_inverse

from denoisekit.api import Denoiser, JointPosteriorSampler
from denoisekit.testing import cli


class Scaled(Denoiser):
    def forward(self, x, sigma):
        return 0.5 * x


@pytest.mark.parametrize("shape", [(1, 2, 96, 70), (2, 2, 200, 150), (1, 2, 40, 30)])
def test_patch_stitching_is_exact_for_a_pixelwise_denoiser(shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    patched = PatchDenoiser(Scaled(), (32, 16), 0.25)
    for _ in range(3):  # shifted grids
        assert torch.allclose(patched(x, 1.0), 0.5 * x, atol=1e-6)


def test_companded_consistency_at_zero_is_the_core_update_and_projects():
    z = torch.zeros(1, 4, 8, 8)
    target = torch.full((1, 2, 8, 8), 1e-4)
    ours = CompandedJointSampler(Scaled(), lam=0.5, kappa=0.5, gamma=1.0).correction(z, target)
    core = JointPosteriorSampler(Scaled(), lam=0.5, kappa=0.5, gamma=1.0).correction(z, target)
    assert torch.allclose(ours, core, rtol=1e-3, atol=1e-9)
    # from a generic point, repeated corrections drive C(C^-1 x + gamma C^-1 h) to the target
    g = torch.Generator().manual_seed(1)
    z = 0.6 * torch.rand(1, 4, 8, 8, generator=g) - 0.3
    target = mu_law(0.5 * torch.rand(1, 2, 8, 8, generator=g) - 0.25)
    sampler = CompandedJointSampler(Scaled(), lam=0.5, kappa=0.5, gamma=0.7)
    for _ in range(30):
        z = z + sampler.correction(z, target)
    x, h = z.chunk(2, 1)
    assert torch.allclose(mu_law(mu_law_inverse(x) + 0.7 * mu_law_inverse(h)), target, atol=1e-4)


def test_score_net_preconditioning_limits():
    d = make_denoiser(8)
    x = torch.randn(2, 2, 16, 16)
    with torch.no_grad():  # the output layer starts at zero: D = c_skip x
        assert torch.allclose(d(x, 1e-4), x, atol=1e-6)
        assert d(x, 1e4).abs().max() < 1e-6


def test_train_then_run_with_the_trained_weights(tmp_path):
    from denoisekit_ultrasound.datasets import build_us_sample

    sample = build_us_sample(tmp_path / "sample")
    data = tmp_path / "data"
    for part, src in (("tissue", sample.reference), ("haze", sample.input)):
        (data / part).mkdir(parents=True)
        (data / part / "f.hdf5").write_bytes(src.read_bytes())
    assert cli(["train", "ultrasound/dehaze-diffusion", "--data", str(data), "--output", str(tmp_path / "w"),
                "--set", "iterations=3", "--set", "batch=2", "--set", "patch=16", "--set", "channels=8",
                "--quiet"]) == 0
    weights = tmp_path / "w" / "weights.pt"
    assert cli(["run", "ultrasound/dehaze-diffusion", "--input", str(sample.input), "--output", str(tmp_path / "o"),
                "--set", f"weights={weights}", "--set", "steps=4", "--set", "t_start=0.5"]) == 0
    assert (tmp_path / "o" / "hazy.haze.npy").is_file()
    assert json.loads((tmp_path / "o" / "run.json").read_text())["notes"]["steps"] == 2


def test_missing_tissue_folder_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "haze").mkdir()
    code = cli(["train", "ultrasound/dehaze-diffusion", "--data", str(tmp_path), "--output", str(tmp_path / "w"),
                "--set", "iterations=1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "tissue/" in err[0]
    assert not (tmp_path / "w" / "weights.pt").exists()


def test_bmode_path_on_a_crop_of_real_dicom_frames(tmp_path):
    from pathlib import Path

    from denoisekit_ultrasound.dicom_format import read_us_dicom, write_us_dicom
    from pydicom.data import get_testdata_file

    real = read_us_dicom(Path(get_testdata_file("OBXXXX1A_2frame.dcm")))
    crop = type(real)(
        array=real.array[:, 200:328, 300:396].copy(), axes="THW", format="us-dicom", meta=real.meta,
        data_range=real.data_range)
    write_us_dicom(crop, tmp_path / "crop.dcm")
    assert cli(["run", "ultrasound/dehaze-diffusion", "--input", str(tmp_path / "crop.dcm"), "--output",
                str(tmp_path / "o"), "--set", "steps=6", "--set", "t_start=0.5"]) == 0
    out = read_us_dicom(tmp_path / "o" / "crop.dcm")
    assert out.array.shape == (2, 128, 96) and out.array.dtype == np.uint8
    assert np.corrcoef(out.array.ravel().astype(float), crop.array.ravel().astype(float))[0, 1] > 0.3
