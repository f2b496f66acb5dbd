"""Console tables (rich): views of result data, no physics here."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stuntsim import DISCLAIMER
from stuntsim.simulate.flight import Flight


def flight_table(flight: Flight) -> Table:
    """Events of one flight: time, position, altitude MSL, height AGL, speeds, with units."""
    table = Table(title=f"{flight.compiled.name}: events (t = 0 at the datum event; negative on the ramp)")
    for header in ("body", "event", "t [s]", "east [m]", "north [m]", "altitude MSL [m]", "height AGL [m]",
                   "speed [m/s]", "vertical [m/s]"):
        table.add_column(escape(header), justify="left" if header in ("body", "event") else "right")
    for e in flight.events():
        table.add_row(
            e.body, e.phase, f"{e.time:.3f}", f"{e.east:.1f}", f"{e.north:.1f}", f"{e.altitude_msl:.1f}",
            f"{e.height_agl:.1f}", f"{e.speed:.1f}", f"{e.vertical_speed:+.1f}",
        )
    return table


def print_flight(flight: Flight, console: Console) -> None:
    """Print the event table and the flight's closing facts."""
    console.print(flight_table(flight))
    if not flight.completed:
        console.print(f"[yellow]The flight did not end within max_time = {flight.compiled.max_time:g} s.[/yellow]")
    console.print(f"[dim]{DISCLAIMER}[/dim]")


def _fmt(x: float, digits: int = 2) -> str:
    return "n/a" if x != x else f"{x:.{digits}f}"


def verdict_table(result) -> Table:
    """The plan's criteria: value, limit, margin, pass/fail; the binding one marked."""
    m = result.margins
    binding = result.binding
    table = Table(title=f"{result.compiled.name}: verdict {result.verdict} (binding: {m.info[binding].title})")
    for header in ("criterion", "value", "limit", "margin", "result"):
        table.add_column(escape(header), justify="left" if header in ("criterion", "limit") else "right")
    for key in m.keys:
        info = m.info[key]
        ok = bool(m.passed(key)[0])
        mark = "[green]PASS[/green]" if ok else "[bold red]FAIL[/bold red]"
        name = f"[bold]{info.title} (binding)[/bold]" if key == binding else info.title
        table.add_row(
            name, f"{_fmt(m.value[key][0])} {info.unit}", info.limit_text, f"{_fmt(m.margin[key][0])} {info.unit}", mark
        )
    return table


def print_plan(result, console: Console) -> None:
    """Verdict, margins, deployment window and wind sensitivity on the console."""
    colour = "green" if result.go else "red"
    console.print(f"[bold {colour}]{result.verdict}[/bold {colour}]  {result.scenario.scenario.title}")
    console.print(verdict_table(result))
    if not result.nominal.completed:
        console.print(
            f"[bold yellow]The nominal flight had not ended at simulation.max_time = {result.compiled.max_time:g} s; "
            "criteria that need the landing show n/a and fail. Raise simulation.max_time.[/bold yellow]"
        )
    w, para = result.window, result.scenario.parachute
    if result.opening is not None:
        o = result.opening
        console.print(f"Opening: {o['altitude_loss_m']:.1f} m of altitude lost in {o['time_s']:.2f} s from the pull to "
                      f"full canopy, which is {o['full_canopy_height_agl_m']:.1f} m above the ground.")
    if w.earliest is None:
        console.print("[bold red]No pull time satisfies every criterion.[/bold red]")
    else:
        info = result.margins.info
        early = info[w.earliest_closed_by].title if w.earliest_closed_by else "end of the range searched"
        late = info[w.latest_closed_by].title if w.latest_closed_by else "end of the range searched"
        console.print(
            f"Deployment window (pull time after the datum event): {w.earliest:.3f} s to {w.latest:.3f} s "
            f"(width {w.width:.3f} s); opened by [italic]{early}[/italic], closed by [italic]{late}[/italic]. "
            f"Planned pull: {para.pull_time:.2f} s."
        )
        if para.reported_pull_time is not None:
            inside = w.earliest <= para.reported_pull_time <= w.latest
            console.print(
                f"Reported pull time {para.reported_pull_time:.1f} s ({para.reported_pull_time_source}) is "
                + ("[green]inside[/green]" if inside else "[red]outside[/red]")
                + " the window this scenario's terrain and canopy give."
            )
    wind = Table(title="Wind sensitivity: highest uniform wind with every criterion holding")
    for header in ("wind from, relative to heading [deg]", "max wind [m/s]", "first failure above it"):
        wind.add_column(escape(header), justify="right")
    for d, v, by in zip(result.wind.directions_deg, result.wind.max_speed, result.wind.closed_by):
        title = result.margins.info[by].title if by else f"none up to {result.wind.speeds[-1]:.0f} m/s"
        wind.add_row(f"{d:.0f}", "fails in calm air" if v != v else f"{v:.0f}", title)
    console.print(wind)
    console.print(f"[dim]{DISCLAIMER}[/dim]")


