"""Tests for loading scenarios: valid files, the built-in library and one clear message per user error."""

import hashlib
import math

import numpy as np
import pytest
from pydantic import ValidationError

from stuntsim.scenario import (
    SI_NUMBERS_CONTEXT,
    Exit,
    Scenario,
    ScenarioError,
    list_builtin_scenarios,
    load_scenario,
)

VALID = """\
[scenario]
name = "test-jump"
title = "A test jump"

[site]
name = "Test cliff"
latitude = "62.0855 deg"
longitude = "6.8677 deg"
date = 2020-09-06
timezone = "Europe/Oslo"
datum = "ramp lip"
datum_elevation_msl = "1200 ft"
heading_true = "-90 deg"

[wind]
model = "layers"

[[wind.layers]]
height_agl = "0 m"
speed = "10 kn"
direction_from = "270 deg"

[[wind.layers]]
height_agl = "100 m"
speed = "15 kn"
direction_from = "280 deg"

[[wind.layers]]
height_agl = "300 m"
speed = "20 kn"
direction_from = "290 deg"

[terrain]
kind = "flat"
elevation_msl = "700 m"

[performer]
mass = "187 lb"
drag_areas = { belly = "0.5 m^2", head_down = "0.3 m^2" }
freefall_configuration = "belly"

[exit]
speed = "45 kn"
flight_path_angle = "-6 deg"
"""


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path, text):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    return caught.value


def test_load_scenario_valid_file_gives_si_values(tmp_path):
    """A valid file loads into SI floats: feet, knots, pounds and degrees converted exactly."""
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.site.datum_elevation_msl == 365.76
    assert scenario.performer.mass == pytest.approx(187 * 0.45359237, rel=1e-15)
    assert scenario.exit.speed == pytest.approx(45 * 1852 / 3600, rel=1e-15)
    assert scenario.exit.flight_path_angle == pytest.approx(math.radians(-6), rel=1e-15)
    assert scenario.site.heading_true == pytest.approx(math.radians(270), rel=1e-15)
    assert scenario.exit_heading_true == scenario.site.heading_true
    assert [layer.height_agl for layer in scenario.wind.layers] == [0.0, 100.0, 300.0]
    assert scenario.simulation.time_step == 0.01
    assert scenario.atmosphere.temperature_offset == 0.0


def test_load_scenario_file_hash_is_sha256_of_bytes(tmp_path):
    """The scenario hash of a file is the sha256 of its bytes, and the source path is kept."""
    path = write(tmp_path, VALID)
    scenario = load_scenario(str(path))
    assert scenario.scenario_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scenario.source_path == str(path.resolve())


def test_builtin_freefall_demo_loads_and_is_listed():
    """The built-in freefall demo is listed with its title and loads by name."""
    assert ("freefall-demo", load_scenario("freefall-demo").scenario.title) in list_builtin_scenarios()
    scenario = load_scenario("freefall-demo")
    assert scenario.performer.mass == 90.0
    assert scenario.site.datum_elevation_msl - scenario.terrain.elevation_msl == 500.0


def test_builtin_freefall_demo_drag_area_matches_table_terminal_speed():
    """The demo's belly drag area gives v_t = sqrt(2 m g / (rho CdA)) of 55 m/s at 1.225 kg/m3 (REFERENCE.md 1.2)."""
    performer = load_scenario("freefall-demo").performer
    drag_area = performer.drag_areas[performer.freefall_configuration]
    terminal_speed = math.sqrt(2 * performer.mass * 9.80665 / (1.225 * drag_area))
    assert terminal_speed == pytest.approx(55.0, rel=0.005)


def test_builtin_scenario_is_frozen_assignment_raises():
    """A loaded scenario is frozen: assigning to a field raises."""
    scenario = load_scenario("freefall-demo")
    with pytest.raises(ValidationError):
        scenario.performer.mass = 80.0
    with pytest.raises(ValidationError):
        scenario.performer = None


def test_builtin_scenario_hash_is_stable_between_loads():
    """Two loads of a built-in give the same non-empty hash and equal scenarios."""
    first, second = load_scenario("freefall-demo"), load_scenario("freefall-demo")
    assert first.scenario_hash == second.scenario_hash
    assert len(first.scenario_hash) == 64
    assert first == second


def test_scenario_from_toml_same_as_load_scenario(tmp_path):
    """Scenario.from_toml is the classmethod form of load_scenario."""
    path = write(tmp_path, VALID)
    assert Scenario.from_toml(path) == load_scenario(path)


