"""The ``stuntsim`` command: listing scenarios, simulating one, and user errors.

Bad scenarios are made by editing the text of the built-in freefall-demo in a
temporary folder; each must end with exit status 2 and one message that names the
field, the bad value and what was expected, without a traceback, and must leave
no output file behind.
"""

from __future__ import annotations

import csv
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stuntsim.cli import app

DEMO = "freefall-demo"


def demo_text() -> str:
    """The text of the built-in freefall-demo scenario file."""
    return (resources.files("stuntsim.scenario.library") / f"{DEMO}.toml").read_text(encoding="utf-8")


def set_key(text: str, section: str, key: str, new_line: str | None) -> str:
    """Replace the line ``key = ...`` of ``[section]`` by ``new_line`` (None: delete it)."""
    lines = text.splitlines()
    current, hits = None, []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped.strip("[]").strip()
        elif current == section and stripped.split("=")[0].strip() == key and "=" in stripped:
            hits.append(i)
    assert len(hits) == 1, f"expected one {key} in [{section}], found {len(hits)}"
    if new_line is None:
        del lines[hits[0]]
    else:
        lines[hits[0]] = new_line
    return "\n".join(lines) + "\n"


def run(*args: str):
    """Invoke the CLI in-process; stdout and stderr are both in ``result.output``."""
    return CliRunner().invoke(app, list(args))


def no_output_files(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def test_scenarios_command_lists_freefall_demo():
    """`stuntsim scenarios` exits 0 and lists the built-in freefall-demo."""
    result = run("scenarios")
    assert result.exit_code == 0, result.output
    assert DEMO in result.output


def test_simulate_freefall_demo_writes_csv_ending_at_ground(tmp_path):
    """`simulate freefall-demo -o DIR` exits 0 and writes a unit-suffixed CSV whose last altitude is the ground."""
    out = tmp_path / "out"
    result = run("simulate", DEMO, "-o", str(out))
    assert result.exit_code == 0, result.output
    path = out / f"{DEMO}_trajectory.csv"
    assert path.is_file()
    rows = list(csv.reader(line for line in path.read_text().splitlines() if not line.startswith("#")))
    header, data = rows[0], rows[1:]
    assert header[0] == "time_s"
    altitude_columns = [k for k, name in enumerate(header) if name.endswith("_altitude_msl_m")]
    assert len(altitude_columns) == 1
    assert len(data) > 2
    # the ground from the scenario file itself: flat terrain at elevation_msl metres
    terrain = tomllib.loads(demo_text())["terrain"]
    assert terrain["kind"] == "flat"
    number, unit = terrain["elevation_msl"].split()
    assert unit == "m"
    last_altitude = float(data[-1][altitude_columns[0]])
    assert last_altitude == pytest.approx(float(number), abs=1e-6)
    times = [float(row[0]) for row in data]
    assert times == sorted(times)


# (id, section, key, replacement line, texts the message must contain)
BAD_FIELDS = [
    ("bare-number-length", "exit", "height", "height = 12", ["exit.height", "12", "length", "unit"]),
    ("kilograms-for-speed", "exit", "speed", 'speed = "5 kg"', ["exit.speed", "5 kg", "a speed", "m/s"]),
    ("negative-mass", "performer", "mass", 'mass = "-80 kg"', ["performer.mass", "-80 kg", "positive mass"]),
    ("zero-mass", "performer", "mass", 'mass = "0 kg"', ["performer.mass", "0 kg", "positive mass"]),
    ("unknown-key-typo", "performer", "mass", 'mas = "80 kg"', ["performer.mas", '"mas"', 'Did you mean "mass"']),
    ("missing-required-field", "performer", "mass", None, ["performer.mass", "missing", "positive mass"]),
]


def assert_user_error(result, must_contain, out: Path):
    """Exit 2, every expected text in the message, no traceback, nothing written to ``out``."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in must_contain:
        assert text in result.output, (text, result.output)
    assert no_output_files(out)


@pytest.mark.parametrize(
    ("section", "key", "new_line", "must_contain"), [c[1:] for c in BAD_FIELDS], ids=[c[0] for c in BAD_FIELDS]
)
def test_simulate_bad_field_exits_2_naming_field_value_expected(tmp_path, section, key, new_line, must_contain):
    """A bad field ends with exit 2, a message naming field, value and expectation, no traceback and no output file."""
    scenario = tmp_path / "bad.toml"
    scenario.write_text(set_key(demo_text(), section, key, new_line))
    out = tmp_path / "out"
    assert_user_error(run("simulate", str(scenario), "-o", str(out)), must_contain, out)


def test_simulate_malformed_toml_exits_2_naming_line(tmp_path):
    """Malformed TOML (an unclosed string) ends with exit 2 and a message giving its line number."""
    broken = 'name = "freefall-demo'
    text = set_key(demo_text(), "scenario", "name", broken)
    line_number = text.splitlines().index(broken) + 1
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text)
    out = tmp_path / "out"
    assert_user_error(
        run("simulate", str(scenario), "-o", str(out)), [f"line {line_number}", broken, "TOML"], out
    )


def test_simulate_missing_file_exits_2_naming_path(tmp_path):
    """A scenario file that does not exist ends with exit 2 and a message naming the path."""
    scenario = tmp_path / "no_such_scenario.toml"
    out = tmp_path / "out"
    assert_user_error(
        run("simulate", str(scenario), "-o", str(out)), ["no_such_scenario.toml", "does not exist"], out
    )


def test_simulate_error_message_keeps_bracketed_section_name(tmp_path):
    """The message for a missing [performer] section names the section with its brackets."""
    text = demo_text()
    start = text.index("\n[performer]")
    end = text.index("\n[", start + 1)
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text[:start] + text[end:])
    result = run("simulate", str(scenario), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "[performer]" in result.output