def print_risk(result, console: Console) -> None:
    """Failure probability per mode with its interval, margin quantiles and the main driver.

    The main driver is the input whose mean in the failing samples lies furthest
    from its overall mean (in standard deviations), or, with too few failures, the
    input most rank-correlated with the margin.
    """
    if result.n_samples == 0:
        console.print("[yellow]No chunk finished: there are no results to show.[/yellow]")
        return
    table = Table(title=f"{result.scenario_name}: Monte Carlo ({result.method}, seed {result.seed}, "
                        f"{result.n_samples:,} samples)")
    for header in ("failure mode", "failures", "probability", "95% interval (Wilson)", "margin 1% / 50%", "main driver (failing samples' mean shift, or rank correlation)"):
        table.add_column(escape(header), justify="left" if header in ("failure mode",) or header.startswith("main driver") else "right")
    for key in result.failures:
        p, lo, hi = result.probability(key)
        q = result.quantiles(key)
        top, kind, value = result.main_driver(key)
        driver = (f"{top} (failures {value:+.1f} sd)" if kind == "shift" else f"{top} (rho {value:+.2f})") if top else ""
        unit = result.units.get(key, "")
        table.add_row(result.titles.get(key, key), f"{result.failures[key]:,}", f"{p:.2e}", f"{lo:.2e} to {hi:.2e}",
                      f"{q[0.01]:.2f} / {q[0.5]:.2f} {unit}", driver)
    p, lo, hi = result.probability()
    table.add_row("[bold]any criterion[/bold]", f"{result.any_failures:,}", f"{p:.2e}", f"{lo:.2e} to {hi:.2e}", "", "")
    console.print(table)
    console.print(f"{result.n_samples / max(result.elapsed_s, 1e-9):,.0f} samples/s over {result.elapsed_s:.1f} s")
    console.print(f"[dim]{DISCLAIMER}[/dim]")


def print_envelope(env, console: Console) -> None:
    """The go/no-go boundary per wind direction."""
    table = Table(title=f"Wind envelope: GO where the upper 95% bound of P(failure) <= {env.acceptable_risk:g} "
                        f"({env.n_per_cell} samples per cell, seed {env.seed})")
    for header in ("wind from, relative to heading [deg]", "max GO mean wind [m/s]", "P(failure) at that wind"):
        table.add_column(escape(header), justify="right")
    for i, d in enumerate(env.directions_deg):
        v = env.max_go_speed[i]
        if v != v:
            table.add_row(f"{d:.0f}", "NO-GO even in calm air", f"{env.probability[i, 0]:.3f}")
        else:
            j = int(np.nonzero(env.speeds == v)[0][0])
            table.add_row(f"{d:.0f}", f"{v:.1f}", f"{env.probability[i, j]:.3f}")
    console.print(table)
    console.print(f"[dim]{DISCLAIMER}[/dim]")
