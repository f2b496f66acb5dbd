"""Tests for stuntsim.physics.ramp: truth from textbook mechanics, not the code."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from stuntsim.physics.ramp import (
    crosswind_limit,
    crosswind_side_force,
    lateral_grip_available,
    launch_velocity,
    longitudinal_force_demand,
    longitudinal_force_demand_kernel,
    ramp_acceleration,
    ramp_acceleration_kernel,
)

G = 9.80665
HUGE_TARGET = 1.0e9


def _frictionless(speed, slope):
    """Acceleration with no drag, no power, no rolling resistance, no target."""
    return ramp_acceleration_kernel(speed, speed, HUGE_TARGET, slope, 200.0, 0.0, 0.8, 0.0, 0.0, 1.2)


@pytest.mark.parametrize("slope", [-0.3, 0.0, 0.1, 0.35, 0.7])
def test_acceleration_frictionless_incline_equals_g_sin_slope(slope):
    """With no drag, power or rolling resistance the bike accelerates at g sin(slope)."""
    assert _frictionless(12.0, slope) == pytest.approx(G * math.sin(slope), rel=1e-15, abs=1e-15)


@pytest.mark.parametrize(
    "slope, v0, length", [(0.3, 0.0, 40.0), (0.15, 5.0, 80.0), (-0.05, 20.0, 60.0)]
)
def test_acceleration_frictionless_integrated_obeys_work_energy(slope, v0, length):
    """Integrated over a ramp of length L, v^2 = v0^2 + 2 g L sin(slope)."""

    def rhs(t, state):
        return [state[1], _frictionless(max(state[1], 0.0), slope)]

    def end_of_ramp(t, state):
        return state[0] - length

    end_of_ramp.terminal = True
    solution = solve_ivp(
        rhs, (0.0, 100.0), [0.0, v0], events=end_of_ramp, rtol=1e-12, atol=1e-12, method="DOP853"
    )
    v_end = solution.y_events[0][0][1]
    assert v_end**2 == pytest.approx(v0**2 + 2.0 * G * length * math.sin(slope), rel=1e-9)


def test_acceleration_power_limited_flat_matches_energy_laws():
    """Power-limited, flat, no drag (m v dv/dt = P): v^2 = v0^2 + 2Pt/m and v^3 = v0^3 + 3Px/m."""
    mass, power, v0 = 190.0, 20_000.0, 15.0
    # traction 10 keeps the drive power-limited for v >= v0
    assert power / (mass * v0) < 10.0 * G

    def rhs(t, state):
        accel = ramp_acceleration_kernel(
            state[1], state[1], HUGE_TARGET, 0.0, mass, power, 10.0, 0.0, 0.0, 1.2
        )
        return [state[1], accel]

    times = np.linspace(0.0, 5.0, 11)
    solution = solve_ivp(
        rhs, (0.0, 5.0), [0.0, v0], t_eval=times, rtol=1e-12, atol=1e-12, method="DOP853"
    )
    distance, speed = solution.y
    np.testing.assert_allclose(speed, np.sqrt(v0**2 + 2.0 * power * times / mass), rtol=1e-9)
    np.testing.assert_allclose(speed, np.cbrt(v0**3 + 3.0 * power * distance / mass), rtol=1e-9)


@pytest.mark.parametrize("slope", [-0.2, 0.0, 0.25])
def test_acceleration_low_speed_is_traction_limited(slope):
    """At low speed with ample power the drive is mu g cos(slope), so a = mu g cos + g sin."""
    mu = 0.7
    accel = ramp_acceleration_kernel(2.0, 2.0, HUGE_TARGET, slope, 190.0, 30_000.0, mu, 0.0, 0.0, 1.2)
    assert accel == pytest.approx(mu * G * math.cos(slope) + G * math.sin(slope), rel=1e-14)


def test_acceleration_at_target_downhill_brakes_to_hold_speed():
    """At the target speed on a downhill the rider brakes to hold it when a_c < a_b."""
    slope, mu, mass = 0.3, 0.8, 190.0
    coast = G * math.sin(slope)
    assert coast < mu * G * math.cos(slope)
    args = (25.0, 25.0, 25.0, slope, mass, 29_000.0, mu, 0.0, 0.0, 1.2)
    assert ramp_acceleration_kernel(*args) == 0.0
    assert longitudinal_force_demand_kernel(*args) == pytest.approx(-mass * coast, rel=1e-14)


def test_acceleration_too_steep_to_hold_brakes_fully():
    """On a slope steeper than the grip allows, the rider brakes fully and still speeds up."""
    slope, mu, mass = 0.9, 0.5, 190.0
    args = (25.0, 25.0, 20.0, slope, mass, 29_000.0, mu, 0.0, 0.0, 1.2)
    expected = G * math.sin(slope) - mu * G * math.cos(slope)
    assert expected > 0.0
    assert ramp_acceleration_kernel(*args) == pytest.approx(expected, rel=1e-14)
    full_brake = -mu * mass * G * math.cos(slope)
    assert longitudinal_force_demand_kernel(*args) == pytest.approx(full_brake, rel=1e-14)


def test_force_demand_full_throttle_equals_mass_times_drive():
    """Below the target speed the tyre force is the full drive force, min(P/v, mu N)."""
    mass, power, mu = 190.0, 29_000.0, 0.8
    force = longitudinal_force_demand_kernel(20.0, 20.0, 30.0, 0.1, mass, power, mu, 0.02, 0.7, 1.2)
    assert force == pytest.approx(min(power / 20.0, mu * mass * G * math.cos(0.1)), rel=1e-14)


def test_acceleration_negative_speed_is_nan():
    """Backward motion is outside the model and gives NaN."""
    args = (-1.0, -1.0, 30.0, 0.1, 190.0, 29_000.0, 0.8, 0.02, 0.7, 1.2)
    assert math.isnan(ramp_acceleration_kernel(*args))
    assert math.isnan(ramp_acceleration(*args))
    assert math.isnan(longitudinal_force_demand_kernel(*args))


@settings(max_examples=200, deadline=None)
@given(
    airspeed=st.floats(-60.0, 60.0),
    slope=st.floats(-0.5, 0.8),
    power=st.floats(0.0, 40_000.0),
    drag_area=st.floats(0.01, 1.5),
)
def test_drag_opposes_relative_motion(airspeed, slope, power, drag_area):
    """The drag term has the sign opposite to the airspeed along the ramp."""
    common = dict(speed=15.0, target_speed=HUGE_TARGET, slope=slope, mass=190.0, drive_power=power,
                  traction_coefficient=0.8, rolling_resistance=0.02, air_density=1.1)
    with_drag = ramp_acceleration_kernel(airspeed_along=airspeed, drag_area=drag_area, **common)
    without = ramp_acceleration_kernel(airspeed_along=airspeed, drag_area=0.0, **common)
    drag_term = with_drag - without
    assert np.sign(drag_term) == -np.sign(airspeed) or abs(drag_term) < 1e-12


@settings(max_examples=200, deadline=None)
@given(
    speed=st.floats(0.0, 50.0),
    airspeed_offset=st.floats(-20.0, 20.0),
    target=st.floats(0.0, 50.0),
    slope=st.floats(-0.5, 1.0),
    power=st.floats(0.0, 40_000.0),
    mu=st.floats(0.0, 1.2),
    crr=st.floats(0.0, 0.1),
    drag_area=st.floats(0.0, 1.5),
)
def test_numpy_versions_match_kernels(
    speed, airspeed_offset, target, slope, power, mu, crr, drag_area
):
    """The broadcasting functions agree with the scalar kernels."""
    args = (speed, speed + airspeed_offset, target, slope, 190.0, power, mu, crr, drag_area, 1.1)
    assert ramp_acceleration(*args) == pytest.approx(
        ramp_acceleration_kernel(*args), rel=1e-13, abs=1e-12
    )
    assert longitudinal_force_demand(*args) == pytest.approx(
        longitudinal_force_demand_kernel(*args), rel=1e-13, abs=1e-9
    )


def test_numpy_versions_broadcast():
    """Arrays of speeds give arrays of the same shape."""
    speeds = np.linspace(0.0, 40.0, 7)
    accel = ramp_acceleration(speeds, speeds, 30.0, 0.2, 190.0, 29_000.0, 0.8, 0.02, 0.7, 1.1)
    force = longitudinal_force_demand(speeds, speeds, 30.0, 0.2, 190.0, 29_000.0, 0.8, 0.02, 0.7, 1.1)
    assert accel.shape == force.shape == speeds.shape


def test_lateral_grip_friction_circle_endpoints():
    """Lateral grip is mu N with no longitudinal force and zero when F_long = mu N."""
    mass, slope, mu = 190.0, 0.25, 0.8
    normal_grip = mu * mass * G * math.cos(slope)
    assert lateral_grip_available(mass, slope, mu, 0.0) == pytest.approx(normal_grip, rel=1e-15)
    assert lateral_grip_available(mass, slope, mu, normal_grip) == pytest.approx(0.0, abs=1e-9)
    assert lateral_grip_available(mass, slope, mu, -normal_grip) == pytest.approx(0.0, abs=1e-9)
    assert lateral_grip_available(mass, slope, mu, 2.0 * normal_grip) == 0.0


def test_lateral_grip_pythagorean_split():
    """A 3-4-5 split of the friction circle: F_long = 0.6 mu N leaves 0.8 mu N."""
    mass, slope, mu = 200.0, 0.0, 1.0
    normal_grip = mass * G
    grip = lateral_grip_available(mass, slope, mu, 0.6 * normal_grip)
    assert grip == pytest.approx(0.8 * normal_grip, rel=1e-14)


@settings(max_examples=100, deadline=None)
@given(
    slope=st.floats(-0.5, 0.8),
    mu=st.floats(0.1, 1.2),
    fraction=st.floats(-0.99, 0.99),
    side_area=st.floats(0.1, 2.0),
    density=st.floats(0.7, 1.3),
)
def test_crosswind_limit_side_force_equals_grip(slope, mu, fraction, side_area, density):
    """At the crosswind limit the side force equals the lateral grip (round trip)."""
    mass = 190.0
    longitudinal = fraction * mu * mass * G * math.cos(slope)
    limit = crosswind_limit(mass, slope, mu, longitudinal, side_area, density)
    grip = lateral_grip_available(mass, slope, mu, longitudinal)
    assert crosswind_side_force(limit, side_area, density) == pytest.approx(grip, rel=1e-12)
    assert crosswind_side_force(-limit, side_area, density) == pytest.approx(-grip, rel=1e-12)


def test_crosswind_side_force_formula():
    """Side force is 0.5 rho CdA v|v|: 0.5 * 1.2 * 0.8 * 15^2 = 108 N."""
    assert crosswind_side_force(15.0, 0.8, 1.2) == pytest.approx(108.0, rel=1e-14)


def test_launch_velocity_keeps_speed_at_lip_angle():
    """At the lip the velocity takes the lip angle with the speed unchanged."""
    horizontal, vertical = launch_velocity(30.0, 0.2, math.radians(30.0))
    assert horizontal == pytest.approx(30.0 * math.sqrt(3.0) / 2.0, rel=1e-15)
    assert vertical == pytest.approx(15.0, rel=1e-15)
    assert math.hypot(horizontal, vertical) == pytest.approx(30.0, rel=1e-15)


def test_launch_velocity_impossible_turn_is_nan():
    """A lip pointing further down than the ramp is outside the kicker model."""
    horizontal, vertical = launch_velocity(30.0, 0.3, -0.4)
    assert math.isnan(horizontal) and math.isnan(vertical)
