"""The [uncertainty] section: the Helsetkopen inputs load; every bad input gives one clear message."""

from __future__ import annotations

import math
from importlib.resources import files

import numpy as np
import pytest

from stuntsim.scenario import SI_NUMBERS_CONTEXT, ScenarioError, load_scenario, load_scenario_text
from stuntsim.scenario.model import UncertainInput
from stuntsim.scenario.uncertain_inputs import NORMAL_REACH, SUPPORTED_INPUTS, UNIFORM_LOW
from stuntsim.scenario.units import DIMENSIONS
from stuntsim.simulate.build import compile_scenario

HELSETKOPEN = (files("stuntsim.scenario.library") / "helsetkopen.toml").read_text(encoding="utf-8")
WITHOUT_UNCERTAINTY = HELSETKOPEN.split("\n[uncertainty]")[0] + "\n"

JUMP = """\
[scenario]
name = "test-jump"
title = "A test jump"

[site]
name = "Test cliff"
latitude = "62 deg"
longitude = "7 deg"
date = 2020-09-06
timezone = "Europe/Oslo"
datum = "cliff edge"
datum_elevation_msl = "500 m"

[wind]
model = "calm"

[terrain]
kind = "flat"
elevation_msl = "0 m"

[performer]
mass = "90 kg"
drag_areas = { belly = "0.5 m^2" }
freefall_configuration = "belly"
"""


def uncertainty(*inputs: str, header: str = "") -> str:
    """An [uncertainty] section with one [[uncertainty.inputs]] table per argument."""
    return "\n[uncertainty]\n" + header + "".join(f"\n[[uncertainty.inputs]]\n{item}\n" for item in inputs)


def problem_at(text: str, field: str):
    """Load text, expect a ScenarioError, return it and the problem at ``field``."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text)
    error = caught.value
    matching = [p for p in error.problems if p.field == field]
    assert matching, f"no problem at {field}: {error}"
    return error, matching[0]


PULL = 'name = "parachute.pull_time"\ndistribution = "normal"\nmean = "4 s"\nsd = "0.3 s"'


def test_helsetkopen_uncertainty_loads_with_si_inputs():
    """The built-in Helsetkopen scenario loads its [uncertainty]: MC, seed 2020, each input once, SI parameters."""
    scenario = load_scenario("helsetkopen")
    u = scenario.uncertainty
    assert (u.method, u.seed, u.chunk_size) == ("mc", 2020, 16384)
    assert len(u.names) == len(set(u.names)) >= 10
    assert set(u.names) <= set(SUPPORTED_INPUTS)
    by_name = {item.name: item for item in u.inputs}
    pull = by_name["parachute.pull_time"]
    assert (pull.distribution, pull.mean, pull.sd) == ("normal", 5.0, 0.3)
    assert by_name["parachute.opening_heading_error"].sd == pytest.approx(math.radians(15), rel=1e-15)
    assert by_name["wind.speed_factor"].distribution == "lognormal"
    assert by_name["atmosphere.temperature_offset"].sd == 5.0


def test_helsetkopen_uncertainty_leaves_compiled_plan_unchanged():
    """The [uncertainty] section changes nothing the nominal plan flies: compiled arrays equal those without it."""
    with_section = load_scenario("helsetkopen")
    without = load_scenario_text(WITHOUT_UNCERTAINTY)
    assert without.uncertainty is None
    a, b = compile_scenario(with_section), compile_scenario(without)
    assert np.array_equal(a.tables, b.tables)
    assert np.array_equal(a.init, b.init)
    assert np.array_equal(a.env, b.env)


def test_uncertain_input_si_context_accepts_bare_numbers():
    """A Python caller holding SI floats validates an input with SI_NUMBERS_CONTEXT."""
    item = UncertainInput.model_validate(
        {"name": "parachute.pull_time", "distribution": "uniform", "low": 3.0, "high": 5.0}, context=SI_NUMBERS_CONTEXT
    )
    assert (item.low, item.high) == (3.0, 5.0)
    assert item.parameters == {"low": 3.0, "high": 5.0}


def test_uncertain_input_choice_parses_values_in_units_and_plain_weights():
    """A choice takes values with the input's unit and plain-number weights."""
    text = WITHOUT_UNCERTAINTY + uncertainty(
        'name = "ramp.target_speed"\ndistribution = "choice"\nvalues = ["36 km/h", "17 m/s"]\nweights = [1, 3]'
    )
    item = load_scenario_text(text).uncertainty.inputs[0]
    assert item.values == (10.0, 17.0)
    assert item.weights == (1.0, 3.0)


def test_uncertain_input_normal_support_reaches_the_sampler_bound():
    """A normal's support is mean +/- NORMAL_REACH sd, the normal quantile of the least uniform drawn."""
    # Phi(-z) = erfc(z / sqrt(2)) / 2 = UNIFORM_LOW
    assert NORMAL_REACH == pytest.approx(math.sqrt(2) * _erfc_inverse(2 * UNIFORM_LOW), rel=1e-9)
    item = UncertainInput.model_validate({"name": "performer.mass", "distribution": "normal", "mean": "85 kg", "sd": "2 kg"})
    assert item.support == pytest.approx((85 - 2 * NORMAL_REACH, 85 + 2 * NORMAL_REACH), rel=1e-15)


