"""`stuntsim plan`: bad Helsetkopen values are refused clearly; the main job writes its outputs."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from typer.testing import CliRunner

from stuntsim.cli import app

BUILTIN = (files("stuntsim.scenario.library") / "helsetkopen.toml").read_text()
runner = CliRunner()


def _write(tmp_path, old: str, new: str):
    assert old in BUILTIN, old
    path = tmp_path / "variant.toml"
    path.write_text(BUILTIN.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ('length = "100 m"', 'length = "400 m"', "ramp.length", "stays above the terrain"),
        ('pull_time = "5.0 s"', 'pull_time = "0.5 s"', "parachute.pull_time", "after the rider has let go"),
        ('pull_time = "5.0 s"', 'pull_time = "-1 s"', "parachute.pull_time", "positive"),
        ('canopy_area = "260 ft^2"', 'canopy_area = "0 ft^2"', "parachute.canopy_area", "positive"),
    ],
)
def test_plan_bad_helsetkopen_value_exits_2_with_field_and_expectation(tmp_path, old, new, field, expected):
    """A ramp longer than the terrain allows, a pull before separation or the lip, a zero canopy: exit 2, clear message."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(_write(tmp_path, old, new)), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_plan_helsetkopen_writes_report_summary_and_plots(tmp_path):
    """The main job prints the verdict and writes the HTML report, the JSON summary and PNG plots."""
    result = runner.invoke(app, ["plan", "helsetkopen", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Deployment window" in result.output
    summary = json.loads((tmp_path / "helsetkopen_summary.json").read_text())
    assert summary["verdict"] in ("GO", "NO-GO")
    assert summary["meta"]["scenario_hash"]
    window = summary["deployment_window"]
    assert window["earliest_pull_s"] < window["planned_pull_s"] < window["latest_pull_s"]
    assert (tmp_path / "helsetkopen_report.html").stat().st_size > 100_000
    assert list(tmp_path.glob("*.png"))
    assert not list(tmp_path.glob(".*.tmp"))


JUMP_SECTIONS = """
[parachute]
pull_time = "4 s"
pilot_chute_diameter = "46 in"
pilot_chute_fill_constant = 3.0
bridle_length = "9 ft"
line_length = "5 m"
canopy_area = "260 ft^2"
fill_constant = 8.0

[canopy]
forward_speed = "8.9 m/s"
sink_rate = "3.1 m/s"
flare_forward_speed = "4 m/s"
flare_sink_rate = "1.5 m/s"

[landing_zone]
name = "beach"
east = "-300 m"
north = "0 m"
radius = "50 m"

[criteria]
min_separation_at_line_stretch = "10 m"
min_terrain_clearance = "10 m"
min_full_canopy_height_agl = "60 m"
max_opening_load = 10.0
max_touchdown_vertical_speed = "3 m/s"
"""


def test_plan_jump_without_ramp_has_no_ramp_or_bike_criteria(tmp_path):
    """A cliff jump with a parachute (no ramp, no bike) plans with the jump's criteria only and lands."""
    text = (files("stuntsim.scenario.library") / "freefall-demo.toml").read_text()
    text = text.replace('max_time = "60 s"', 'max_time = "400 s"', 1) + JUMP_SECTIONS
    path = tmp_path / "jump.toml"
    path.write_text(text)
    result = runner.invoke(app, ["plan", str(path), "--out", str(tmp_path), "--no-png", "--quiet"])
    assert result.exit_code == 0, result.output
    criteria = json.loads((tmp_path / "freefall-demo_summary.json").read_text())["criteria"]
    assert {"launch_speed", "ramp_crosswind", "separation", "bike_exclusion"}.isdisjoint(criteria)
    assert criteria["landing_zone"]["value"] is not None
    assert criteria["full_canopy_height"]["passed"]
