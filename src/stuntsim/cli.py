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


def main() -> None:  # pragma: no cover - console entry point alias
    app()
