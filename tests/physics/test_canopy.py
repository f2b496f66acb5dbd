"""Tests for stuntsim.physics.canopy: truth from geometry, ODEs and statics, not the code."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from stuntsim.physics.canopy import (
    fill_time_knacke,
    glide_coefficients_from_polar,
    glider_aero_acceleration,
    glider_aero_acceleration_kernel,
    inflation_drag_area,
    MAX_GROWTH_EXPONENT,
    inflation_drag_area_kernel,
    inflation_peak_force_analytic,
    inflation_speed_analytic,
    line_stretch_delay,
    nominal_diameter_from_area,
    opening_force_knacke,
    steering_bank_kernel,
    turn_rate_from_bank,
)

G = 9.80665
MPH = 0.44704  # m/s per mph (exact)

# Opening cases: (initial speed, fill time, full drag area, density, mass, exponent).
# The last two have a large ballistic parameter, so the peak is at t_f.
OPENING_CASES = [
    (40.0, 1.0, 20.0, 1.1, 90.0, 2),
    (25.0, 2.0, 18.0, 1.2, 100.0, 1),
    (50.0, 0.8, 22.0, 1.0, 85.0, 6),
    (20.0, 0.5, 20.0, 1.1, 2000.0, 3),
    (30.0, 1.5, 20.0, 1.2, 500.0, 1),
]


def _vector(kernel_output):
    return np.array(kernel_output, dtype=float)


def _solve_opening(v0, tf, cda, rho, mass, j, t_end):
    """Integrate m dv/dt = -0.5 rho CdA(t) v^2 in two pieces (kink at t_f), dense output."""

    def rhs(t, state):
        return [-0.5 * rho * inflation_drag_area_kernel(t, tf, 0.0, cda, j) * state[0] ** 2 / mass]

    tight = dict(rtol=1e-12, atol=1e-12, method="DOP853", dense_output=True)
    first = solve_ivp(rhs, (0.0, tf), [v0], **tight)
    second = solve_ivp(rhs, (tf, t_end), [first.y[0, -1]], **tight)

    def speed(t):
        t = np.asarray(t, dtype=float)
        return np.where(t <= tf, first.sol(np.minimum(t, tf))[0], second.sol(np.maximum(t, tf))[0])

    return speed


def test_nominal_diameter_pd_falcon_265():
    """A 24.6 m2 canopy (PD Falcon 265, REFERENCE.md §3.4) has D0 = sqrt(4*24.6/pi) = 5.597 m."""
    assert nominal_diameter_from_area(24.6) == pytest.approx(5.597, abs=5e-4)
    assert nominal_diameter_from_area(24.6) == pytest.approx(math.sqrt(4.0 * 24.6 / math.pi), rel=1e-15)


def test_fill_time_arithmetic():
    """t_f = n D0 / v: n = 8, D0 = 5.6 m, v = 20 m/s gives 2.24 s; zero speed never fills."""
    assert fill_time_knacke(8.0, 5.6, 20.0) == pytest.approx(2.24, rel=1e-15)
    np.testing.assert_array_equal(fill_time_knacke(8.0, 5.6, [0.0, -1.0]), [np.inf, np.inf])


def test_opening_force_product():
    """F_o = CdS q C_x X_1: 20 m2 * 500 Pa * 1.8 * 0.5 = 9000 N."""
    assert opening_force_knacke(20.0, 500.0, 1.8, 0.5) == pytest.approx(9000.0, rel=1e-15)


@pytest.mark.parametrize("exponent", [1, 2, 3, 4, 5, 6])
def test_drag_area_growth_endpoints_and_monotone(exponent):
    """Drag area starts at CdA0, reaches CdA_full at t_f, stays there, and never falls."""
    tf, start, full = 1.3, 0.5, 21.0
    assert inflation_drag_area_kernel(0.0, tf, start, full, exponent) == start
    assert inflation_drag_area_kernel(tf, tf, start, full, exponent) == full
    assert inflation_drag_area_kernel(5.0, tf, start, full, exponent) == full
    times = np.linspace(0.0, 2.0 * tf, 401)
    areas = np.array([inflation_drag_area_kernel(t, tf, start, full, exponent) for t in times])
    assert np.all(np.diff(areas) >= 0.0)
    inside = times < tf
    np.testing.assert_allclose(areas[inside], start + (full - start) * (times[inside] / tf) ** exponent,
                               rtol=1e-14)
    np.testing.assert_allclose(inflation_drag_area(times, tf, start, full, exponent), areas, rtol=1e-14)


def test_drag_area_outside_validity():
    """Negative time is NaN; zero fill time means instant full drag area."""
    assert math.isnan(inflation_drag_area_kernel(-0.1, 1.0, 0.0, 20.0, 2))
    assert math.isnan(inflation_drag_area(-0.1, 1.0, 0.0, 20.0, 2))
    assert inflation_drag_area_kernel(0.0, 0.0, 0.0, 20.0, 2) == 20.0
    # the kernel's fixed-trip power loop takes exponents up to MAX_GROWTH_EXPONENT; beyond, NaN
    assert math.isnan(inflation_drag_area_kernel(0.5, 1.0, 0.0, 20.0, MAX_GROWTH_EXPONENT + 1))
    assert math.isnan(inflation_drag_area(0.5, 1.0, 0.0, 20.0, MAX_GROWTH_EXPONENT + 1))
    assert math.isnan(inflation_drag_area_kernel(0.5, 1.0, 0.0, 20.0, -1))
    assert inflation_drag_area_kernel(0.5, 1.0, 0.0, 20.0, MAX_GROWTH_EXPONENT) == 20.0 * 0.5**MAX_GROWTH_EXPONENT


@pytest.mark.parametrize("v0, tf, cda, rho, mass, j", OPENING_CASES)
def test_inflation_speed_analytic_solves_ode(v0, tf, cda, rho, mass, j):
    """The closed-form speed matches a tight-tolerance integration of m dv/dt = -q CdA(t)."""
    speed = _solve_opening(v0, tf, cda, rho, mass, j, 3.0 * tf)
    times = np.linspace(0.0, 3.0 * tf, 61)
    np.testing.assert_allclose(
        inflation_speed_analytic(times, v0, tf, cda, rho, mass, j), speed(times), rtol=1e-10
    )


def test_inflation_speed_analytic_negative_time_is_nan():
    """Before line stretch the inflation solution does not apply."""
    assert math.isnan(inflation_speed_analytic(-0.1, 40.0, 1.0, 20.0, 1.1, 90.0, 2))


@pytest.mark.parametrize("v0, tf, cda, rho, mass, j", OPENING_CASES)
def test_inflation_peak_force_matches_numerical_maximum(v0, tf, cda, rho, mass, j):
    """The analytic peak force and its time equal a brute-force maximum of the integrated force."""
    t_end = 1.5 * tf
    speed = _solve_opening(v0, tf, cda, rho, mass, j, t_end)

    def force(t):
        area = np.array([inflation_drag_area_kernel(ti, tf, 0.0, cda, j) for ti in np.atleast_1d(t)])
        return 0.5 * rho * area * speed(t) ** 2

    coarse = np.linspace(0.0, t_end, 30_001)  # contains t_f exactly
    best = coarse[np.argmax(force(coarse))]
    step = coarse[1] - coarse[0]
    fine = np.linspace(max(best - 2.0 * step, 0.0), min(best + 2.0 * step, t_end), 20_001)
    fine_force = force(fine)
    numeric_peak, numeric_time = fine_force.max(), fine[np.argmax(fine_force)]

    peak, peak_time = inflation_peak_force_analytic(v0, tf, cda, rho, mass, j)
    assert peak == pytest.approx(numeric_peak, rel=1e-6)
    assert peak_time == pytest.approx(numeric_time, rel=1e-4)


def test_inflation_peak_force_instant_opening_is_full_drag_at_line_stretch():
    """Zero fill time gives the infinite-mass steady drag q0 CdA at t = 0."""
    peak, peak_time = inflation_peak_force_analytic(40.0, 0.0, 20.0, 1.1, 90.0, 2)
    assert peak == pytest.approx(0.5 * 1.1 * 40.0**2 * 20.0, rel=1e-15)
    assert peak_time == 0.0


def test_steady_glide_aero_cancels_gravity():
    """With CL S, CD S from the polar (20 mph forward, about 7 mph down), aero exactly cancels gravity."""
    u, w, mass, rho = 8.9, 3.1, 95.0, 1.15
    assert u == pytest.approx(20.0 * MPH, abs=0.05)
    assert 6.0 * MPH < w < 8.0 * MPH
    lift_area, drag_area = glide_coefficients_from_polar(u, w, mass, rho)
    assert lift_area / drag_area == pytest.approx(u / w, rel=1e-14)
    accel = _vector(glider_aero_acceleration_kernel(u, 0.0, -w, lift_area, drag_area, 0.0, rho, mass))
    np.testing.assert_allclose(accel + np.array([0.0, 0.0, -G]), 0.0, atol=1e-12)
    # the same polar flown in any horizontal direction
    heading = 2.1
    vx, vy = u * math.sin(heading), u * math.cos(heading)
    accel = _vector(glider_aero_acceleration_kernel(vx, vy, -w, lift_area, drag_area, 0.0, rho, mass))
    np.testing.assert_allclose(accel + np.array([0.0, 0.0, -G]), 0.0, atol=1e-12)


def test_glide_coefficients_density_scaling():
    """A polar at rho_ref gives the same coefficients at rho with speeds scaled by sqrt(rho_ref/rho)."""
    u, w, mass, rho_ref, rho = 8.9, 3.1, 95.0, 1.225, 0.9
    scale = math.sqrt(rho_ref / rho)
    reference = glide_coefficients_from_polar(u, w, mass, rho_ref)
    scaled = glide_coefficients_from_polar(u * scale, w * scale, mass, rho)
    np.testing.assert_allclose(scaled, reference, rtol=1e-14)


# components below 1e-6 m/s are snapped to zero (no underflowing squares)
velocity_component = st.floats(-60.0, 60.0).map(lambda x: 0.0 if abs(x) < 1e-6 else x)


@settings(max_examples=200, deadline=None)
@given(vx=velocity_component, vy=velocity_component, vz=velocity_component,
       bank=st.floats(-1.5, 1.5))
def test_lift_perpendicular_and_drag_antiparallel(vx, vy, vz, bank):
    """Lift is perpendicular to v with magnitude q CL S / m; drag is along -v with q CD S / m."""
    velocity = np.array([vx, vy, vz])
    speed = np.linalg.norm(velocity)
    horizontal = math.hypot(vx, vy)
    rho, mass, lift_area, drag_area = 1.1, 90.0, 25.0, 9.0
    lift = _vector(glider_aero_acceleration_kernel(vx, vy, vz, lift_area, 0.0, bank, rho, mass))
    drag = _vector(glider_aero_acceleration_kernel(vx, vy, vz, 0.0, drag_area, bank, rho, mass))
    scale = 0.5 * rho * speed**2 / mass
    expected_drag = -scale * drag_area * velocity / max(speed, 1e-300)
    np.testing.assert_allclose(drag, expected_drag, atol=1e-12 * (1 + scale))
    if horizontal > 0.0:
        assert abs(lift @ velocity) <= 1e-12 * (1.0 + np.linalg.norm(lift) * speed)
        assert np.linalg.norm(lift) == pytest.approx(scale * lift_area, rel=1e-12)
        if abs(bank) < 1e-15:
            assert lift[2] >= 0.0
    else:
        np.testing.assert_array_equal(lift, 0.0)


@settings(max_examples=200, deadline=None)
@given(vx=velocity_component, vy=velocity_component, vz=velocity_component,
       bank=st.floats(-math.pi / 2, math.pi / 2))
def test_bank_rotates_lift_about_velocity(vx, vy, vz, bank):
    """Banking turns the lift about v by the bank angle (right-handed) and keeps its magnitude,
    over the kernel's domain |bank| <= pi/2."""
    if math.hypot(vx, vy) < 1e-3:
        return
    v_hat = np.array([vx, vy, vz]) / math.sqrt(vx * vx + vy * vy + vz * vz)
    level = _vector(glider_aero_acceleration_kernel(vx, vy, vz, 20.0, 0.0, 0.0, 1.1, 90.0))
    banked = _vector(glider_aero_acceleration_kernel(vx, vy, vz, 20.0, 0.0, bank, 1.1, 90.0))
    size = np.linalg.norm(level)
    assert np.linalg.norm(banked) == pytest.approx(size, rel=1e-12)
    assert level @ banked / size**2 == pytest.approx(math.cos(bank), abs=1e-12)
    assert v_hat @ np.cross(level, banked) / size**2 == pytest.approx(math.sin(bank), abs=1e-12)