def test_load_scenario_bare_number_for_length_raises_naming_field_value_and_unit(tmp_path):
    """A bare number for a length is refused: the message names the dotted field, the number and a length."""
    error = error_for(tmp_path, VALID.replace('datum_elevation_msl = "1200 ft"', "datum_elevation_msl = 1200"))
    message = str(error)
    assert "site.datum_elevation_msl: got the bare number 1200" in message
    assert 'a length with its unit, such as "1,200 m" or "3,937 ft"' in message
    assert error.field == "site.datum_elevation_msl"
    assert error.value == 1200


def test_load_scenario_kilograms_for_speed_raises_naming_both_dimensions(tmp_path):
    """Kilograms for a speed name the field, the value, that it is a mass and that a speed was expected."""
    error = error_for(tmp_path, VALID.replace('speed = "45 kn"', 'speed = "85 kg"'))
    assert 'exit.speed: got "85 kg" (a mass); expected a speed' in str(error)


@pytest.mark.parametrize("mass", ['"-85 kg"', '"0 kg"', '"0 lb"'])
def test_load_scenario_non_positive_mass_raises_expecting_positive_mass(tmp_path, mass):
    """A negative or zero mass is refused, naming the field, the value and a positive mass."""
    error = error_for(tmp_path, VALID.replace('mass = "187 lb"', f"mass = {mass}"))
    assert f"performer.mass: got {mass}; expected a positive mass" in str(error)


def test_load_scenario_unknown_top_level_section_raises_with_suggestion(tmp_path):
    """A misspelt section is not ignored: the message names it, suggests the closest and lists the allowed."""
    error = error_for(tmp_path, VALID + '\n[wnd]\nmodel = "calm"\n')
    message = str(error)
    assert 'wnd: unknown section or key "wnd". Did you mean "wind"?' in message
    assert "scenario, site, atmosphere, wind, terrain, performer, exit, ramp, bike" in message
    assert "scenario_hash" not in message


def test_load_scenario_unknown_nested_key_raises_with_suggestion(tmp_path):
    """A misspelt key inside a section names the dotted key, the closest allowed key and the allowed keys."""
    error = error_for(tmp_path, VALID.replace('speed = "45 kn"', 'speed = "45 kn"\nhieght = "3 m"'))
    message = str(error)
    assert 'exit.hieght: unknown key "hieght". Did you mean "height"?' in message
    assert "The keys allowed in [exit] are: height, speed, flight_path_angle, heading_true." in message


def test_load_scenario_unknown_key_in_array_table_raises_with_index(tmp_path):
    """A misspelt key in the second [[wind.layers]] table is reported at wind.layers[1]."""
    text = VALID.replace('speed = "15 kn"', 'sped = "15 kn"')
    error = error_for(tmp_path, text)
    message = str(error)
    assert 'wind.layers[1].sped: unknown key "sped". Did you mean "speed"?' in message
    assert "wind.layers[1].speed: this required key is missing; expected a speed" in message


def test_load_scenario_internal_field_in_file_raises_unknown_key(tmp_path):
    """scenario_hash cannot be set from a file: it is an unknown key there."""
    error = error_for(tmp_path, 'scenario_hash = "abc"\n' + VALID)
    assert 'scenario_hash: unknown section or key "scenario_hash"' in str(error)


def test_load_scenario_missing_required_field_raises_naming_field_and_expectation(tmp_path):
    """A missing required key names its dotted path and what it should hold."""
    error = error_for(tmp_path, VALID.replace('mass = "187 lb"\n', ""))
    assert str(error).splitlines()[1] == (
        '  performer.mass: this required key is missing; expected a positive mass, such as "85 kg" or "187 lb".'
    )


def test_load_scenario_missing_section_raises_naming_section(tmp_path):
    """A missing required section is named with the keys it should hold."""
    text = VALID.replace('[terrain]\nkind = "flat"\nelevation_msl = "700 m"\n', "")
    error = error_for(tmp_path, text)
    assert "terrain: the section [terrain] is missing; expected a [terrain] table with the keys kind" in str(error)


def test_load_scenario_malformed_toml_raises_with_line_number(tmp_path):
    """Malformed TOML gives its line and column and shows the line."""
    text = VALID.replace('datum = "ramp lip"', "datum = ramp lip")
    error = error_for(tmp_path, text)
    assert "malformed TOML at line 11, column" in str(error)
    assert "datum = ramp lip" in str(error)


