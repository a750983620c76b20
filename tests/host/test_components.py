"""Building blocks are registered through the host like any plugin's records: the core's own
(register_samplers, register_schedules, register_operators, register_noise_models,
register_denoisers, register_losses) and a third party's, which every pipeline can then use."""

from pathlib import Path

import pytest
import torch

from denoisekit.errors import UserError
from denoisekit.manager import PluginHost
from denoisekit.testing import plugin_checks

BUILTIN = {
    "register_samplers": {"ddpm", "ddim", "euler", "heun", "pc", "euler-maruyama", "dps", "red-diff", "ddrm",
                          "data-consistency", "ccdf", "joint"},
    "register_schedules": {"vp", "ve", "edm", "ouve", "ve-sigma-t", "discrete-vp"},
    "register_operators": {"identity", "mask", "blur"},
    "register_noise_models": {"gaussian", "poisson", "gamma", "poisson-gaussian", "non-iid", "correlated",
                              "stripes", "dead-lines", "impulse"},
    "register_denoisers": {"gaussian-prior", "bias-free-cnn", "monai-unet"},
    "register_losses": {"noise2score", "noise2noise", "zs-n2n", "neighbor2neighbor", "blind-spot", "c-bsn",
                        "sdap", "sure", "noise2recon"},
}


@pytest.mark.parametrize("hook", sorted(BUILTIN))
def test_core_registers_its_building_blocks(hook):
    host = PluginHost(load_entrypoints=False)
    names = {r.name for r in host.records(hook)}
    assert BUILTIN[hook] <= names
    assert all(host.owner(hook, n).name == "core" for n in BUILTIN[hook])


def test_components_are_built_by_name():
    host = PluginHost(load_entrypoints=False)
    noise = host.component("register_noise_models", "gaussian").factory(sigma=0.2)
    x = torch.zeros(1, 1, 64, 64)
    assert 0.15 < float(noise.sample(x, generator=torch.Generator().manual_seed(0)).std()) < 0.25
    sampler = host.component("register_samplers", "ddim").factory(eta=1.0)
    assert type(sampler).__name__ == "DDIM"
    with pytest.raises(UserError, match="did you mean 'heun'"):
        host.component("register_samplers", "huen")
    with pytest.raises(UserError, match="unknown noise model"):
        host.component("register_noise_models", "pink")


def test_third_party_components_are_usable_and_conform(fixture_site: Path, tmp_path: Path):
    host = PluginHost()
    assert host.plugins["dk_fixture_components"].status == "loaded"
    assert host.owner("register_noise_models", "fixture-laplace").distribution == "dk-fixture-components"
    laplace = host.component("register_noise_models", "fixture-laplace").factory(scale=0.5)
    y = laplace.sample(torch.zeros(10_000, dtype=torch.float64), generator=torch.Generator().manual_seed(0))
    assert abs(float(y.abs().mean()) - 0.5) < 0.03  # E|Laplace(b)| = b
    sampler = host.component("register_samplers", "fixture-ddim-half").factory()
    assert sampler.eta == 0.5
    checks = plugin_checks("dk_fixture_components", host)
    assert [c.id for c in checks] == ["dk_fixture_components:loaded",
                                      "noise model:fixture-laplace:sample",
                                      "sampler:fixture-ddim-half:gaussian-prior"]
    for check in checks:
        check(tmp_path)
