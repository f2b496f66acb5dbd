"""Tests for stuntsim.physics.atmosphere (COESA-76) against the Standard and two oracles."""

from decimal import Decimal

import ambiance
import fluids.atmosphere as fluids_atmosphere
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stuntsim.physics.atmosphere import (
    MAXIMUM_ALTITUDE,
    MINIMUM_ALTITUDE,
    air_density,
    air_pressure,
    air_temperature,
    density_kernel,
    geopotential_altitude_from_geometric,
    speed_of_sound,
    temperature_kernel,
)

# U.S. Standard Atmosphere, 1976 (NOAA-S/T 76-1562, NASA-TM-X-74335), Part 4,
# Table I (SI units, geometric altitude): values as printed.
# Columns: geometric altitude [m], T [K], P [Pa], rho [kg m-3], C_s [m s-1].
# The 86 km temperature is the Standard's kinetic temperature there,
# T_M,7 * M/M0 = 186.946 K * 0.999579 = 186.8673 K (Tables 4 and 8), printed
# to 3 decimals like the other rows.
COESA76_TABLE = [
    ("-5000", "320.676", "1.7776E+05", "1.9311E+00", "358.99"),
    ("0", "288.150", "1.01325E+05", "1.2250E+00", "340.29"),
    ("1000", "281.651", "8.9876E+04", "1.1117E+00", "336.43"),
    ("5000", "255.676", "5.4048E+04", "7.3643E-01", "320.55"),
    ("11000", "216.774", "2.2700E+04", "3.6480E-01", "295.15"),
    ("20000", "216.650", "5.5293E+03", "8.8910E-02", "295.07"),
    ("32000", "228.490", "8.8906E+02", "1.3555E-02", "303.02"),
    ("47000", "269.684", "1.1585E+02", "1.4965E-03", "329.21"),
    ("51000", "270.650", "7.0458E+01", "9.0690E-04", "329.80"),
    ("71000", "216.846", "4.4796E+00", "7.1965E-05", "295.20"),
    ("86000", "186.867", "3.7338E-01", "6.958E-06", "274.10"),
]


def _half_last_place(printed: str) -> float:
    """Half a unit in the last printed digit of a table entry."""
    return 0.5 * 10.0 ** Decimal(printed).as_tuple().exponent


def _assert_matches_printed(value, printed: str) -> None:
    # 1e-9 slack only for the binary representation of the printed decimal.
    assert abs(float(value) - float(printed)) <= _half_last_place(printed) * (1 + 1e-9), (
        value,
        printed,
    )


@pytest.mark.parametrize("row", COESA76_TABLE, ids=[row[0] for row in COESA76_TABLE])
def test_air_state_at_table_altitudes_matches_coesa76_table(row):
    """T, P, rho and speed of sound round to the values printed in COESA-76 Table I."""
    z = float(row[0])
    _assert_matches_printed(air_temperature(z), row[1])
    _assert_matches_printed(air_pressure(z), row[2])
    _assert_matches_printed(air_density(z), row[3])
    _assert_matches_printed(speed_of_sound(z), row[4])


def test_sea_level_state_standard_day_matches_defining_values():
    """Sea level gives the defining 288.15 K, 101325 Pa, 1.2250 kg m-3 and 340.294 m s-1."""
    # COESA-76 Part 1 sea-level values (also ICAO Doc 7488/3).
    assert air_temperature(0.0) == pytest.approx(288.15, abs=1e-12)
    assert air_pressure(0.0) == pytest.approx(101325.0, abs=1e-9)
    assert air_density(0.0) == pytest.approx(1.2250, abs=5e-5)
    assert speed_of_sound(0.0) == pytest.approx(340.294, abs=5e-4)


def test_geopotential_altitude_at_86_km_matches_standard():
    """86 km geometric is 84.852 km geopotential, the top of the Standard's lower part."""
    # COESA-76 Part 1: Z = 86 km corresponds to H = 84.8520 km'.
    assert geopotential_altitude_from_geometric(86000.0) == pytest.approx(84852.0, abs=0.5)