def test_positive_bank_pushes_right_of_flight():
    """Flying north (+y) a right bank pushes east (+x); flying east it pushes south (-y)."""
    north = _vector(glider_aero_acceleration_kernel(0.0, 10.0, -3.0, 20.0, 5.0, 0.4, 1.1, 90.0))
    east = _vector(glider_aero_acceleration_kernel(10.0, 0.0, -3.0, 20.0, 5.0, 0.4, 1.1, 90.0))
    assert north[0] > 0.0
    assert east[1] < 0.0
    left = _vector(glider_aero_acceleration_kernel(0.0, 10.0, -3.0, 20.0, 5.0, -0.4, 1.1, 90.0))
    assert left[0] == pytest.approx(-north[0], rel=1e-14)


def test_zero_and_vertical_velocity_give_finite_output():
    """Zero airspeed gives zero acceleration; a vertical relative wind gives drag only."""
    assert glider_aero_acceleration_kernel(0.0, 0.0, 0.0, 20.0, 5.0, 0.3, 1.1, 90.0) == (0.0, 0.0, 0.0)
    ax, ay, az = glider_aero_acceleration_kernel(0.0, 0.0, -20.0, 20.0, 5.0, 0.3, 1.1, 90.0)
    assert (ax, ay) == (0.0, 0.0)
    assert az == pytest.approx(0.5 * 1.1 * 400.0 * 5.0 / 90.0, rel=1e-15)
    arrays = glider_aero_acceleration(
        [0.0, 0.0, 3.0], 0.0, [0.0, -20.0, -1.0], 20.0, 5.0, 0.3, 1.1, 90.0
    )
    assert all(np.all(np.isfinite(component)) for component in arrays)