def test_load_scenario_missing_file_raises_suggesting_builtins(tmp_path):
    """A file that does not exist says so and points to `stuntsim scenarios` for built-in names."""
    missing = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(missing)
    message = str(caught.value)
    assert str(missing) in message
    assert "does not exist" in message
    assert "stuntsim scenarios" in message


def test_load_scenario_unknown_builtin_name_raises_with_suggestion():
    """An unknown built-in name suggests the closest built-in and `stuntsim scenarios`."""
    with pytest.raises(ScenarioError, match='Did you mean "freefall-demo"?') as caught:
        load_scenario("freefal-demo")
    assert "stuntsim scenarios" in str(caught.value)


def test_load_scenario_non_increasing_wind_heights_raises_at_the_layer(tmp_path):
    """A wind layer not above the one before is reported at its height, with both heights."""
    error = error_for(tmp_path, VALID.replace('height_agl = "300 m"', 'height_agl = "50 m"'))
    message = str(error)
    assert "wind.layers[2].height_agl: got 50 m, not above the 100 m of wind.layers[1]" in message
    assert "expected heights that increase strictly" in message


def test_load_scenario_unknown_freefall_configuration_raises_listing_drag_areas(tmp_path):
    """A freefall configuration missing from drag_areas names the value and lists the configurations."""
    error = error_for(tmp_path, VALID.replace('freefall_configuration = "belly"', 'freefall_configuration = "bely"'))
    assert (
        'performer.freefall_configuration: got "bely"; expected one of the configurations in '
        'performer.drag_areas: "belly", "head_down"'
    ) in str(error)


def test_load_scenario_several_problems_one_per_line(tmp_path):
    """Several problems come in one error, one full sentence per line."""
    text = VALID.replace('mass = "187 lb"', 'mass = "75 m/s"').replace('speed = "45 kn"', "speed = 45")
    error = error_for(tmp_path, text)
    assert len(error.problems) == 2
    lines = str(error).splitlines()
    assert lines[0].startswith("2 problems in scenario")
    assert all(line.endswith(".") for line in lines[1:])
    assert {problem.field for problem in error.problems} == {"performer.mass", "exit.speed"}


def test_load_scenario_messages_never_show_pydantic_text(tmp_path):
    """Messages are written for people: no pydantic error text or documentation links."""
    text = VALID.replace('model = "layers"', 'model = "gusty"').replace('date = 2020-09-06', "date = 5")
    message = str(error_for(tmp_path, text))
    assert "pydantic" not in message
    assert "Input should" not in message
    assert 'wind.model: got "gusty"; expected one of "layers", "power_law" or "calm"' in message
    assert "site.date: got 5; expected a TOML date such as 2020-09-06" in message


def test_load_scenario_celsius_offset_raises_suggesting_delta(tmp_path):
    """A temperature offset in degC (an offset scale) asks for delta_degC or K."""
    error = error_for(tmp_path, VALID + '\n[atmosphere]\ntemperature_offset = "5 degC"\n')
    assert "atmosphere.temperature_offset: got \"5 degC\"" in str(error)
    assert "use delta_degC or K for a temperature offset" in str(error)


def test_load_scenario_timezone_typo_raises_with_suggestion(tmp_path):
    """An unknown time-zone name suggests the closest IANA name."""
    error = error_for(tmp_path, VALID.replace('"Europe/Oslo"', '"Europe/Olso"'))
    assert 'site.timezone: got "Europe/Olso"; expected an IANA time-zone name' in str(error)
    assert 'did you mean "Europe/Oslo"?' in str(error)


def test_load_scenario_power_law_without_reference_speed_raises(tmp_path):
    """A power-law wind needs its reference speed and direction, and refuses the layers of another model."""
    text = VALID.replace('model = "layers"', 'model = "power_law"\nexponent = 0.2')
    message = str(error_for(tmp_path, text))
    assert 'wind.layers: not used when wind.model is "power_law"' in message
    assert 'wind.reference_speed: required when wind.model is "power_law"' in message
    assert 'wind.direction_from: required when wind.model is "power_law"' in message


def test_load_scenario_power_law_wind_gives_si_values(tmp_path):
    """A complete power-law wind loads with its default reference height."""
    start, end = VALID.index("[wind]"), VALID.index("[terrain]")
    wind = '[wind]\nmodel = "power_law"\nreference_speed = "8 m/s"\ndirection_from = "450 deg"\n\n'
    scenario = load_scenario(write(tmp_path, VALID[:start] + wind + VALID[end:]))
    assert scenario.wind.reference_speed == 8.0
    assert scenario.wind.reference_height == 10.0
    assert scenario.wind.direction_from == pytest.approx(math.pi / 2, rel=1e-15)


