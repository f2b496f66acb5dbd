"""Console tables (rich): views of result data, no physics here."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from stuntsim import DISCLAIMER
from stuntsim.simulate.flight import Flight


def flight_table(flight: Flight) -> Table:
    """Events of one flight: time, position, altitude MSL, height AGL, speeds, with units."""
    table = Table(title=f"{flight.compiled.name}: events (t = 0 at the datum event; negative on the ramp)")
    for header in ("body", "event", "t [s]", "east [m]", "north [m]", "altitude MSL [m]", "height AGL [m]",
                   "speed [m/s]", "vertical [m/s]"):
        table.add_column(header, justify="left" if header in ("body", "event") else "right")
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