@settings(max_examples=100, deadline=None)
@given(vx=velocity_component, vy=velocity_component, vz=velocity_component,
       bank=st.floats(-1.5, 1.5))
def test_glider_numpy_version_matches_kernel(vx, vy, vz, bank):
    """The broadcasting function agrees with the scalar kernel."""
    kernel = _vector(glider_aero_acceleration_kernel(vx, vy, vz, 20.0, 6.0, bank, 1.1, 90.0))
    numpy_version = _vector(glider_aero_acceleration(vx, vy, vz, 20.0, 6.0, bank, 1.1, 90.0))
    np.testing.assert_allclose(numpy_version, kernel, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("bank", [0.2, 0.5, -0.7])
def test_turn_rate_is_centripetal_from_banked_lift(bank):
    """In a level coordinated turn the horizontal lift g tan(bank) equals V times the turn rate."""
    speed, rho, mass = 12.0, 1.1, 90.0
    # lift sized so its vertical part holds the weight: |L|/m = g / cos(bank)
    lift_area = (G / math.cos(bank)) / (0.5 * rho * speed**2 / mass)
    accel = _vector(glider_aero_acceleration_kernel(0.0, speed, 0.0, lift_area, 0.0, bank, rho, mass))
    assert accel[2] == pytest.approx(G, rel=1e-14)
    # flying north, the centre of a right turn is east: centripetal acceleration along +x
    assert accel[0] == pytest.approx(speed * turn_rate_from_bank(speed, bank), rel=1e-14)
    assert math.isnan(turn_rate_from_bank(0.0, bank))


def test_line_stretch_delay_arithmetic_and_monotone():
    """t = throw + (n D_pc + bridle + lines) / v; it falls as airspeed rises; zero airspeed is inf."""
    delay = line_stretch_delay(20.0, 1.0668, 3.0, 3.2, 0.3, 5.0)
    assert delay == pytest.approx(0.3 + (5.0 * 1.0668 + 3.0 + 3.2) / 20.0, rel=1e-15)
    speeds = np.linspace(2.0, 60.0, 59)
    delays = line_stretch_delay(speeds, 1.0668, 3.0, 3.2, 0.3, 5.0)
    assert np.all(np.diff(delays) < 0.0)
    assert line_stretch_delay(0.0, 1.0668, 3.0, 3.2, 0.3, 5.0) == np.inf


LIMIT = math.radians(30.0)


@settings(deadline=None)  # the first call compiles the kernel
@given(err=st.floats(-math.pi, math.pi), gain=st.floats(0.1, 3.0), distance=st.floats(0.0, 1e4))
def test_steering_without_holding_turn_is_clipped_pursuit(err, gain, distance):
    """Holding turn 0: bank = clip(gain * error, -max_bank, max_bank), whatever the distance."""
    bank = steering_bank_kernel(err, distance, gain, LIMIT, 0.0, 0.0)
    assert bank == float(np.clip(gain * err, -LIMIT, LIMIT))


@pytest.mark.parametrize("hold", [1.0, -1.0])
def test_holding_turn_is_level_along_the_tangent_to_the_holding_circle(hold):
    """Geometry, not the formula: a canopy flying north from the origin whose path is tangent,
    ahead of it, to the circle of radius r about the target on the holding side (the target
    at (hold r, y), y > 0), or which is on that circle flying round it in the holding
    direction, needs no bank."""
    radius = 14.0
    for y in (0.0, 1.0, 14.0, 100.0, 5000.0):
        east, north = hold * radius, y
        error = math.atan2(east, north)  # bearing of the target from north, clockwise: the air heading is north
        bank = steering_bank_kernel(error, math.hypot(east, north), 1.0, LIMIT, hold, radius)
        assert bank == pytest.approx(0.0, abs=1e-12)
    # the target behind, either way round: turn the holding way
    assert math.copysign(1.0, steering_bank_kernel(math.pi, 50.0, 1.0, LIMIT, hold, radius)) == hold
    assert math.copysign(1.0, steering_bank_kernel(-math.pi, 50.0, 1.0, LIMIT, hold, radius)) == hold


@pytest.mark.parametrize("hold", [1.0, -1.0])
@pytest.mark.parametrize("gain", [0.2, 1.0, 3.0])
def test_holding_turn_bank_is_continuous_with_one_course_and_one_way_off_it(hold, gain):
    """The bank is continuous in the heading error (across +-pi too) and in the distance, so a
    circling canopy does not flip its turn on step-sized differences. Over all headings at a
    given distance it is zero exactly twice: on course, and flying directly off it (an
    unstable equilibrium), never at a jump."""
    radius = 14.0
    errors = np.linspace(-math.pi, math.pi, 200_001)
    slope = max(gain, 4.0 * LIMIT / math.pi)  # pursuit, or the ramp from -90 deg to 180 deg behind
    for d in (0.0, 0.5 * radius, radius, 1.5 * radius, 10.0 * radius):
        bank = np.array([steering_bank_kernel(e, d, gain, LIMIT, hold, radius) for e in errors])
        assert np.abs(np.diff(bank)).max() <= slope * (errors[1] - errors[0]) * (1 + 1e-9)
        assert bank[0] == pytest.approx(bank[-1], abs=1e-15)  # -pi and +pi are the same heading
        assert np.count_nonzero(np.diff(bank > 0.0)) == 2
    distances = np.linspace(0.0, 4.0 * radius, 40_001)
    for e in (-2.5, -1.0, 0.3, 2.8):
        bank = np.array([steering_bank_kernel(e, d, gain, LIMIT, hold, radius) for d in distances])
        # the aim asin(r / d) has an infinite slope at d = r: continuous there, moving by at
        # most sqrt(2 * step / r) over one grid step
        assert np.abs(np.diff(bank)).max() <= slope * math.sqrt(2.0 * (distances[1] - distances[0]) / radius) * 1.01
