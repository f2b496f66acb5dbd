"""Tests for stuntsim.scenario.units: parsing unit strings into SI and formatting SI for people.

Expected values come from the exact unit definitions (NIST SP 811, appendix B):
1 ft = 0.3048 m, 1 kn = 1852/3600 m/s, 1 lb = 0.45359237 kg, 1 mph = 0.44704 m/s.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stuntsim.scenario.units import QuantityError, format_quantity, parse_quantity


def test_parse_quantity_feet_gives_exact_metres():
    """1200 ft is exactly 365.76 m (1 ft = 0.3048 m), with no rounding error."""
    assert parse_quantity("1200 ft", "length", "x") == 365.76


def test_parse_quantity_knots_gives_metres_per_second():
    """45 kn is 45 * 1852/3600 m/s = 23.15 m/s."""
    assert parse_quantity("45 kn", "speed", "x") == pytest.approx(45 * 1852 / 3600, rel=1e-15)
    assert parse_quantity("45 kn", "speed", "x") == pytest.approx(23.15, rel=1e-15)


def test_parse_quantity_degrees_gives_radians():
    """-6 deg is -6 pi/180 rad."""
    assert parse_quantity("-6 deg", "angle", "x") == pytest.approx(-6 * math.pi / 180, rel=1e-15)


def test_parse_quantity_pounds_gives_kilograms():
    """187 lb is 187 * 0.45359237 kg = 84.82177319 kg."""
    assert parse_quantity("187 lb", "mass", "x") == pytest.approx(84.82177319, rel=1e-15)


def test_parse_quantity_mph_gives_metres_per_second():
    """120 mph is 120 * 0.44704 m/s = 53.6448 m/s."""
    assert parse_quantity("120 mph", "speed", "x") == pytest.approx(53.6448, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "dimension", "expected_si"),
    [
        ("0.5 m^2", "area", 0.5),
        ("6 ft^2", "area", 6 * 0.3048**2),
        ("2 min", "time", 120.0),
        ("-5 delta_degC", "temperature_difference", -5.0),
        ("-5 K", "temperature_difference", -5.0),
        ("30 kW", "power", 30_000.0),
        ("500 N*s", "impulse", 500.0),
        ("4000 N", "force", 4000.0),
        ("2 g0", "acceleration", 2 * 9.80665),
        ("1,200 m", "length", 1200.0),
    ],
)
def test_parse_quantity_each_dimension_gives_si(text, dimension, expected_si):
    """Every dimension parses into its SI unit (g0 = 9.80665 m/s^2 by definition)."""
    assert parse_quantity(text, dimension, "x") == pytest.approx(expected_si, rel=1e-14)


def test_parse_quantity_bare_number_raises_with_field_value_and_example():
    """A bare number for a length is refused, naming the field, the number and a length with its unit."""
    with pytest.raises(QuantityError) as caught:
        parse_quantity(120, "length", "ramp.length")
    message = str(caught.value)
    assert message.startswith("ramp.length: got the bare number 120;")
    assert 'expected a length with its unit, such as "120 m" or "394 ft"' in message


def test_parse_quantity_wrong_dimension_raises_naming_both_dimensions():
    """A speed given for a mass names the field, the value, what it is and what was expected."""
    with pytest.raises(ValueError, match="performer.mass") as caught:
        parse_quantity("75 m/s", "mass", "performer.mass")
    assert str(caught.value) == 'performer.mass: got "75 m/s" (a speed); expected a mass such as "85 kg" or "187 lb"'


def test_parse_quantity_offset_celsius_raises_suggesting_delta():
    """A Celsius temperature (an offset scale) for a temperature difference points to delta_degC or K."""
    with pytest.raises(QuantityError, match="use delta_degC or K for a temperature offset"):
        parse_quantity("-5 degC", "temperature_difference", "atmosphere.temperature_offset")


@pytest.mark.parametrize("text", ["5 blargs", "ft", "12", "5 m (", "5 m $", "nan m", True])
def test_parse_quantity_malformed_value_raises_value_error(text):
    """Unknown units, missing numbers, missing units and junk all raise a ValueError naming the field."""
    with pytest.raises(ValueError, match="^site.datum_elevation_msl: got "):
        parse_quantity(text, "length", "site.datum_elevation_msl")


def test_format_quantity_feet_gives_grouped_number_and_unit():
    """365.76 m shows as "1,200 ft"."""
    assert format_quantity(365.76, "ft") == "1,200 ft"
    assert format_quantity(23.15, "kn", digits=1) == "45.0 kn"


_UNITS = [
    ("m", "length"),
    ("ft", "length"),
    ("kn", "speed"),
    ("m/s", "speed"),
    ("mph", "speed"),
    ("lb", "mass"),
    ("deg", "angle"),
    ("s", "time"),
    ("delta_degC", "temperature_difference"),
]


@given(
    value_si=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    unit_and_dimension=st.sampled_from(_UNITS),
    digits=st.integers(min_value=0, max_value=4),
)
def test_format_then_parse_round_trip_within_rounding(value_si, unit_and_dimension, digits):
    """Formatting an SI value and parsing it back loses no more than the rounding of the last digit."""
    unit, dimension = unit_and_dimension
    text = format_quantity(value_si, unit, digits=digits)
    size_of_unit = parse_quantity(f"1 {unit}", dimension, "x")
    tolerance = 0.5 * 10.0**-digits * size_of_unit * (1 + 1e-9) + 1e-12 * abs(value_si)
    assert abs(parse_quantity(text, dimension, "x") - value_si) <= tolerance