def test_air_state_outside_validity_range_is_nan():
    """Altitudes below -5 km or above 86 km, and NaN altitude, give NaN."""
    z = np.array([MINIMUM_ALTITUDE - 1.0, MAXIMUM_ALTITUDE + 1.0, np.nan, np.inf, -np.inf])
    for function in (air_temperature, air_pressure, air_density, speed_of_sound):
        assert np.all(np.isnan(function(z))), function.__name__


def test_air_state_non_positive_temperature_is_nan():
    """An offset that makes the temperature non-positive gives NaN, not a negative density."""
    assert np.isnan(air_density(0.0, -288.15))
    assert np.isnan(air_temperature(10000.0, -400.0))
    assert np.isnan(speed_of_sound(10000.0, -400.0))


def test_air_density_arrays_broadcast_like_numpy():
    """Altitude and offset broadcast together; scalar input gives a scalar."""
    rho = air_density(np.linspace(0.0, 3000.0, 3)[:, None], np.array([-10.0, 0.0, 10.0, 20.0]))
    assert rho.shape == (3, 4)
    assert np.ndim(air_density(100.0)) == 0


# --- Oracles ------------------------------------------------------------------
DENSE_ALTITUDE = np.linspace(0.0, 47000.0, 4701)


def test_air_state_dense_grid_matches_ambiance():
    """T, P, rho and sound speed agree with ambiance (ICAO 1993) from -5 km to 81 km."""
    # ambiance implements ICAO 1993 (identical layers to COESA-76 below 80 km
    # geopotential) but uses the ICAO's base pressures rounded to six digits and
    # M0 = 28.96442 kg/kmol (COESA-76: 28.9644), so pressure and density differ
    # by up to ~1e-5 relative and the speed of sound by ~4e-7.
    # Above 80 km ambiance's temperature is the molecular-scale one (ICAO has
    # no M/M0 table), so the temperature is compared up to 80 km only.
    z = np.concatenate([DENSE_ALTITUDE, np.linspace(-5000.0, 81000.0, 8601)])
    oracle = ambiance.Atmosphere(z)
    low = z <= 80000.0
    np.testing.assert_allclose(air_temperature(z[low]), oracle.temperature[low], rtol=1e-12)
    np.testing.assert_allclose(air_pressure(z), oracle.pressure, rtol=1.2e-5)
    np.testing.assert_allclose(air_density(z), oracle.density, rtol=1.2e-5)
    np.testing.assert_allclose(speed_of_sound(z), oracle.speed_of_sound, rtol=1e-6)


@pytest.mark.parametrize("temperature_offset", [0.0, -35.0, -10.0, 15.0, 40.0])
def test_air_state_with_offset_matches_fluids(temperature_offset):
    """P, rho and sound speed equal fluids.ATMOSPHERE_1976(z, dT) to 1e-12, -5..86 km."""
    # fluids uses the same constants (R* = 8314.32, M0 = 28.9644) and the same
    # offset model: T = T_std + dT, P standard, rho = P M0 / (R* T).
    z = np.concatenate([np.linspace(-5000.0, 86000.0, 911), DENSE_ALTITUDE[::10]])
    oracle = [fluids_atmosphere.ATMOSPHERE_1976(float(v), dT=temperature_offset) for v in z]
    np.testing.assert_allclose(
        air_pressure(z, temperature_offset), [o.P for o in oracle], rtol=1e-12
    )
    np.testing.assert_allclose(
        air_density(z, temperature_offset), [o.rho for o in oracle], rtol=1e-12
    )
    np.testing.assert_allclose(
        speed_of_sound(z, temperature_offset), [o.v_sonic for o in oracle], rtol=1e-12
    )
    # fluids returns the molecular-scale temperature T_M + dT, which equals
    # the kinetic temperature only up to 80 km (Table 8: M/M0 = 1 below).
    low = z <= 80000.0
    np.testing.assert_allclose(
        air_temperature(z[low], temperature_offset),
        [o.T for o, keep in zip(oracle, low) if keep],
        rtol=1e-12,
    )