def _erfc_inverse(p: float) -> float:
    """x > 0 with erfc(x) = p, by bisection on math.erfc (independent of statistics.NormalDist)."""
    lo, hi = 0.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erfc(mid) > p else (lo, mid)
    return lo


# --------------------------------------------------------------------------- errors
def test_uncertain_input_unknown_name_raises_listing_names_with_suggestion():
    """An unknown input name is refused, naming the field and value, listing the names and suggesting the closest."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL.replace("parachute.pull_time", "parachute.pul_time"))
    error, problem = problem_at(text, "uncertainty.inputs[0].name")
    message = str(error)
    assert '"parachute.pul_time"' in message
    assert 'did you mean "parachute.pull_time"' in message
    assert "expected one of the supported inputs" in message
    assert '"wind.speed_factor"' in message


def test_uncertain_input_parameter_of_other_distribution_raises():
    """A parameter another distribution takes (mean for a uniform) is refused, naming what the distribution takes."""
    text = WITHOUT_UNCERTAINTY + uncertainty(
        'name = "parachute.pull_time"\ndistribution = "uniform"\nlow = "3 s"\nhigh = "5 s"\nmean = "4 s"'
    )
    error, problem = problem_at(text, "uncertainty.inputs[0].mean")
    assert problem.value == "4 s"
    assert 'not used when distribution is "uniform" (it takes low and high' in str(error)


def test_uncertain_input_wrong_unit_raises_naming_field_value_and_dimension():
    """mean = "4 kg" for the pull time: the field, the value and "a duration such as ..." are named."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL.replace('mean = "4 s"', 'mean = "4 kg"'))
    error, problem = problem_at(text, "uncertainty.inputs[0].mean")
    message = str(error)
    assert problem.value == "4 kg"
    assert 'uncertainty.inputs[0].mean: got "4 kg" (a mass); expected a duration such as' in message
    assert "(parachute.pull_time is a duration)" in message


def test_uncertain_input_bare_number_for_dimensional_parameter_raises():
    """A bare number where the input has a unit is refused with an example in that unit."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL.replace('sd = "0.3 s"', "sd = 0.3"))
    error, _ = problem_at(text, "uncertainty.inputs[0].sd")
    assert 'the bare number 0.3; expected a duration with its unit, such as "0.3 s"' in str(error)


def test_uncertain_input_unit_for_plain_input_raises():
    """A plain-number input (the wind speed factor) refuses a value with a unit."""
    text = WITHOUT_UNCERTAINTY + uncertainty('name = "wind.speed_factor"\ndistribution = "uniform"\nlow = "0.5 m/s"\nhigh = 2')
    error, problem = problem_at(text, "uncertainty.inputs[0].low")
    assert problem.value == "0.5 m/s"
    assert "a plain number without quotes or unit" in str(error)


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ('distribution = "uniform"\nlow = "5 s"\nhigh = "3 s"', "low", 'got "5 s", not below high = "3 s"; expected low < high'),
        ('distribution = "uniform"\nlow = "4 s"\nhigh = "4 s"', "low", "expected low < high"),
        ('distribution = "triangular"\nlow = "3 s"\nmode = "6 s"\nhigh = "5 s"', "mode", "expected low <= mode <= high"),
        ('distribution = "normal"\nmean = "4 s"\nsd = "0 s"', "sd", 'got "0 s"; expected a positive sd'),
        ('distribution = "truncated_normal"\nmean = "4 s"\nsd = "1 s"\nlow = "6 s"\nhigh = "5 s"', "low", "expected low < high"),
        ('distribution = "lognormal"\nmedian = "4 s"\nsigma = -0.1', "sigma", "expected a positive sigma"),
        ('distribution = "choice"\nvalues = ["3 s", "4 s"]\nweights = [1, -1]', "weights[1]", "expected a weight of zero or more"),
        ('distribution = "choice"\nvalues = ["3 s", "4 s"]\nweights = [0, 0]', "weights", "expected at least one positive weight"),
        ('distribution = "choice"\nvalues = ["3 s", "4 s"]\nweights = [1]', "weights", "expected one weight per value"),
        ('distribution = "normal"\nmean = "4 s"', "sd", 'required when distribution is "normal"; expected a duration such as'),
        ('distribution = "gaussian"\nmean = "4 s"\nsd = "1 s"', "distribution", 'got "gaussian"; expected one of "normal"'),
        ('distribution = "normal"\nmean = "4 s"\nstd = "1 s"', "std", 'unknown key "std". Did you mean "sd"?'),
    ],
)
def test_uncertain_input_bad_parameters_raise_naming_field_and_expectation(body, field, expected):
    """Out-of-order bounds, a non-positive spread, bad weights, a missing or unknown key: field and expectation named."""
    text = WITHOUT_UNCERTAINTY + uncertainty(f'name = "parachute.pull_time"\n{body}')
    error, _ = problem_at(text, f"uncertainty.inputs[0].{field}")
    assert expected in str(error)


def test_uncertain_input_normal_reaching_below_zero_raises_suggesting_truncation():
    """A normal throw delay whose sampled tail reaches below 0 s is refused, suggesting a truncated normal."""
    text = WITHOUT_UNCERTAINTY + uncertainty('name = "parachute.throw_delay"\ndistribution = "normal"\nmean = "0.3 s"\nsd = "0.1 s"')
    error, problem = problem_at(text, "uncertainty.inputs[0].sd")
    message = str(error)
    assert problem.value == "0.1 s"
    assert "parachute.throw_delay must be at least 0 s" in message
    assert 'distribution = "truncated_normal"' in message


def test_uncertain_input_bound_outside_domain_raises():
    """A uniform traction coefficient above its maximum of 2 is refused at high."""
    text = WITHOUT_UNCERTAINTY + uncertainty('name = "ramp.traction_coefficient"\ndistribution = "uniform"\nlow = 0.5\nhigh = 2.5')
    error, _ = problem_at(text, "uncertainty.inputs[0].high")
    assert "ramp.traction_coefficient must be above 0 and at most 2" in str(error)


def test_uncertainty_duplicate_name_raises_at_second_input():
    """The same input twice is refused at the second one, naming the first."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL, PULL.replace('mean = "4 s"', 'mean = "5 s"'))
    error, problem = problem_at(text, "uncertainty.inputs[1].name")
    assert problem.value == "parachute.pull_time"
    assert 'got "parachute.pull_time" again (already uncertainty.inputs[0]); expected each input at most once' in str(error)