def test_load_scenario_profile_csv_gives_si_points(tmp_path):
    """A profile given as a CSV file relative to the scenario loads into SI (distance, elevation) pairs."""
    (tmp_path / "profile.csv").write_text("distance_m,elevation_msl_m\n-50,1246\n0,1200\n300,700\n")
    text = VALID.replace('kind = "flat"\nelevation_msl = "700 m"', 'kind = "profile"\nfile = "profile.csv"')
    terrain = load_scenario(write(tmp_path, text)).terrain
    assert terrain.points == ((-50.0, 1246.0), (0.0, 1200.0), (300.0, 700.0))


def test_load_scenario_inline_profile_in_feet_gives_metres(tmp_path):
    """An inline profile with units converts every point to metres."""
    points = 'points = [["-50 m", "1246 m"], ["0 ft", "3937 ft"], ["1000 ft", "2000 ft"]]'
    text = VALID.replace('kind = "flat"\nelevation_msl = "700 m"', f'kind = "profile"\n{points}')
    terrain = load_scenario(write(tmp_path, text)).terrain
    flat = [value for point in terrain.points for value in point]
    assert flat == pytest.approx([-50.0, 1246.0, 0.0, 3937 * 0.3048, 1000 * 0.3048, 2000 * 0.3048], rel=1e-15)


def test_load_scenario_bad_profile_csv_raises_naming_file_and_line(tmp_path):
    """A profile CSV with a non-number names the file, the line and the expected columns."""
    (tmp_path / "profile.csv").write_text("distance_m,elevation_msl_m\n0,1200\n300,high\n")
    text = VALID.replace('kind = "flat"\nelevation_msl = "700 m"', 'kind = "profile"\nfile = "profile.csv"')
    message = str(error_for(tmp_path, text))
    assert 'terrain.file: "profile.csv": line 3 of the profile file' in message
    assert "expected two finite numbers: distance_m,elevation_msl_m" in message


def test_load_scenario_npz_grid_in_feet_gives_read_only_metres(tmp_path):
    """A grid in feet loads as a read-only array in metres, with its spacing in metres."""
    np.savez(tmp_path / "dem.npz", elevation_msl=np.array([[1000.0, 2000.0, 3000.0], [4000.0, 5000.0, 6000.0]]))
    grid = 'kind = "grid"\nfile = "dem.npz"\nspacing = "100 ft"\nelevation_unit = "ft"'
    terrain = load_scenario(write(tmp_path, VALID.replace('kind = "flat"\nelevation_msl = "700 m"', grid))).terrain
    assert terrain.spacing == pytest.approx(30.48, rel=1e-15)
    assert terrain.grid.elevation_msl.shape == (2, 3)
    assert terrain.grid.elevation_msl[1, 2] == pytest.approx(6000 * 0.3048, rel=1e-15)
    with pytest.raises(ValueError):
        terrain.grid.elevation_msl[0, 0] = 0.0


def test_load_scenario_npz_grid_without_key_raises_naming_file_and_keys(tmp_path):
    """A grid archive without "elevation_msl" names the file and the arrays it does hold."""
    np.savez(tmp_path / "dem.npz", heights=np.zeros((2, 2)))
    grid = 'kind = "grid"\nfile = "dem.npz"\nspacing = "10 m"'
    message = str(error_for(tmp_path, VALID.replace('kind = "flat"\nelevation_msl = "700 m"', grid)))
    assert 'terrain.file: "dem.npz"' in message
    assert 'has no array "elevation_msl" (it holds: heights)' in message


def test_load_scenario_field_of_other_terrain_kind_raises(tmp_path):
    """A grid spacing on flat terrain is refused rather than ignored."""
    text = VALID.replace('elevation_msl = "700 m"', 'elevation_msl = "700 m"\nspacing = "10 m"')
    assert 'terrain.spacing: not used when terrain.kind is "flat"' in str(error_for(tmp_path, text))


def test_exit_with_si_context_accepts_bare_numbers_else_refuses():
    """Python callers may pass SI floats under SI_NUMBERS_CONTEXT; without it a bare number is refused."""
    assert Exit.model_validate({"height": 3.0}, context=SI_NUMBERS_CONTEXT).height == 3.0
    with pytest.raises(ValidationError):
        Exit.model_validate({"height": 3.0})
