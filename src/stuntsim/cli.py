"""The ``stuntsim`` command: parse, call the analysis, hand results to the report.

User-caused problems (a bad scenario file, a bad flag) end in one clear message
and exit status 2; internal faults keep their traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stuntsim import __version__
from stuntsim.scenario import ScenarioError, list_builtin_scenarios, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False, help="stuntsim: simulator and safety planner for aerial film stunts.")
# wide enough for the event and verdict tables when output goes to a file or pipe
console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)

ScenarioArg = Annotated[str, typer.Argument(help="A built-in scenario name (see `stuntsim scenarios`) or a TOML file.")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder for the output files.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def _user_error(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _load(scenario: str):
    try:
        return load_scenario(scenario)
    except ScenarioError as error:
        raise _user_error(str(error)) from None


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        console.print(f"stuntsim {__version__}")
        raise typer.Exit()


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(title="Built-in scenarios")
    table.add_column("name")
    table.add_column("title")
    for name, title in list_builtin_scenarios():
        table.add_row(name, title)
    console.print(table)


@app.command()
def simulate(scenario: ScenarioArg, out: OutOption = Path("out")) -> None:
    """Run one deterministic flight: print its events and write the trajectory as CSV."""
    from stuntsim.io.export import write_csv_atomic
    from stuntsim.report.console import print_flight
    from stuntsim.simulate.flight import simulate as run

    model = _load(scenario)
    flight = run(model)
    print_flight(flight, console)
    path = write_csv_atomic(
        out / f"{model.scenario.name}_trajectory.csv", flight.trajectory(),
        header_lines=[
            f"stuntsim {__version__}; scenario {model.scenario.name}; sha256 {model.scenario_hash}",
            f"frame: ENU about the datum '{model.site.datum}' (east_m, north_m); altitude_msl_m above mean sea level; "
            "height_agl_m above the terrain directly below",
        ],
    )
    console.print(f"trajectory written to {path}")


@app.command()
def plan(
    scenario: ScenarioArg,
    out: OutOption = Path("out"),
    png: Annotated[bool, typer.Option("--png/--no-png", help="Also write PNG plots.")] = True,
    quiet: QuietOption = False,
) -> None:
    """The main job: nominal flight, deployment window, wind sensitivity, verdict and HTML report."""
    model = _load(scenario)
    from stuntsim.analysis.plan import plan as run_plan
    from stuntsim.io.export import write_text_atomic
    from stuntsim.report.console import print_plan
    from stuntsim.report.html import write_plan_report
    from stuntsim.report.plots import save_pngs
    from stuntsim.report.summary import plan_summary_json

    if model.parachute is None:
        raise _user_error(
            f'scenario "{model.scenario.name}" has no [parachute] section; `stuntsim plan` needs one '
            "(use `stuntsim simulate` for a flight without a canopy)"
        )
    with console.status("planning: nominal flight, deployment window, wind sensitivity ...", spinner="dots") as status:
        if quiet:
            status.stop()
        result = run_plan(model)
    print_plan(result, console)
    name = model.scenario.name
    written = [
        write_plan_report(result, out / f"{name}_report.html"),
        write_text_atomic(out / f"{name}_summary.json", plan_summary_json(result)),
    ]
    if png:
        written += save_pngs(result, out)
    for path in written:
        console.print(f"wrote {path}")


def _dask_client(workers: int | None, scheduler: str | None):
    """A Dask client for --workers (local cluster on loopback) or --scheduler; None for a local run."""
    if workers is None and scheduler is None:
        return None, None
    if workers is not None and scheduler is not None:
        raise _user_error("give either --workers or --scheduler, not both")
    if workers is not None and workers < 1:
        raise _user_error(f"--workers: got {workers}; expected a positive number of worker processes such as 2")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise _user_error("--workers/--scheduler need Dask: pip install 'stuntsim[distributed]'") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as error:
            raise _user_error(f"--scheduler: could not reach {scheduler!r} ({error}); expected the address of a "
                              "running Dask scheduler such as tcp://127.0.0.1:8786") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    return Client(cluster), cluster


@app.command()
def risk(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Number of Monte Carlo samples.")] = 100_000,
    out: OutOption = Path("out"),
    workers: Annotated[int | None, typer.Option(help="Run on a local Dask cluster of this many worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on the Dask scheduler at this address.")] = None,
    rare: Annotated[str | None, typer.Option(help="Estimate one criterion's (small) failure probability by subset "
                                                  "simulation instead, e.g. --rare separation.")] = None,
    samples_per_level: Annotated[int, typer.Option(help="Samples per level of subset simulation.")] = 2000,
    repeats: Annotated[int, typer.Option(help="Independent subset simulations (seeds seed, seed+1, ...) whose mean "
                                              "is the estimate and whose scatter measures its coefficient of "
                                              "variation; 1 reports one run's own (Au & Beck) estimate.")] = 10,
    quiet: QuietOption = False,
) -> None:
    """Monte Carlo over the scenario's [uncertainty] inputs: failure probability per mode with intervals."""
    model = _load(scenario)
    if model.uncertainty is None:
        raise _user_error(f'scenario "{model.scenario.name}" has no [uncertainty] section; `stuntsim risk` needs one')
    if samples < 1:
        raise _user_error(f"--samples: got {samples}; expected a positive number of samples such as 100000")
    if rare is not None:
        _rare(model, rare, samples_per_level, repeats, out)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from stuntsim.analysis.risk import run_risk, write_summary
    from stuntsim.report.console import print_risk
    from stuntsim.report.html import write_risk_report
    from stuntsim.report.plots import save_risk_pngs

    client, cluster = _dask_client(workers, scheduler)
    columns = (TextColumn("risk"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} samples"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, disable=quiet) as bar:
            task = bar.add_task("samples", total=samples)
            result = run_risk(model, samples, out_dir=out, client=client, progress=lambda k: bar.advance(task, k))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    print_risk(result, console)
    if result.n_samples == 0:
        console.print("[yellow]Interrupted before the first chunk finished; nothing written.[/yellow]")
        raise typer.Exit(code=130)
    path = write_summary(result, out / f"{model.scenario.name}_risk.json")
    report = write_risk_report(result, out / f"{model.scenario.name}_risk_report.html", model)
    pngs = save_risk_pngs(result, out)
    console.print(f"wrote {path}, {len(pngs)} margin histograms and {result.parquet_dir}/")
    console.print(f"wrote {report}")
    if result.interrupted:
        console.print("[yellow]Interrupted: the results cover the chunks finished before Ctrl-C.[/yellow]")
        raise typer.Exit(code=130)


def _rare(model, criterion: str, samples_per_level: int, repeats: int, out: Path) -> None:
    import json

    from stuntsim import DISCLAIMER, __version__
    from stuntsim.analysis.risk import subset_failure_probability
    from stuntsim.io.export import write_text_atomic

    if samples_per_level < 100:
        raise _user_error(f"--samples-per-level: got {samples_per_level}; expected at least 100, such as 2000")
    if repeats < 1:
        raise _user_error(f"--repeats: got {repeats}; expected at least 1, such as 10")
    try:
        with console.status(f"subset simulation of {criterion} ({repeats} run{'s' if repeats > 1 else ''}) ...",
                            spinner="dots"):
            result = subset_failure_probability(model, criterion, n_per_level=samples_per_level, repeats=repeats)
    except ValueError as error:
        raise _user_error(f"--rare: {error}") from None
    def run_summary(r) -> dict:
        return {"probability": r.probability, "cov": r.cov, "cov_upper": r.cov_upper, "levels": r.n_levels,
                "level_probabilities": list(r.level_probabilities), "thresholds": list(r.thresholds),
                "evaluations": r.n_evaluations, "seed": r.seed, "converged": r.converged}

    summary = {
        "disclaimer": DISCLAIMER, "stuntsim_version": __version__, "scenario": model.scenario.name,
        "scenario_hash": model.scenario_hash, "method": "subset simulation", "criterion": criterion,
    }
    if repeats == 1:
        console.print(
            f"P({criterion} fails) = {result.probability:.3e}, coefficient of variation {result.cov:.2f} "
            f"(at most {result.cov_upper:.2f} if the levels are fully correlated) "
            f"({result.n_levels} levels, {result.n_evaluations:,} flights, seed {result.seed})"
        )
        summary.update(run_summary(result))
    else:
        console.print(
            f"P({criterion} fails) = {result.probability:.3e}, the mean of {repeats} runs; its coefficient of "
            f"variation {result.cov:.2f}, measured from their scatter ({result.n_evaluations:,} flights, seeds "
            f"{result.runs[0].seed} to {result.runs[-1].seed})"
        )
        console.print(
            f"[dim]One run scatters by {result.scatter:.2f} (single runs {result.estimates.min():.2e} to "
            f"{result.estimates.max():.2e}); its own Au & Beck coefficient claims {result.reported_cov:.2f}.[/dim]"
        )
        summary.update({
            "probability": result.probability, "cov": result.cov, "cov_measured_from": f"{repeats} runs",
            "scatter_of_one_run": result.scatter, "reported_cov_of_one_run": result.reported_cov,
            "repeats": repeats, "evaluations": result.n_evaluations, "converged": result.converged,
            "runs": [run_summary(r) for r in result.runs],
        })
    if not result.converged:
        console.print("[bold red]Subset simulation did not converge (its thresholds stopped falling or it ran out of "
                      "levels) in at least one run: this estimate is not usable; use plain Monte Carlo "
                      "(stuntsim risk -n N).[/bold red]")
    elif repeats == 1:
        console.print("[dim]The coefficient of variation is the Au & Beck estimate, the levels taken as uncorrelated; "
                      "it can understate the scatter, most where failures come from several separate regions of the "
                      "inputs. The bound takes them as fully correlated. Use --repeats to measure it.[/dim]")
    console.print(f"[dim]{DISCLAIMER}[/dim]")
    path = write_text_atomic(out / f"{model.scenario.name}_rare_{criterion}.json", json.dumps(summary, indent=2))
    console.print(f"wrote {path}")


@app.command()
def envelope(
    scenario: ScenarioArg,
    samples_per_cell: Annotated[int, typer.Option(help="Samples of the uncertain inputs per wind cell.")] = 400,
    acceptable_risk: Annotated[float, typer.Option(help="Failure probability at or below which a cell is GO.")] = 0.01,
    max_wind: Annotated[float, typer.Option(help="Highest mean wind speed swept [m/s].")] = 16.0,
    wind_step: Annotated[float, typer.Option(help="Wind speed step [m/s].")] = 2.0,
    out: OutOption = Path("out"),
) -> None:
    """Wind go/no-go envelope: P(failure) over mean wind speed and direction, and the boundary."""
    model = _load(scenario)
    if model.uncertainty is None:
        raise _user_error(f'scenario "{model.scenario.name}" has no [uncertainty] section; `stuntsim envelope` needs one')
    if not 0.0 < acceptable_risk < 1.0:
        raise _user_error(f"--acceptable-risk: got {acceptable_risk}; expected a probability between 0 and 1 such as 0.01")
    if samples_per_cell < 1 or samples_per_cell > model.uncertainty.chunk_size:
        raise _user_error(f"--samples-per-cell: got {samples_per_cell}; expected 1 to uncertainty.chunk_size "
                          f"({model.uncertainty.chunk_size})")
    if max_wind <= 0 or wind_step <= 0:
        raise _user_error(f"--max-wind/--wind-step: got {max_wind}/{wind_step}; expected positive speeds in m/s")
    import numpy as np

    from stuntsim.analysis.envelope import wind_envelope
    from stuntsim.analysis.rare import wilson_interval
    from stuntsim.analysis.risk import CONFIDENCE

    if wilson_interval(0, samples_per_cell, CONFIDENCE)[1] > acceptable_risk:
        z2 = 1.959964 ** 2
        needed = int(np.ceil(z2 * (1.0 - acceptable_risk) / acceptable_risk))
        console.print(f"[yellow]With {samples_per_cell} samples per cell no cell can be GO at an acceptable risk of "
                      f"{acceptable_risk:g} (even 0 failures leave the 95% upper bound above it); use at least "
                      f"{needed} samples per cell.[/yellow]")
    from stuntsim.io.export import write_text_atomic
    from stuntsim.report.console import print_envelope
    from stuntsim.report.html import write_envelope_report
    from stuntsim.report.plots import save_envelope_png
    from stuntsim.report.summary import envelope_summary_json

    with console.status("flying the wind envelope ...", spinner="dots"):
        env = wind_envelope(model, np.arange(0.0, max_wind + 1e-9, wind_step), np.arange(0, 360, 45),
                            samples_per_cell, acceptable_risk)
    print_envelope(env, console)
    name = model.scenario.name
    for path in (write_text_atomic(out / f"{name}_envelope.json", envelope_summary_json(env, model)),
                 save_envelope_png(env, out / f"{name}_envelope.png"),
                 write_envelope_report(env, out / f"{name}_envelope_report.html", model)):
        console.print(f"wrote {path}")


def main() -> None:  # pragma: no cover - console entry point alias
    app()
