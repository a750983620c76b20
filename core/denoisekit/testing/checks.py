"""Checks per record kind: format round trips and bad-file errors, metric sanity, a pipeline's
run on its domain's sample (output format, shape, files, determinism under a seed), the domain's
sample builder, and for building blocks: operator adjointness, noise-model and sampler
determinism, schedule configs that serialise, the denoiser contract (shape, dtype, device, the
bias-free scaling identity) and losses that give a finite scalar with a gradient."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.errors import InputError
from denoisekit.manager import PluginHost
from denoisekit.previews.by_axes import preview_for
from denoisekit.records import (
    ComponentRecord,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    PipelineRecord,
    Record,
    kind_of,
)


@dataclass(frozen=True)
class Check:
    """One named check; call it with a fresh temporary directory."""

    id: str
    run: Callable[[Path], None]

    def __call__(self, tmp_path: Path) -> None:
        self.run(Path(tmp_path))


def _check_loaded(host: PluginHost, plugin: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        info = host.plugins.get(plugin)
        assert info is not None, f"plugin {plugin!r} is not installed (known: {sorted(host.plugins)})"
        assert info.status == "loaded", f"plugin {plugin!r} is {info.status}: {info.error}"
        assert info.hooks, f"plugin {plugin!r} implements no hook"
    return check


def _format_round_trip(fmt: FormatRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        sample = replace(fmt.example(), description="denoisekit conformance check")  # the writer must accept it
        path = tmp / ("example" + (fmt.suffixes[0] if fmt.suffixes else ""))
        fmt.write(sample, path)
        back = fmt.read(path)
        assert back.axes == sample.axes, f"axes {back.axes!r} != {sample.axes!r}"
        assert back.array.shape == sample.array.shape, f"shape {back.array.shape} != {sample.array.shape}"
        if fmt.exact:
            assert back.array.dtype == sample.array.dtype, f"dtype {back.array.dtype} != {sample.array.dtype}"
            np.testing.assert_array_equal(back.array, sample.array)
        else:
            np.testing.assert_allclose(back.array, sample.array, rtol=1e-2, atol=1e-2 * np.ptp(sample.array))
    return check


def _format_preview(fmt: FormatRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        from denoisekit.previews.panels import ImagePanel, LinePanel
        from denoisekit.report import make_report

        sample = fmt.example()
        panels = list((fmt.preview or preview_for)(sample))
        assert panels and all(isinstance(p, (ImagePanel, LinePanel)) for p in panels), f"preview gave {panels!r}"
        make_report(tmp / "report.png", fmt.name, sample, sample, sample, preview=fmt.preview)
        assert (tmp / "report.png").stat().st_size > 0
    return check


def _format_bad_files(fmt: FormatRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        suffix = fmt.suffixes[0] if fmt.suffixes else ""
        cases = {"missing": tmp / f"missing{suffix}"}
        if not fmt.directory:
            garbage = tmp / f"garbage{suffix}"
            garbage.write_bytes(b"this is not a valid file\x00\x01\x02" * 3)
            empty = tmp / f"empty{suffix}"
            empty.write_bytes(b"")
            cases |= {"garbage": garbage, "empty": empty}
        for case, path in cases.items():
            try:
                fmt.read(path)
            except InputError as e:
                assert str(path.name) in str(e), f"{case}: error does not name the file: {e}"
                assert "\n" not in str(e), f"{case}: error is not one line: {e!r}"
            else:
                raise AssertionError(f"{fmt.name}: reading a {case} file raised no InputError")
    return check


def _metric_sanity(metric: MetricRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        rng = np.random.default_rng(0)
        ref = rng.random((32, 32))
        near = ref + 0.01 * rng.standard_normal(ref.shape)
        far = ref + 0.2 * rng.standard_normal(ref.shape)
        v_near, v_far = metric.fn(near, ref, 1.0, "HW"), metric.fn(far, ref, 1.0, "HW")
        assert isinstance(v_near, float) and np.isfinite(v_near) and np.isfinite(v_far)
        better = v_near > v_far if metric.higher_is_better else v_near < v_far
        assert better, f"{metric.name}: a closer estimate scored worse ({v_near} vs {v_far})"
    return check


def _pipeline_run(host: PluginHost, record: PipelineRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        from denoisekit.runner import find_format, run_pipeline

        sample_dir = tmp / "sample"
        sample_dir.mkdir()
        inputs = (record.sample or host.domain(record.domain).build_sample)(sample_dir)
        outputs = []
        for i in range(2):
            result = run_pipeline(host, record.key, inputs.input, tmp / f"out{i}", reference=inputs.reference,
                                  overrides=dict(record.test_config), device="cpu", seed=0, show_progress=False)
            files = {p.name for p in result.output_dir.iterdir()}
            expected = {inputs.input.name, "run.json", "report.png"} | (
                {"metrics.json"} if inputs.reference else set())
            assert expected <= files, f"missing outputs: {sorted(expected - files)}"
            fmt = find_format(host, record, inputs.input)
            original, out = fmt.read(inputs.input), fmt.read(result.output_file)
            if record.same_shape:
                assert out.array.shape == original.array.shape, f"output shape {out.array.shape}"
            elif inputs.reference:
                reference = fmt.read(inputs.reference)
                assert out.array.shape == reference.array.shape, f"output shape {out.array.shape}"
            if inputs.reference:
                metrics = json.loads((result.output_dir / "metrics.json").read_text())
                scored = {"pipeline", "input", "output"} if record.same_shape else {"pipeline", "output"}
                assert set(metrics) == scored
                assert set(metrics["output"]) == set(record.metrics)
            outputs.append(out.array)
        np.testing.assert_array_equal(outputs[0], outputs[1], err_msg="same seed gave different outputs")
    return check


def _domain_sample(host: PluginHost, record: DomainRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        from denoisekit.runner import find_format, read_checked

        inputs = record.build_sample(tmp)
        demo = host.pipeline(f"{record.name}/{record.demo_pipeline}")
        for path in filter(None, (inputs.input, inputs.reference)):
            assert path.exists(), f"build_sample did not write {path}"
            read_checked(find_format(host, demo, path), path)
        again = record.build_sample(tmp)
        assert again.input == inputs.input, "build_sample is not idempotent"
    return check


def _options_valid(record: PipelineRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        from denoisekit.options import resolve_options

        assert resolve_options(record) == record.defaults()
        resolve_options(record, overrides=dict(record.test_config))
    return check


def _operator_adjoint(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        op, shape = record.build_example()
        for seed in range(3):
            check = op.adjointness(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
            assert check.passed, (f"operator {record.name!r}: <Ax, y> and <x, A^H y> differ by {check.error:.2e} "
                                  f"(relative), more than float64 rounding allows ({check.tolerance:.2e})")
    return check


def _noise_model_sample(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        noise = record.build_example()
        x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64) + 0.5
        a, b = (noise.sample(x, generator=torch.Generator().manual_seed(0)) for _ in range(2))
        assert a.shape == x.shape and torch.isfinite(a).all(), f"noise model {record.name!r}: bad sample"
        assert torch.equal(a, b), f"noise model {record.name!r}: same seed gave different samples"
    return check


def _schedule_config(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        schedule = record.build_example()
        clone = type(schedule).from_config(json.loads(json.dumps(schedule.config())))
        t = torch.linspace(0.1, 0.9, 5, dtype=torch.float64).view(5, 1)
        x0 = torch.ones(5, 1, dtype=torch.float64)
        y = torch.zeros_like(x0)  # the conditioning signal of schedules that drift towards it (OUVE)
        for a, b in zip(schedule.marginal(x0, t, y), clone.marginal(x0, t, y), strict=True):
            torch.testing.assert_close(a, b)
        std = schedule.marginal(x0, t, y)[1]
        assert bool((std > 0).all()) and bool(torch.isfinite(std).all()), f"schedule {record.name!r}: bad std"
    return check


def _sampler_runs(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        from denoisekit.denoisers.gaussian import GaussianPriorDenoiser
        from denoisekit.operators import Identity
        from denoisekit.samplers import ConditionalSampler
        from denoisekit.schedules import EDM

        sampler = record.build_example()
        prior = GaussianPriorDenoiser(torch.zeros(4, dtype=torch.float64), torch.eye(4, dtype=torch.float64))
        given: dict[str, Any] = {}
        shape = (3, 4)
        if isinstance(sampler, ConditionalSampler):  # a measurement y = A x + n (here: A = I, y = 0.5)
            given["y"] = torch.full((3, 4), 0.5, dtype=torch.float64)
            given["op"] = Identity() if sampler.requires_op else None
            if not sampler.requires_op:  # a two-source sampler (y = x + h): its state stacks x and h on dim 1
                shape = (3, 8)
        runs = [sampler.sample(prior, EDM(), shape, steps=4, generator=torch.Generator().manual_seed(0), **given)
                for _ in range(2)]
        assert runs[0].shape[0] == 3 and bool(torch.isfinite(runs[0]).all()), f"sampler {record.name!r}: bad sample"
        assert torch.equal(runs[0], runs[1]), f"sampler {record.name!r}: same seed gave different samples"
    return check


def _denoiser_contract(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        denoiser, shape = record.build_example()
        x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            out = denoiser(x, 0.5)
            assert out.shape == x.shape and out.dtype == x.dtype and out.device == x.device
            assert bool(torch.isfinite(out).all()), f"denoiser {record.name!r} returned NaN/Inf"
            if getattr(denoiser, "bias_free", False):
                torch.testing.assert_close(denoiser(3 * x, 1.5), 3 * out, rtol=1e-4, atol=1e-5)
    return check


def _loss_backward(record: ComponentRecord) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        import torch

        from denoisekit.losses import BlindSpotNet

        loss_fn = record.build_example()
        torch.manual_seed(0)
        model = BlindSpotNet(1, 8, 1)  # a plain net when called as model(x), a blind-spot one for C-BSN
        y = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
        value = loss_fn(model, y, generator=torch.Generator().manual_seed(1))
        assert value.ndim == 0 and bool(torch.isfinite(value)), f"loss {record.name!r}: not a finite scalar"
        value.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        assert grads and any(bool(g.abs().sum() > 0) for g in grads), f"loss {record.name!r}: no gradient"
    return check


_COMPONENT_CHECKS: dict[str, tuple[str, Callable[[ComponentRecord], Callable[[Path], None]]]] = {
    "register_operators": ("adjoint", _operator_adjoint),
    "register_noise_models": ("sample", _noise_model_sample),
    "register_schedules": ("config", _schedule_config),
    "register_samplers": ("gaussian-prior", _sampler_runs),
    "register_denoisers": ("contract", _denoiser_contract),
    "register_losses": ("backward", _loss_backward),
}


def _record_checks(host: PluginHost, hook: str, record: Record) -> list[Check]:
    key = f"{kind_of(hook)}:{record.key}"
    if isinstance(record, FormatRecord):
        return [Check(f"{key}:round-trip", _format_round_trip(record)),
                Check(f"{key}:bad-files", _format_bad_files(record)),
                Check(f"{key}:preview", _format_preview(record))]
    if isinstance(record, MetricRecord):
        return [Check(f"{key}:sanity", _metric_sanity(record))]
    if isinstance(record, PipelineRecord):
        return [Check(f"{key}:options", _options_valid(record)),
                Check(f"{key}:run-deterministic", _pipeline_run(host, record))]
    if isinstance(record, DomainRecord):
        return [Check(f"{key}:sample", _domain_sample(host, record))]
    if hook in _COMPONENT_CHECKS and isinstance(record, ComponentRecord):
        name, make = _COMPONENT_CHECKS[hook]
        return [Check(f"{key}:{name}", make(record))]
    return []


def plugin_checks(plugin: str, host: PluginHost | None = None) -> list[Check]:
    """Every check for every record that ``plugin`` registers (plus: the plugin loaded)."""
    host = host or PluginHost()
    checks = [Check(f"{plugin}:loaded", _check_loaded(host, plugin))]
    if plugin in host.plugins:
        for hook, record in host.records_of(plugin):
            checks += _record_checks(host, hook, record)
    return checks


def parametrize_plugin_checks(*plugins: str):
    """A ``pytest.mark.parametrize("check", ...)`` over the checks of ``plugins``."""
    import pytest

    host = PluginHost()
    checks = [c for p in plugins for c in plugin_checks(p, host)]
    return pytest.mark.parametrize("check", checks, ids=[c.id for c in checks])
