"""Tests for stuntsim.physics.wind: direction convention, layers and the power law."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stuntsim.physics.wind import (
    layered_wind,
    power_law_layers,
    power_law_speed,
    speed_direction_from_components,
    wind_at_height_kernel,
    wind_components_from_speed_direction,
)

# --- Direction convention (meteorological: direction the wind blows FROM) -----
# (direction_from [rad], expected unit (east, north) of the air's motion)
CARDINAL_CASES = [
    (0.0, (0.0, -1.0)),  # from north: blows toward south
    (0.5 * math.pi, (-1.0, 0.0)),  # from east: blows toward west
    (math.pi, (0.0, 1.0)),  # from south: blows toward north
    (1.5 * math.pi, (1.0, 0.0)),  # from west: blows toward east
    (0.25 * math.pi, (-math.sqrt(0.5), -math.sqrt(0.5))),  # from north-east
]


@pytest.mark.parametrize(("direction_from", "unit"), CARDINAL_CASES)
def test_wind_components_cardinal_direction_blows_away_from_it(direction_from, unit):
    """A wind from a direction moves air toward the opposite direction."""
    east, north = wind_components_from_speed_direction(7.0, direction_from)
    assert east == pytest.approx(7.0 * unit[0], abs=1e-14)
    assert north == pytest.approx(7.0 * unit[1], abs=1e-14)


@pytest.mark.parametrize(("direction_from", "unit"), CARDINAL_CASES)
def test_speed_direction_cardinal_components_give_direction_from(direction_from, unit):
    """Components of a cardinal wind give back its speed and FROM direction."""
    speed, direction = speed_direction_from_components(3.0 * unit[0], 3.0 * unit[1])
    assert speed == pytest.approx(3.0, rel=1e-15)
    assert direction == pytest.approx(direction_from, abs=1e-15)


def test_speed_direction_calm_air_gives_zero_speed_and_direction():
    """Calm air has speed 0 and, by convention, direction 0."""
    speed, direction = speed_direction_from_components(0.0, 0.0)
    assert speed == 0.0
    assert direction == 0.0


def test_speed_direction_north_wind_with_rounding_noise_stays_below_two_pi():
    """A tiny negative angle wraps into [0, 2 pi), never to 2 pi itself."""
    _, direction = speed_direction_from_components(1e-17, -1.0)
    assert 0.0 <= direction < 2.0 * math.pi
    assert min(direction, 2.0 * math.pi - direction) < 1e-15


@given(
    speed=st.floats(1e-3, 100.0),
    direction_from=st.floats(0.0, 2.0 * math.pi, exclude_max=True),
)
def test_speed_direction_round_trip_returns_inputs(speed, direction_from):
    """Speed/direction -> components -> speed/direction returns the inputs."""
    east, north = wind_components_from_speed_direction(speed, direction_from)
    speed_back, direction_back = speed_direction_from_components(east, north)
    assert speed_back == pytest.approx(speed, rel=1e-12)
    assert 0.0 <= direction_back < 2.0 * math.pi
    difference = abs(direction_back - direction_from)
    assert min(difference, 2.0 * math.pi - difference) < 1e-12


def test_wind_components_arrays_broadcast_like_numpy():
    """Speed and direction arrays broadcast together."""
    east, north = wind_components_from_speed_direction(np.ones((2, 1)), np.zeros(3))
    assert east.shape == north.shape == (2, 3)


# --- Layered wind ---------------------------------------------------------------
HEIGHTS = np.array([0.0, 100.0, 300.0])
EAST = np.array([2.0, 10.0, -6.0])
NORTH = np.array([0.0, -4.0, 4.0])

# (height_agl [m], expected (east, north)) worked by hand from the table above.
LAYER_CASES = [
    (-10.0, (2.0, 0.0)),  # below the first layer: constant
    (0.0, (2.0, 0.0)),
    (25.0, (4.0, -1.0)),  # a quarter of the way from 0 m to 100 m
    (50.0, (6.0, -2.0)),
    (100.0, (10.0, -4.0)),
    (200.0, (2.0, 0.0)),  # half way from 100 m to 300 m
    (250.0, (-2.0, 2.0)),
    (300.0, (-6.0, 4.0)),
    (5000.0, (-6.0, 4.0)),  # above the last layer: constant
]


@pytest.mark.parametrize(("height_agl", "expected"), LAYER_CASES)
def test_wind_at_height_kernel_between_and_beyond_layers_is_linear_then_constant(
    height_agl, expected
):
    """Linear between layers, the end layers' wind beyond them."""
    east, north = wind_at_height_kernel(height_agl, HEIGHTS, EAST, NORTH)
    assert east == pytest.approx(expected[0], abs=1e-14)
    assert north == pytest.approx(expected[1], abs=1e-14)