def test_uncertain_input_for_absent_section_raises_listing_available_inputs():
    """ramp.target_speed in a jump without [ramp] is refused at the scenario level, listing the inputs it has."""
    text = JUMP + uncertainty('name = "ramp.target_speed"\ndistribution = "normal"\nmean = "17 m/s"\nsd = "0.7 m/s"')
    error, problem = problem_at(text, "uncertainty.inputs[0].name")
    message = str(error)
    assert problem.value == "ramp.target_speed"
    assert 'got "ramp.target_speed", but the scenario has no [ramp] section' in message
    assert '"performer.mass"' in message
    assert '"parachute.pull_time"' not in message.split("expected")[-1]


def test_uncertain_exit_input_without_exit_section_raises():
    """exit.speed in a jump without an [exit] section is refused at the scenario level."""
    text = JUMP + uncertainty('name = "exit.speed"\ndistribution = "uniform"\nlow = "0 m/s"\nhigh = "2 m/s"')
    error, _ = problem_at(text, "uncertainty.inputs[0].name")
    assert "the scenario has no [exit] section" in str(error)


def test_uncertain_wind_factor_in_calm_air_raises():
    """A wind speed factor on a calm scenario is refused: there is no wind to scale."""
    text = JUMP + uncertainty('name = "wind.speed_factor"\ndistribution = "lognormal"\nmedian = 1.0\nsigma = 0.5')
    error, _ = problem_at(text, "uncertainty.inputs[0].name")
    assert 'the wind is calm (wind.model = "calm")' in str(error)


def test_uncertain_pull_reaching_before_separation_raises():
    """Sampled pull times that can come before the latest sampled separation are refused."""
    text = WITHOUT_UNCERTAINTY + uncertainty(
        PULL.replace('sd = "0.3 s"', 'sd = "0.4 s"'),
        'name = "separation.time"\ndistribution = "uniform"\nlow = "0.8 s"\nhigh = "1.5 s"',
    )
    error, _ = problem_at(text, "uncertainty.inputs[0]")
    assert "not after the latest sampled separation.time (1.5 s)" in str(error)


@pytest.mark.parametrize("chunk_size", [1000, 512, 2**21, '"65536"'])
def test_uncertainty_chunk_size_not_power_of_two_in_range_raises(chunk_size):
    """chunk_size must be a power of two from 1024 to 1048576."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL, header=f"chunk_size = {chunk_size}\n")
    error, _ = problem_at(text, "uncertainty.chunk_size")
    assert "expected a power of two from 1024 to 1048576" in str(error)


def test_uncertainty_negative_seed_and_unknown_method_raise():
    """A negative seed and an unknown method are each refused with the expectation."""
    text = WITHOUT_UNCERTAINTY + uncertainty(PULL, header='seed = -1\nmethod = "lhs"\n')
    error, _ = problem_at(text, "uncertainty.seed")
    assert "expected a whole number of zero or more" in str(error)
    assert any(p.field == "uncertainty.method" and '"mc"' in str(p) for p in error.problems)


def test_uncertainty_without_inputs_raises():
    """An [uncertainty] section needs at least one input."""
    text = WITHOUT_UNCERTAINTY + "\n[uncertainty]\nseed = 1\n"
    error, _ = problem_at(text, "uncertainty.inputs")
    assert "[[uncertainty.inputs]]" in str(error)


def test_supported_inputs_dimensions_are_known():
    """Every supported input names a known dimension (or dimensionless)."""
    for spec in SUPPORTED_INPUTS.values():
        assert spec.dimension == "dimensionless" or spec.dimension in DIMENSIONS
