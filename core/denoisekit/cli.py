"""The ``denoisekit`` command line (docs/cli.md).

User mistakes (:class:`denoisekit.errors.UserError`) and failing plugins end in one line on
stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from denoisekit.errors import UserError, error_line
from denoisekit.manager import ENV_NO_PLUGINS, PluginHost, get_host

# paths as given: the runners check existence and permissions themselves, with one-line errors (click's own
# readability check printed a usage screen)
PATH = click.Path(path_type=Path, readable=False)


def _host(ctx: click.Context) -> PluginHost:
    obj = ctx.ensure_object(dict)
    if "host" not in obj:
        obj["host"] = get_host()
    return obj["host"]


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


class _Group(click.Group):
    """Adds the commands that plugins register (``register_commands``); the host builds them.

    A command of a failed plugin is not listed; invoking it is one error line naming the plugin.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {c.name for c in _host(ctx).commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        return _host(ctx).command(name) if command is None else command


def _disable_plugins(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # eager: must act before click resolves a (possibly plugin-provided) subcommand
    if value:
        os.environ[ENV_NO_PLUGINS] = "1"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--no-plugins", is_flag=True, is_eager=True, expose_value=False, callback=_disable_plugins,
              help=f"Load no third-party plugin (also {ENV_NO_PLUGINS}=1).")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.version_option(package_name="denoisekit")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """denoisekit: denoising and diffusion-based restoration pipelines for scientific signals."""
    ctx.ensure_object(dict)["debug"] = debug


# -- plugins / pipelines --------------------------------------------------------------------------

@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List plugins: name, distribution, version, status, error and hooks."""
    infos = list(_host(ctx).plugins.values())
    if as_json:
        click.echo(json.dumps([i.to_json() for i in infos], indent=2))
        return
    from rich.table import Table

    table = Table("plugin", "distribution", "version", "status", "hooks / error")
    for i in infos:
        style = {"loaded": "green", "failed": "red", "blocked": "yellow"}[i.status]
        table.add_row(i.name, i.distribution, i.version, f"[{style}]{i.status}[/]",
                      i.error if i.error else ", ".join(h.removeprefix("register_") for h in i.hooks))
    _console().print(table)


@cli.command()
@click.option("--domain", help="Only this domain's pipelines.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def pipelines(ctx: click.Context, domain: str | None, as_json: bool) -> None:
    """List pipelines with a one-line summary."""
    host = _host(ctx)
    if domain is not None:
        host.domain(domain)  # unknown domain -> error with suggestion
    found = host.pipelines(domain)
    if as_json:
        click.echo(json.dumps([{"name": r.key, "domain": r.domain, "summary": r.summary,
                                "plugin": host.owner("register_pipelines", r.key).name,
                                "formats": list(r.formats)} for r in found], indent=2))
        return
    from rich.table import Table

    table = Table("pipeline", "summary", "formats")
    for r in found:
        table.add_row(r.key, r.summary, ", ".join(r.formats))
    _console().print(table)


# -- run ------------------------------------------------------------------------------------------

def pipeline_help(host: PluginHost, key: str) -> str:
    """The text of ``denoisekit run DOMAIN/PIPELINE --help``."""
    r = host.pipeline(key)
    owner = host.owner("register_pipelines", key)
    suffixes = sorted({s for f in r.formats for s in host.format(f).suffixes})
    lines = [f"{r.key}: {r.summary}", f"plugin: {owner.name} ({owner.distribution} {owner.version})",
             f"formats: {', '.join(r.formats)} ({' '.join(suffixes)})",
             f"metrics with --reference: {', '.join(r.metrics)}", "",
             "options (--set NAME=VALUE, or NAME = VALUE in a --config TOML file):"]
    lines += _option_lines(r.options)
    lines += ["", f"usage: denoisekit run {r.key} --input PATH --output DIR [--reference PATH] "
                  "[--config FILE.toml] [--set k=v ...] [--device auto|cpu|cuda] [--seed N] [--overwrite]"]
    if r.training is not None:
        lines.append(f"training: denoisekit train {r.key} --help")
    return "\n".join(lines)


def _option_lines(options: Any) -> list[str]:
    lines = []
    for o in options:
        facts = [o.type.__name__, f"default {o.default!r}"]
        facts += [f"{w} {v}" for w, v in (("min", o.minimum), ("max", o.maximum)) if v is not None]
        facts += [f"one of {', '.join(map(str, o.choices))}"] if o.choices else []
        lines.append(f"  {o.name} ({', '.join(facts)}): {o.help}")
    return lines or ["  (none)"]


def train_help(host: PluginHost, key: str) -> str:
    """The text of ``denoisekit train DOMAIN/PIPELINE --help``."""
    from denoisekit.train_runner import training_of

    training, r = training_of(host, key), host.pipeline(key)
    lines = [f"train {r.key}: fit the model of {r.key} ({r.summary})", "",
             "training options (--set NAME=VALUE, or NAME = VALUE in a --config TOML file):",
             *_option_lines(training.options), "",
             f"usage: denoisekit train {r.key} --data DIR --output DIR [--config FILE.toml] [--set k=v ...] "
             "[--device auto|cpu|cuda] [--seed N] [--resume | --overwrite]",
             f"then: denoisekit run {r.key} --set weights=DIR/weights.pt ..."]
    return "\n".join(lines)


def _option_sources(f: Any) -> Any:
    """The options shared by ``run`` and ``train``: --config, --set, --device and --seed."""
    for option in reversed((
        click.option("-c", "--config", "config_file", type=PATH, help="TOML file of options."),
        click.option("-s", "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Set one option (repeatable)."),
        click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N."),
        click.option("--seed", default=0, show_default=True, type=int, help="Seed of every random draw."),
    )):
        f = option(f)
    return f


@cli.command(add_help_option=False)
@click.argument("pipeline", required=False)
@click.option("-i", "--input", "input_", type=PATH, help="Input file or folder.")
@click.option("-o", "--output", type=PATH, help="Output directory (must not exist).")
@click.option("-r", "--reference", type=PATH, help="Clean reference, for metrics.json.")
@_option_sources
@click.option("--overwrite", is_flag=True, help="Replace an earlier denoisekit output in --output.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("-h", "--help", "show_help", is_flag=True, help="Show this help, or a pipeline's options.")
@click.pass_context
def run(ctx: click.Context, pipeline: str | None, input_: Path | None, output: Path | None,
        reference: Path | None, config_file: Path | None, sets: tuple[str, ...], device: str, seed: int,
        overwrite: bool, quiet: bool, show_help: bool) -> None:
    """Run PIPELINE (DOMAIN/NAME) on --input and write the results into --output.

    Writes the output in the input's format, run.json, report.png, and metrics.json when a
    --reference is given. `denoisekit run DOMAIN/NAME --help` lists the pipeline's options.
    """
    if show_help:
        click.echo(pipeline_help(_host(ctx), pipeline) if pipeline else ctx.get_help())
        return
    missing = [n for n, v in (("PIPELINE", pipeline), ("--input", input_), ("--output", output)) if v is None]
    if missing:
        raise UserError(f"run: missing {', '.join(missing)} (see denoisekit run --help)")
    from denoisekit.options import parse_set
    from denoisekit.runner import run_pipeline

    result = run_pipeline(_host(ctx), pipeline, input_, output, reference=reference, config_file=config_file,
                          overrides=parse_set(sets), device=device, seed=seed, overwrite=overwrite,
                          show_progress=not quiet)
    _print_result(pipeline, result)


@cli.command(add_help_option=False)
@click.argument("pipeline", required=False)
@click.option("-d", "--data", type=PATH, help="File or folder of training data.")
@click.option("-o", "--output", type=PATH, help="Directory for checkpoints and weights.pt.")
@_option_sources
@click.option("--resume", is_flag=True, help="Continue an interrupted training in --output (same options).")
@click.option("--overwrite", is_flag=True, help="Discard an earlier training in --output and start again.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("-h", "--help", "show_help", is_flag=True, help="Show this help, or a pipeline's training options.")
@click.pass_context
def train(ctx: click.Context, pipeline: str | None, data: Path | None, output: Path | None,
          config_file: Path | None, sets: tuple[str, ...], device: str, seed: int, resume: bool,
          overwrite: bool, quiet: bool, show_help: bool) -> None:
    """Train PIPELINE's (DOMAIN/NAME) model on --data; writes --output/weights.pt.

    Checkpoints go to --output/checkpoints as training runs; an interrupted run continues with
    --resume. `denoisekit train DOMAIN/NAME --help` lists the training options.
    """
    if show_help:
        click.echo(train_help(_host(ctx), pipeline) if pipeline else ctx.get_help())
        return
    missing = [n for n, v in (("PIPELINE", pipeline), ("--data", data), ("--output", output)) if v is None]
    if missing:
        raise UserError(f"train: missing {', '.join(missing)} (see denoisekit train --help)")
    if resume and overwrite:
        raise UserError("train: --resume and --overwrite exclude each other")
    from denoisekit.options import parse_set
    from denoisekit.train_runner import train_pipeline

    result = train_pipeline(_host(ctx), pipeline, data, output, config_file=config_file,
                            overrides=parse_set(sets), device=device, seed=seed, resume=resume,
                            overwrite=overwrite, show_progress=not quiet)
    click.echo(f"{pipeline}: trained in {result.seconds.get('train', 0.0):.1f} s; weights: {result.weights}")
    click.echo(f"  use them: denoisekit run {pipeline} --set weights={result.weights} --input ... --output ...")


@cli.command()
@click.argument("pipeline")
@click.option("-i", "--input", "input_", required=True, help="Folder of inputs, or a glob in quotes ('scans/*.dcm').")
@click.option("-o", "--output", required=True, type=PATH,
              help="Batch folder: one sub-folder per input, batch.jsonl and batch.json.")
@click.option("-w", "--workers", type=int, help="Parallel workers (local: processes, default the CPUs here; "
              "ray: tasks in flight, default the cluster's CPUs).")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="local: a process pool on this machine; ray: a Ray cluster (pip install 'denoisekit[ray]').")
@click.option("--address", help="Ray cluster to join (ray://HOST:10001 or HOST:6379); default a local one.")
@click.option("--gpus-per-task", type=float, help="GPUs (a fraction is fine) per Ray task; default 1 when the "
              "cluster has GPUs and --device is not cpu.")
@click.option("-r", "--reference", type=PATH,
              help="Folder of clean references, paired with the inputs by stem (metrics.json for each).")
@_option_sources
@click.option("--overwrite", is_flag=True, help="Redo every input, replacing its folder, and start a new manifest.")
@click.option("--retry-failed", is_flag=True, help="Run again the inputs that failed before.")
@click.option("--quiet", is_flag=True, help="No progress.")
@click.pass_context
def batch(ctx: click.Context, pipeline: str, input_: str, output: Path, workers: int | None, engine: str,
          address: str | None, gpus_per_task: float | None, reference: Path | None, config_file: Path | None,
          sets: tuple[str, ...], device: str, seed: int, overwrite: bool, retry_failed: bool, quiet: bool) -> None:
    """Run PIPELINE on every input of --input, each into --output/<input stem>/ (docs/batch.md).

    Resumes when run again: finished inputs are skipped, failed ones rerun only with --retry-failed.
    Exit code 0 when every input succeeded, 1 otherwise.
    """
    from denoisekit.batch import run_batch
    from denoisekit.options import parse_set

    try:
        result = run_batch(pipeline, input_, output, reference=reference, config_file=config_file,
                           overrides=parse_set(sets), device=device, seed=seed, workers=workers, engine=engine,
                           address=address, gpus_per_task=gpus_per_task, overwrite=overwrite,
                           retry_failed=retry_failed, show_progress=not quiet, host=_host(ctx))
    except (KeyboardInterrupt, Interrupted) as e:
        signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
        click.echo(f"interrupted: the finished inputs are kept in {output}/batch.jsonl; run the same command "
                   "to resume", err=True)
        raise click.exceptions.Exit(128 + signum) from None
    click.echo(f"{pipeline}: {result.succeeded} of {result.inputs} input(s) succeeded, {result.failed} failed "
               f"({result.ran} run now, {result.skipped} skipped) in {result.seconds:.1f} s, "
               f"{result.throughput:.2f} inputs/s; manifest: {result.output / 'batch.jsonl'}")
    for stem, error in list(result.failures.items())[:10]:
        click.echo(f"  failed: {stem}: {error}")
    if len(result.failures) > 10:
        click.echo(f"  ... and {len(result.failures) - 10} more (see batch.jsonl)")
    if result.failures and not retry_failed:
        click.echo("  rerun them with --retry-failed")
    if not result.ok:
        raise click.exceptions.Exit(1)


def _print_result(pipeline: str, result: Any) -> None:
    click.echo(f"{pipeline}: wrote {result.output_dir}")
    if result.metrics:
        before = result.metrics.get("input", {})
        for name, value in result.metrics["output"].items():
            start = f"input {before[name]:.4f} -> " if name in before else ""
            click.echo(f"  {name}: {start}output {value:.4f}")


# -- demo -----------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where built samples are cached: $DENOISEKIT_CACHE, else ~/.cache/denoisekit."""
    env = os.environ.get("DENOISEKIT_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "denoisekit"
    return base.expanduser()


@cli.command()
@click.argument("domains", nargs=-1)
@click.option("-o", "--output", default="demo-output", show_default=True, type=PATH,
              help="Directory that receives one sub-directory per domain.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("-s", "--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Set an option of the demo pipeline (with exactly one DOMAIN).")
@click.option("--overwrite", is_flag=True, help="Replace existing demo results.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def demo(ctx: click.Context, domains: tuple[str, ...], output: Path, device: str, seed: int,
         sets: tuple[str, ...], overwrite: bool, quiet: bool) -> None:
    """Run each installed domain's demo pipeline on its built-in sample (or only DOMAINS)."""
    from denoisekit.options import parse_set
    from denoisekit.runner import run_pipeline

    host = _host(ctx)
    chosen = [host.domain(d) for d in domains] if domains else host.domains()
    if sets and len(chosen) != 1:
        raise UserError("demo: --set needs exactly one DOMAIN")
    for dom in chosen:
        key = f"{dom.name}/{dom.demo_pipeline}"
        sample_dir = cache_dir() / "samples" / dom.name
        sample_dir.mkdir(parents=True, exist_ok=True)
        click.echo(f"{key}: building the built-in sample in {sample_dir}")
        inputs = dom.build_sample(sample_dir)
        result = run_pipeline(host, key, inputs.input, output / dom.name, reference=inputs.reference,
                              extra_config=inputs.config, overrides=parse_set(sets), device=device, seed=seed,
                              overwrite=overwrite, show_progress=not quiet)
        _print_result(key, result)
        click.echo(f"  report: {result.output_dir / 'report.png'}")


# -- install / new-plugin -------------------------------------------------------------------------

def default_constraints() -> Path | None:
    """$DENOISEKIT_CONSTRAINTS, else the source tree's constraints.txt for an editable install."""
    env = os.environ.get("DENOISEKIT_CONSTRAINTS")
    if env:
        return Path(env)
    import denoisekit

    candidate = Path(denoisekit.__file__).resolve().parents[2] / "constraints.txt"
    return candidate if candidate.is_file() else None


def _plugin_json() -> list[dict[str, Any]]:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "denoisekit.cli", "plugins", "--json"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UserError(f"could not list plugins after install: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout)


@cli.command()
@click.argument("packages", nargs=-1)
@click.option("-e", "--editable", "editables", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Install a plugin from a local folder in editable mode (repeatable).")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade the packages if already installed.")
@click.option("--constraints", type=click.Path(exists=True, path_type=Path),
              help="pip constraints file (default: $DENOISEKIT_CONSTRAINTS or the source tree's).")
@click.option("--no-build-isolation", is_flag=True, help="Passed to pip (offline builds).")
def install(packages: tuple[str, ...], editables: tuple[Path, ...], upgrade: bool,
            constraints: Path | None, no_build_isolation: bool) -> None:
    """Install plugin distributions (names, paths or -e folders) into this environment with pip."""
    import subprocess

    if not packages and not editables:
        raise UserError("install: name at least one package or -e FOLDER")
    before = {p["name"]: p for p in _plugin_json()}
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    constraints = constraints or default_constraints()
    if constraints:
        cmd += ["-c", str(constraints)]
    if upgrade:
        cmd.append("--upgrade")
    if no_build_isolation:
        cmd.append("--no-build-isolation")
    cmd += list(packages)
    for path in editables:
        cmd += ["-e", str(path)]
    click.echo(" ".join(cmd), err=True)
    if subprocess.run(cmd, check=False).returncode != 0:
        raise UserError(f"install: pip failed for {' '.join(map(str, packages + editables))}")
    changed = [p for p in _plugin_json() if before.get(p["name"]) != p]
    if not changed:
        click.echo("installed, but no new or changed denoisekit plugin was found (no 'denoisekit.plugins' "
                   "entry point?)")
    for p in changed:
        click.echo(f"{p['name']} ({p['distribution']} {p['version']}): {p['status']}"
                   + (f": {p['error']}" if p["error"] else ""))


@cli.command("new-plugin")
@click.argument("name")
@click.option("-o", "--output", required=True, type=PATH,
              help="Folder to create the plugin package in.")
def new_plugin(name: str, output: Path) -> None:
    """Scaffold a third-party plugin package NAME that passes the conformance kit.

    --output must be new or empty: the package is your code from then on, so it is never replaced."""
    from denoisekit.scaffold import scaffold_plugin

    path = scaffold_plugin(name, output)
    click.echo(f"created {path}\nnext: denoisekit install -e {path} && python -m pytest {path}")


# -- entry point ----------------------------------------------------------------------------------

class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so atomic outputs clean up (not an Exception,
    so no ``except Exception`` swallows it, and not a KeyboardInterrupt, which click reports itself)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


@contextmanager
def _termination_interrupts() -> Iterator[None]:
    """While the CLI runs, SIGTERM and SIGHUP raise :class:`Interrupted` (main thread only)."""
    try:
        previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    except ValueError:  # not the main thread
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and exit code 2, signals exit 128 + signum."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        with _termination_interrupts():
            # click returns a command's own exit code (click.exceptions.Exit, e.g. `batch` exits 1) here
            code = cli.main(args=argv, prog_name="denoisekit", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted: nothing was written", err=True)
        return 128 + signal.SIGINT
    except Interrupted as e:
        click.echo(f"interrupted by {signal.Signals(e.signum).name}: nothing was written", err=True)
        return 128 + e.signum
    except UserError as e:
        if debug:
            raise
        click.echo(f"error: {e}", err=True)
        return 2
    except Exception as e:
        if debug:
            raise
        click.echo(f"error: {error_line(e)} (run with --debug for the traceback)", err=True)
        return 2
    return code if type(code) is int else 0


if __name__ == "__main__":
    sys.exit(main())