def test_layered_wind_array_of_heights_matches_hand_values():
    """The numpy wrapper gives the same hand-worked values for an array of heights."""
    heights = np.array([case[0] for case in LAYER_CASES])
    east, north = layered_wind(heights, HEIGHTS, EAST, NORTH)
    np.testing.assert_allclose(east, [case[1][0] for case in LAYER_CASES], atol=1e-14)
    np.testing.assert_allclose(north, [case[1][1] for case in LAYER_CASES], atol=1e-14)


def test_wind_at_height_kernel_one_layer_is_uniform():
    """A single layer means the same wind at every height."""
    one = np.array([50.0])
    for height in (-5.0, 0.0, 50.0, 3000.0):
        assert wind_at_height_kernel(height, one, np.array([3.0]), np.array([-1.0])) == (3.0, -1.0)
    east, north = layered_wind([0.0, 1e4], one, [3.0], [-1.0])
    np.testing.assert_array_equal(east, [3.0, 3.0])
    np.testing.assert_array_equal(north, [-1.0, -1.0])


def test_wind_at_height_kernel_repeated_height_takes_upper_layer():
    """At a height listed twice (a step) the upper layer's wind applies."""
    heights = np.array([0.0, 100.0, 100.0, 200.0])
    east = np.array([0.0, 1.0, 5.0, 7.0])
    north = np.zeros(4)
    assert wind_at_height_kernel(100.0, heights, east, north)[0] == 5.0
    assert wind_at_height_kernel(50.0, heights, east, north)[0] == pytest.approx(0.5, abs=1e-15)
    assert wind_at_height_kernel(150.0, heights, east, north)[0] == pytest.approx(6.0, abs=1e-15)
    assert layered_wind(100.0, heights, east, north)[0] == 5.0


def test_wind_at_height_kernel_nan_height_returns_nan():
    """NaN height gives NaN components from the kernel and the wrapper."""
    assert all(np.isnan(wind_at_height_kernel(np.nan, HEIGHTS, EAST, NORTH)))
    assert all(np.isnan(layered_wind(np.nan, HEIGHTS, EAST, NORTH)))


@pytest.mark.parametrize(
    ("heights", "east", "north"),
    [
        ([], [], []),  # no layer
        ([0.0, 10.0], [1.0], [1.0, 2.0]),  # lengths differ
        ([10.0, 0.0], [1.0, 2.0], [1.0, 2.0]),  # not sorted
    ],
)
def test_layered_wind_bad_layers_raise_value_error(heights, east, north):
    """Empty, mismatched or unsorted layer tables are refused."""
    with pytest.raises(ValueError):
        layered_wind(1.0, heights, east, north)


layer_tables = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.0, 3000.0), min_size=n, max_size=n).map(sorted),
        st.lists(st.floats(-30.0, 30.0), min_size=n, max_size=n),
        st.lists(st.floats(-30.0, 30.0), min_size=n, max_size=n),
    )
)