def test_air_pressure_with_offset_equals_standard_pressure():
    """The offset model keeps the standard pressure at the same geometric altitude."""
    z = DENSE_ALTITUDE
    np.testing.assert_array_equal(air_pressure(z, 25.0), air_pressure(z))


# --- Kernels ------------------------------------------------------------------
def _kernel_grid() -> np.ndarray:
    """Dense altitudes plus the layer bases (geometric) and the range ends."""
    r0 = 6356766.0
    bases = np.array([11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
    bases_geometric = r0 * bases / (r0 - bases)
    return np.concatenate(
        [
            np.linspace(MINIMUM_ALTITUDE, MAXIMUM_ALTITUDE, 45501),
            bases_geometric,
            np.nextafter(bases_geometric, -np.inf),
            np.nextafter(bases_geometric, np.inf),
            [MINIMUM_ALTITUDE, MAXIMUM_ALTITUDE],
        ]
    )


@pytest.mark.parametrize("temperature_offset", [0.0, -40.0, 12.5, 40.0])
def test_density_kernel_whole_range_matches_air_density(temperature_offset):
    """The polynomial density kernel equals air_density to 1e-12 relative, -5..86 km."""
    z = _kernel_grid()
    kernel = np.array([density_kernel(v, temperature_offset) for v in z])
    np.testing.assert_allclose(kernel, air_density(z, temperature_offset), rtol=1e-12)


@pytest.mark.parametrize("temperature_offset", [0.0, -40.0, 40.0])
def test_temperature_kernel_whole_range_matches_air_temperature(temperature_offset):
    """The temperature kernel equals air_temperature to 1e-13 relative, -5..86 km."""
    z = _kernel_grid()
    kernel = np.array([temperature_kernel(v, temperature_offset) for v in z])
    np.testing.assert_allclose(kernel, air_temperature(z, temperature_offset), rtol=1e-13)


@pytest.mark.parametrize(
    "altitude_msl",
    [MINIMUM_ALTITUDE - 1e-6, MAXIMUM_ALTITUDE + 1e-6, -1e6, 1e6, np.nan, np.inf, -np.inf],
)
def test_kernels_outside_validity_range_return_nan(altitude_msl):
    """Both kernels return NaN outside -5 km .. 86 km and for NaN altitude."""
    assert np.isnan(density_kernel(altitude_msl, 0.0))
    assert np.isnan(temperature_kernel(altitude_msl, 0.0))


def test_density_kernel_non_positive_temperature_returns_nan():
    """The kernel returns NaN where T + dT <= 0."""
    assert np.isnan(density_kernel(0.0, -288.15))
    assert np.isnan(density_kernel(0.0, -300.0))


# --- Properties ---------------------------------------------------------------
altitudes = st.floats(MINIMUM_ALTITUDE, MAXIMUM_ALTITUDE)
offsets = st.floats(-40.0, 40.0)


@settings(deadline=None)
@given(z1=altitudes, z2=altitudes, temperature_offset=offsets)
def test_air_density_higher_altitude_is_lower(z1, z2, temperature_offset):
    """Density and pressure strictly fall with height (1 mm apart or more), any dT in +-40 K."""
    low, high = min(z1, z2), max(z1, z2)
    if high - low < 1e-3:
        high = low + 1e-3
        if high > MAXIMUM_ALTITUDE:
            low, high = MAXIMUM_ALTITUDE - 1e-3, MAXIMUM_ALTITUDE
    assert air_density(low, temperature_offset) > air_density(high, temperature_offset)
    assert air_pressure(low, temperature_offset) > air_pressure(high, temperature_offset)
    assert density_kernel(low, temperature_offset) > density_kernel(high, temperature_offset)