@settings(deadline=None)
@given(table=layer_tables, heights_agl=st.lists(st.floats(-100.0, 3500.0), max_size=20))
def test_layered_wind_any_table_equals_kernel(table, heights_agl):
    """The numpy wrapper and the numba kernel give identical results."""
    heights, east, north = (np.array(column, dtype=float) for column in table)
    if not heights_agl:
        heights_agl = [heights[0]]
    we, wn = layered_wind(np.array(heights_agl), heights, east, north)
    for i, h in enumerate(heights_agl):
        ke, kn = wind_at_height_kernel(h, heights, east, north)
        assert we[i] == ke
        assert wn[i] == kn
        # Never outside the range spanned by the table (linear interpolation).
        slack = 1e-12 * (1.0 + np.abs(east).max())
        assert east.min() - slack <= ke <= east.max() + slack


# --- Power law ------------------------------------------------------------------
def test_power_law_speed_reference_height_returns_reference_speed():
    """At the reference height the power law gives the reference speed exactly."""
    assert power_law_speed(10.0, 6.5) == 6.5
    assert power_law_speed(35.0, 4.0, reference_height=35.0, exponent=0.3) == 4.0


def test_power_law_speed_eighty_metres_matches_closed_form():
    """u(80 m) = u(10 m) * 8^(1/7) for the default exponent."""
    assert power_law_speed(80.0, 5.0) == pytest.approx(5.0 * 8.0 ** (1.0 / 7.0), rel=1e-15)


def test_power_law_speed_ground_and_below_is_zero():
    """No wind at or below the ground."""
    np.testing.assert_array_equal(power_law_speed([0.0, -1.0, -1e3], 10.0), [0.0, 0.0, 0.0])


def test_power_law_layers_defaults_table_is_well_formed():
    """Heights run from 0 to top, strictly increasing, with the reference height as a node."""
    heights, east, north = power_law_layers(8.0, 1.5 * math.pi)
    assert heights[0] == 0.0
    assert heights[-1] == 5000.0
    assert np.all(np.diff(heights) > 0.0)
    at_reference = heights == 10.0
    assert at_reference.sum() == 1
    # A westerly: all the wind toward +east, none toward north.
    assert east[at_reference][0] == pytest.approx(8.0, rel=1e-15)
    np.testing.assert_allclose(north, 0.0, atol=1e-14)
    assert east[0] == 0.0


@settings(deadline=None, max_examples=60)
@given(
    reference_speed=st.floats(0.5, 30.0),
    direction_from=st.floats(0.0, 2.0 * math.pi),
    reference_height=st.floats(2.0, 100.0),
    exponent=st.floats(0.05, 0.6),
    relative_tolerance=st.floats(1e-4, 1e-2),
    fractions=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
)
def test_power_law_layers_any_height_within_stated_tolerance(
    reference_speed, direction_from, reference_height, exponent, relative_tolerance, fractions
):
    """Interpolated layers stay within the relative tolerance of u_ref (z/z_ref)^alpha."""
    top = 3000.0
    heights, east, north = power_law_layers(
        reference_speed,
        direction_from,
        reference_height=reference_height,
        exponent=exponent,
        top=top,
        relative_tolerance=relative_tolerance,
    )
    lowest = heights[1]
    # Heights spread log-uniformly from the first positive node to the top.
    z = lowest * (top / lowest) ** np.array(fractions)
    we, wn = layered_wind(z, heights, east, north)
    exact = reference_speed * (z / reference_height) ** exponent
    assert np.all(np.abs(np.hypot(we, wn) - exact) <= relative_tolerance * exact * (1 + 1e-9))
    # Below the first positive node the error is bounded by tol * u_ref.
    z_low = lowest * np.array(fractions)
    we, wn = layered_wind(z_low, heights, east, north)
    exact_low = reference_speed * (z_low / reference_height) ** exponent
    assert np.all(np.abs(np.hypot(we, wn) - exact_low) <= relative_tolerance * reference_speed)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"exponent": 0.0},
        {"exponent": 1.0},
        {"relative_tolerance": 0.0},
        {"top": 0.0},
        {"reference_height": 0.0},
        {"exponent": 1e-3, "relative_tolerance": 1e-6},  # would need z < 1e-300 m
    ],
)
def test_power_law_layers_bad_parameters_raise_value_error(kwargs):
    """Parameters outside their stated ranges are refused."""
    with pytest.raises(ValueError):
        power_law_layers(5.0, 0.0, **kwargs)
