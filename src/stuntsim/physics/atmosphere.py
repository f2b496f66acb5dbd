"""1976 U.S. Standard Atmosphere (COESA-76), -5 km to 86 km geometric altitude.

Two implementations of the same model live here:

* numpy functions (:func:`air_temperature`, :func:`air_pressure`,
  :func:`air_density`, :func:`speed_of_sound`) that evaluate the closed-form
  equations of the Standard layer by layer; they broadcast like numpy arrays;
* numba kernels (:func:`density_kernel`, :func:`temperature_kernel`) for the
  flight engine's inner loop: scalar in, scalar out.

Why the kernels use a polynomial
--------------------------------
The exact pressure needs ``exp`` (isothermal layers) or ``pow`` (gradient
layers) on every call, and ``pow`` in particular costs tens of clock cycles and
blocks vectorisation. The density is evaluated once per integration step per
sample, so the kernels instead evaluate a precomputed piecewise polynomial of
the standard pressure: one polynomial per 1 km slice of geopotential altitude,
evaluated with Horner's rule (multiplies and adds only). The slices are aligned
with the Standard's layer boundaries (11, 20, 32, 47, 51, 71 km and
84.852 km geopotential), so each polynomial approximates a smooth function. The
molecular-scale temperature is exactly linear in geopotential altitude inside a
slice and is evaluated exactly. The fit is computed once, at import, with
numpy: the exact formula is sampled at Chebyshev points of each slice and the
Chebyshev interpolant is converted to monomial coefficients. The coefficient
arrays are module-level constants that numba freezes into the compiled code.

Measured fit error (maximum relative error of the fitted standard pressure
against :func:`air_pressure` on 2000 points per slice, ``_pressure_fit_error``):
8.1e-15 over the whole range with degree 8, which is the rounding floor of the
exact formula itself (``pow`` with exponents up to 34 amplifies the rounding of
the temperature ratio); degree 6 gives 1.8e-13, degree 5 gives 2.3e-11. The
density kernel agrees with :func:`air_density` to below 1e-14 relative. On the
development machine the kernel took about 11 ns per call in a numba loop
against about 20-25 ns for the exact layered formula with ``pow``/``exp``.

Temperature offset model
------------------------
A non-standard day is modelled with a uniform temperature offset ``dT``
(``temperature_offset``): the temperature is ``T_std(z) + dT``, the pressure
stays the standard pressure at the same geometric altitude, and the density
follows from the ideal-gas law, ``rho = p / (R (T_M,std(z) + dT))``. This is the
common "ISA + dT" convention of performance engineering in which pressure
altitude and geometric altitude coincide; it is not hydrostatically consistent
(a warm column would really have higher pressure aloft), which is accepted for
the sake of a fixed pressure-altitude relation. It is what
``fluids.ATMOSPHERE_1976(Z, dT)`` does (fluids 1.3: ``T += dT`` after the
pressure has been computed from the standard temperature, ``rho = P M0 / (R* T)``).

Above 80 km the kinetic temperature ``T`` and the molecular-scale temperature
``T_M`` of the Standard differ by the molecular-weight ratio ``M/M0``
(Table 8 of the Standard, down to 0.999579 at 86 km). Pressure, density and the
speed of sound are defined with ``T_M`` and are exact; :func:`air_temperature`
returns the kinetic temperature ``T = T_M M/M0 + dT``. fluids returns ``T_M``
as its temperature above 80 km (a 0.08 K difference at 86 km); below 80 km
the two are identical.

References
----------
.. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
   NOAA-S/T 76-1562 (NASA-TM-X-74335), U.S. Government Printing Office,
   Washington, D.C. https://ntrs.nasa.gov/citations/19770009539
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.polynomial import chebyshev as _chebyshev

__all__ = [
    "EARTH_RADIUS",
    "GAS_CONSTANT",
    "HEAT_CAPACITY_RATIO",
    "MAXIMUM_ALTITUDE",
    "MINIMUM_ALTITUDE",
    "MOLAR_MASS_AIR",
    "SEA_LEVEL_PRESSURE",
    "SEA_LEVEL_TEMPERATURE",
    "SPECIFIC_GAS_CONSTANT_AIR",
    "STANDARD_GRAVITY",
    "air_density",
    "air_pressure",
    "air_temperature",
    "density_kernel",
    "density_in_slice_kernel",
    "density_slice_kernel",
    "geopotential_altitude_from_geometric",
    "speed_of_sound",
    "temperature_kernel",
]

# --- Adopted constants of the U.S. Standard Atmosphere, 1976 [1], Part 1 -----
#: Sea-level value of the acceleration of gravity g0 [m s-2].
STANDARD_GRAVITY = 9.80665
#: Universal gas constant R* as adopted by the Standard (not CODATA) [J mol-1 K-1].
GAS_CONSTANT = 8.31432
#: Mean molar mass of sea-level air M0 [kg mol-1].
MOLAR_MASS_AIR = 28.9644e-3
#: Specific gas constant of air R*/M0 [J kg-1 K-1] (287.05307...; ICAO's
#: 287.05287 comes from its M0 = 28.96442 kg kmol-1, 7e-7 relative apart).
SPECIFIC_GAS_CONSTANT_AIR = GAS_CONSTANT / MOLAR_MASS_AIR
#: Effective Earth radius r0 for the geopotential conversion [m].
EARTH_RADIUS = 6356766.0
#: Ratio of specific heats of air, gamma [-].
HEAT_CAPACITY_RATIO = 1.40
#: Sea-level pressure P0 [Pa].
SEA_LEVEL_PRESSURE = 101325.0
#: Sea-level temperature T0 [K].
SEA_LEVEL_TEMPERATURE = 288.15

#: Lowest geometric altitude supported [m] (the Standard starts at -5 km).
MINIMUM_ALTITUDE = -5000.0
#: Highest geometric altitude supported [m] (top of the Standard's lower part).
MAXIMUM_ALTITUDE = 86000.0

# Reference levels: geopotential altitude of each layer base [m'] and the
# molecular-scale temperature gradient above it [K m'-1] (Table 4 of [1]).
# The layer above 84.852 km' (= 86 km geometric) is listed only so that the
# last 0.05 m' up to 86 km geometric has an isothermal formula.
_LAYER_BASE = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LAYER_GRADIENT = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3, 0.0])

# Molecular-weight ratio M/M0 from 80 km to 86 km geometric in 0.5 km steps,
# to be interpolated linearly (Table 8 of [1]).  Unity below 80 km.
_RATIO_ALTITUDE_START = 80000.0
_RATIO_ALTITUDE_STEP = 500.0
_MOLECULAR_WEIGHT_RATIO = np.array(
    [
        1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
        0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579,
    ]
)  # fmt: skip
_RATIO_ALTITUDE = _RATIO_ALTITUDE_START + _RATIO_ALTITUDE_STEP * np.arange(
    _MOLECULAR_WEIGHT_RATIO.size
)

# Hydrostatic constant g0 M0 / R* [K m'-1].
_HYDROSTATIC_CONSTANT = STANDARD_GRAVITY * MOLAR_MASS_AIR / GAS_CONSTANT


def _layer_base_values() -> tuple[np.ndarray, np.ndarray]:
    """Base temperature [K] and base pressure [Pa] of each layer.

    The Standard derives both by carrying T0 and P0 up through the layers with
    its own equations; this does the same in double precision.
    """
    n = _LAYER_BASE.size
    base_temperature = np.empty(n)
    base_pressure = np.empty(n)
    base_temperature[0] = SEA_LEVEL_TEMPERATURE
    base_pressure[0] = SEA_LEVEL_PRESSURE
    for i in range(1, n):
        thickness = _LAYER_BASE[i] - _LAYER_BASE[i - 1]
        gradient = _LAYER_GRADIENT[i - 1]
        t_b = base_temperature[i - 1]
        t_top = t_b + gradient * thickness
        if gradient == 0.0:
            p_top = base_pressure[i - 1] * np.exp(-_HYDROSTATIC_CONSTANT * thickness / t_b)
        else:
            p_top = base_pressure[i - 1] * (t_b / t_top) ** (_HYDROSTATIC_CONSTANT / gradient)
        base_temperature[i] = t_top
        base_pressure[i] = p_top
    return base_temperature, base_pressure


_LAYER_BASE_TEMPERATURE, _LAYER_BASE_PRESSURE = _layer_base_values()


def geopotential_altitude_from_geometric(altitude_msl, earth_radius=EARTH_RADIUS):
    """Convert geometric altitude to geopotential altitude.

    Parameters
    ----------
    altitude_msl : array_like
        Geometric altitude above mean sea level [m].
    earth_radius : float, optional
        Effective Earth radius r0 [m]; default the COESA-76 value 6356766 m.

    Returns
    -------
    numpy.ndarray or float
        Geopotential altitude H [m'] (geopotential metres).

    Notes
    -----
    ``H = r0 z / (r0 + z)`` (U.S. Standard Atmosphere 1976 [1]_, Part 1).

    References
    ----------
    .. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
       NOAA-S/T 76-1562 (NASA-TM-X-74335).
    """
    z = np.asarray(altitude_msl, dtype=float)
    return (earth_radius * z / (earth_radius + z))[()]


def _standard_state_geopotential(geopotential_altitude):
    """Standard molecular-scale temperature [K] and pressure [Pa] at H [m'].

    No range check: callers mask out-of-range inputs.
    """
    h = np.asarray(geopotential_altitude, dtype=float)
    i = np.clip(np.searchsorted(_LAYER_BASE, h, side="right") - 1, 0, _LAYER_BASE.size - 1)
    h_b = _LAYER_BASE[i]
    t_b = _LAYER_BASE_TEMPERATURE[i]
    p_b = _LAYER_BASE_PRESSURE[i]
    gradient = _LAYER_GRADIENT[i]
    isothermal = gradient == 0.0
    dh = h - h_b
    temperature = t_b + gradient * dh
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        safe_gradient = np.where(isothermal, 1.0, gradient)
        p_gradient = p_b * (t_b / temperature) ** (_HYDROSTATIC_CONSTANT / safe_gradient)
        p_isothermal = p_b * np.exp(-_HYDROSTATIC_CONSTANT * dh / t_b)
    pressure = np.where(isothermal, p_isothermal, p_gradient)
    return temperature, pressure


def _standard_state(altitude_msl):
    """Molecular-scale temperature [K], pressure [Pa], validity mask at z [m]."""
    z = np.asarray(altitude_msl, dtype=float)
    valid = (z >= MINIMUM_ALTITUDE) & (z <= MAXIMUM_ALTITUDE)
    h = EARTH_RADIUS * np.where(valid, z, 0.0) / (EARTH_RADIUS + np.where(valid, z, 0.0))
    temperature, pressure = _standard_state_geopotential(h)
    return temperature, pressure, valid


def air_temperature(altitude_msl, temperature_offset=0.0):
    """Kinetic air temperature of the 1976 U.S. Standard Atmosphere plus an offset.

    Parameters
    ----------
    altitude_msl : array_like
        Geometric altitude above mean sea level [m].
    temperature_offset : array_like, optional
        Uniform temperature offset dT from the standard day [K].

    Returns
    -------
    numpy.ndarray or float
        Air temperature [K]; NaN outside -5000 m <= altitude_msl <= 86000 m or
        where the temperature would not be positive.

    Notes
    -----
    ``T = T_M(H) M/M0 + dT`` with the molecular-scale temperature ``T_M``
    linear in geopotential altitude ``H = r0 z / (r0 + z)`` within each layer
    (Table 4 of [1]_) and the molecular-weight ratio ``M/M0`` interpolated
    linearly in Table 8 of [1]_ (exactly 1 below 80 km). See the module
    docstring for the offset model.

    References
    ----------
    .. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
       NOAA-S/T 76-1562 (NASA-TM-X-74335).
    """
    z, dt = np.broadcast_arrays(
        np.asarray(altitude_msl, dtype=float), np.asarray(temperature_offset, dtype=float)
    )
    molecular_temperature, _, valid = _standard_state(z)
    ratio = np.interp(z, _RATIO_ALTITUDE, _MOLECULAR_WEIGHT_RATIO, left=1.0, right=np.nan)
    temperature = molecular_temperature * ratio + dt
    ok = valid & (molecular_temperature + dt > 0.0)
    return np.where(ok, temperature, np.nan)[()]


def air_pressure(altitude_msl, temperature_offset=0.0):
    """Air pressure of the 1976 U.S. Standard Atmosphere.

    Parameters
    ----------
    altitude_msl : array_like
        Geometric altitude above mean sea level [m].
    temperature_offset : array_like, optional
        Uniform temperature offset dT from the standard day [K]. By the offset
        model (module docstring) it does not change the pressure; it only
        broadcasts and sets NaN where ``T_M + dT <= 0``.

    Returns
    -------
    numpy.ndarray or float
        Air pressure [Pa]; NaN outside -5000 m <= altitude_msl <= 86000 m.

    Notes
    -----
    In a layer with base ``H_b``, base temperature ``T_b``, base pressure
    ``P_b`` and gradient ``L`` (Table 4 of [1]_):
    ``P = P_b (T_b / (T_b + L (H - H_b)))^(g0 M0 / (R* L))`` if ``L != 0``,
    ``P = P_b exp(-g0 M0 (H - H_b) / (R* T_b))`` if ``L == 0``.
    Base values are carried up from P0 = 101325 Pa, T0 = 288.15 K.

    References
    ----------
    .. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
       NOAA-S/T 76-1562 (NASA-TM-X-74335).
    """
    z, dt = np.broadcast_arrays(
        np.asarray(altitude_msl, dtype=float), np.asarray(temperature_offset, dtype=float)
    )
    molecular_temperature, pressure, valid = _standard_state(z)
    ok = valid & (molecular_temperature + dt > 0.0)
    return np.where(ok, pressure, np.nan)[()]


def air_density(altitude_msl, temperature_offset=0.0):
    """Air density of the 1976 U.S. Standard Atmosphere with a temperature offset.

    Parameters
    ----------
    altitude_msl : array_like
        Geometric altitude above mean sea level [m].
    temperature_offset : array_like, optional
        Uniform temperature offset dT from the standard day [K].

    Returns
    -------
    numpy.ndarray or float
        Air density [kg m-3]; NaN outside -5000 m <= altitude_msl <= 86000 m
        or where ``T_M + dT <= 0``.

    Notes
    -----
    ``rho = P_std(z) M0 / (R* (T_M,std(z) + dT))`` (ideal gas, Part 1 of
    [1]_), with the standard pressure at the geometric altitude (offset model
    in the module docstring; identical to ``fluids.ATMOSPHERE_1976(z, dT)``).

    References
    ----------
    .. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
       NOAA-S/T 76-1562 (NASA-TM-X-74335).
    """
    z, dt = np.broadcast_arrays(
        np.asarray(altitude_msl, dtype=float), np.asarray(temperature_offset, dtype=float)
    )
    molecular_temperature, pressure, valid = _standard_state(z)
    temperature = molecular_temperature + dt
    ok = valid & (temperature > 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        density = pressure / (SPECIFIC_GAS_CONSTANT_AIR * temperature)
    return np.where(ok, density, np.nan)[()]


def speed_of_sound(altitude_msl, temperature_offset=0.0):
    """Speed of sound in the 1976 U.S. Standard Atmosphere with a temperature offset.

    Parameters
    ----------
    altitude_msl : array_like
        Geometric altitude above mean sea level [m].
    temperature_offset : array_like, optional
        Uniform temperature offset dT from the standard day [K].

    Returns
    -------
    numpy.ndarray or float
        Speed of sound [m s-1]; NaN outside -5000 m <= altitude_msl <= 86000 m
        or where ``T_M + dT <= 0``.

    Notes
    -----
    ``a = sqrt(gamma R* (T_M + dT) / M0)`` with gamma = 1.40 (Part 1 of [1]_;
    the Standard uses the molecular-scale temperature here).

    References
    ----------
    .. [1] NOAA, NASA, USAF (1976). "U.S. Standard Atmosphere, 1976."
       NOAA-S/T 76-1562 (NASA-TM-X-74335).
    """
    z, dt = np.broadcast_arrays(
        np.asarray(altitude_msl, dtype=float), np.asarray(temperature_offset, dtype=float)
    )
    molecular_temperature, _, valid = _standard_state(z)
    temperature = molecular_temperature + dt
    ok = valid & (temperature > 0.0)
    with np.errstate(invalid="ignore"):
        speed = np.sqrt(HEAT_CAPACITY_RATIO * SPECIFIC_GAS_CONSTANT_AIR * temperature)
    return np.where(ok, speed, np.nan)[()]


# --- Piecewise-polynomial fit for the numba kernels ----------------------------
# Slices of 1000 m' in geopotential altitude, starting at -6000 m' (below the
# -5003.9 m' of -5 km geometric). The uniform slice that would hold 84852 m'
# is split there, so slice 90 is [84000, 84852] and slice 91 is
# [84852, H(86 km)]. A slice index is int((H - start) / step), moved up by one
# when H lies above the next slice's start (only ever in the last slice).
_FIT_DEGREE = 8
_SLICE_STEP = 1000.0
_SLICE_ORIGIN = -6000.0
_FIT_TOP = float(EARTH_RADIUS * MAXIMUM_ALTITUDE / (EARTH_RADIUS + MAXIMUM_ALTITUDE))


def _slice_edges() -> np.ndarray:
    uniform = np.arange(_SLICE_ORIGIN, _LAYER_BASE[-1], _SLICE_STEP)
    return np.concatenate([uniform, [_LAYER_BASE[-1], _FIT_TOP]])


def _fit_pressure(degree: int):
    """Fit the standard pressure per slice; return per-slice arrays for the kernels."""
    edges = _slice_edges()
    lower, upper = edges[:-1], edges[1:]
    middle = 0.5 * (lower + upper)
    half_width = 0.5 * (upper - lower)
    n_nodes = degree + 1
    # Chebyshev points of the first kind on [-1, 1] and the matrix that maps
    # values there to Chebyshev coefficients (discrete orthogonality).
    k = np.arange(n_nodes)
    theta = np.pi * (k + 0.5) / n_nodes
    nodes = np.cos(theta)
    to_chebyshev = (2.0 / n_nodes) * np.cos(np.outer(theta, k))
    to_chebyshev[:, 0] *= 0.5
    # Chebyshev -> monomial conversion matrix (columns: images of T_j).
    to_monomial = np.zeros((n_nodes, n_nodes))
    for j in range(n_nodes):
        image = _chebyshev.cheb2poly(np.eye(n_nodes)[j])
        to_monomial[: image.size, j] = image
    # Chebyshev points lie strictly inside the slice, so the exact formula is
    # always evaluated in the slice's own layer.
    h_nodes = middle[:, None] + half_width[:, None] * nodes[None, :]
    _, pressure = _standard_state_geopotential(h_nodes)
    monomial = (pressure @ to_chebyshev) @ to_monomial.T
    # Temperature: exact, T_M = T_start + L (H - start) in each slice.
    temperature_start, _ = _standard_state_geopotential(lower)
    layer = np.clip(np.searchsorted(_LAYER_BASE, middle, side="right") - 1, 0, None)
    gradient = _LAYER_GRADIENT[layer]
    # Horner order: highest power first.
    return (
        np.ascontiguousarray(lower),
        np.ascontiguousarray(middle),
        np.ascontiguousarray(1.0 / half_width),
        np.ascontiguousarray(monomial[:, ::-1]),
        np.ascontiguousarray(temperature_start),
        np.ascontiguousarray(gradient),
    )


(
    _SLICE_START,
    _SLICE_MIDDLE,
    _SLICE_INVERSE_HALF_WIDTH,
    _SLICE_COEFFICIENTS,
    _SLICE_TEMPERATURE,
    _SLICE_GRADIENT,
) = _fit_pressure(_FIT_DEGREE)
_SLICE_COUNT = _SLICE_START.size
_INVERSE_SLICE_STEP = 1.0 / _SLICE_STEP
_INVERSE_RATIO_STEP = 1.0 / _RATIO_ALTITUDE_STEP
_RATIO_LAST_INDEX = _MOLECULAR_WEIGHT_RATIO.size - 2


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def _fit_height(altitude_msl):
    """(inside the fit's range, geopotential height [m]) of an altitude [m MSL]; outside the
    range the height of 0 m, which keeps a slice index valid (the results are then NaN)."""
    inside = (altitude_msl >= MINIMUM_ALTITUDE) & (altitude_msl <= MAXIMUM_ALTITUDE)
    altitude = altitude_msl if inside else 0.0
    return inside, EARTH_RADIUS * altitude / (EARTH_RADIUS + altitude)


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def density_slice_kernel(altitude_msl):
    """Index of the fit slice that holds an altitude [m MSL] (0 outside the fit's range).

    With :func:`density_in_slice_kernel` this is :func:`density_kernel` in two parts, so
    that lanes known to share a slice can share its coefficients (one load instead of a
    gather per lane).
    """
    _, h = _fit_height(altitude_msl)
    i = min(int((h - _SLICE_ORIGIN) * _INVERSE_SLICE_STEP), _SLICE_COUNT - 1)
    above = (i < _SLICE_COUNT - 1) & (h > _SLICE_START[min(i + 1, _SLICE_COUNT - 1)])
    return i + 1 if above else i


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def _standard_state_in_slice(altitude_msl, i):
    """(T_M [K], P [Pa]) of the standard day from fit slice i (density_slice_kernel's); NaN out of range.

    Selects, not branches, so that the engine's lane loops vectorise.
    """
    inside, h = _fit_height(altitude_msl)
    x = (h - _SLICE_MIDDLE[i]) * _SLICE_INVERSE_HALF_WIDTH[i]
    p = _SLICE_COEFFICIENTS[i, 0]
    for j in range(1, _FIT_DEGREE + 1):
        p = p * x + _SLICE_COEFFICIENTS[i, j]
    t = _SLICE_TEMPERATURE[i] + _SLICE_GRADIENT[i] * (h - _SLICE_START[i])
    return (t if inside else np.nan), (p if inside else np.nan)


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def _standard_state_kernel(altitude_msl):
    """(T_M [K], P [Pa]) of the standard day from the slice fit; NaN out of range."""
    return _standard_state_in_slice(altitude_msl, density_slice_kernel(altitude_msl))


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def density_in_slice_kernel(altitude_msl, temperature_offset, i):
    """:func:`density_kernel` evaluated in fit slice i, which must be ``density_slice_kernel(altitude_msl)``."""
    t, p = _standard_state_in_slice(altitude_msl, i)
    t = t + temperature_offset
    rho = p / (SPECIFIC_GAS_CONSTANT_AIR * t)
    return rho if t > 0.0 else np.nan


@numba.njit(cache=True, fastmath=False, inline="always", error_model="numpy")
def density_kernel(altitude_msl, temperature_offset):
    """Air density of COESA-76 with an offset, without pow/exp/log (numba kernel).

    Parameters
    ----------
    altitude_msl : float
        Geometric altitude above mean sea level [m].
    temperature_offset : float
        Uniform temperature offset dT from the standard day [K].

    Returns
    -------
    float
        Air density [kg m-3]; NaN outside -5000 m <= altitude_msl <= 86000 m
        or where ``T_M + dT <= 0``.

    Notes
    -----
    Same model as :func:`air_density`; the standard pressure comes from the
    piecewise polynomial described in the module docstring (relative error
    below 1e-14), the temperature is exact. Division only, no pow/exp/log.
    """
    return density_in_slice_kernel(altitude_msl, temperature_offset, density_slice_kernel(altitude_msl))


@numba.njit(cache=True, fastmath=False)
def temperature_kernel(altitude_msl, temperature_offset):
    """Kinetic air temperature of COESA-76 plus an offset (numba kernel).

    Parameters
    ----------
    altitude_msl : float
        Geometric altitude above mean sea level [m].
    temperature_offset : float
        Uniform temperature offset dT from the standard day [K].

    Returns
    -------
    float
        Air temperature [K]; NaN outside -5000 m <= altitude_msl <= 86000 m or
        where ``T_M + dT <= 0``. Same model as :func:`air_temperature`.
    """
    if not (altitude_msl >= MINIMUM_ALTITUDE and altitude_msl <= MAXIMUM_ALTITUDE):
        return np.nan
    h = EARTH_RADIUS * altitude_msl / (EARTH_RADIUS + altitude_msl)
    i = int((h - _SLICE_ORIGIN) * _INVERSE_SLICE_STEP)
    if i > _SLICE_COUNT - 1:
        i = _SLICE_COUNT - 1
    if i < _SLICE_COUNT - 1 and h > _SLICE_START[i + 1]:
        i += 1
    t = _SLICE_TEMPERATURE[i] + _SLICE_GRADIENT[i] * (h - _SLICE_START[i])
    if not (t + temperature_offset > 0.0):
        return np.nan
    ratio = 1.0
    if altitude_msl > _RATIO_ALTITUDE_START:
        j = int((altitude_msl - _RATIO_ALTITUDE_START) * _INVERSE_RATIO_STEP)
        if j > _RATIO_LAST_INDEX:
            j = _RATIO_LAST_INDEX
        w = (altitude_msl - _RATIO_ALTITUDE[j]) * _INVERSE_RATIO_STEP
        ratio = _MOLECULAR_WEIGHT_RATIO[j] + w * (
            _MOLECULAR_WEIGHT_RATIO[j + 1] - _MOLECULAR_WEIGHT_RATIO[j]
        )
    return t * ratio + temperature_offset


def _pressure_fit_error(samples_per_slice=2000):
    """Maximum relative error of the kernels' pressure fit against the exact formula.

    Parameters
    ----------
    samples_per_slice : int, optional
        Evenly spaced test points per 1 km slice, end points included [-].

    Returns
    -------
    float
        ``max |P_fit / P_exact - 1|`` over -5 km .. 86 km geometric [-].
    """
    edges = _slice_edges()
    u = np.linspace(0.0, 1.0, samples_per_slice)
    h = (edges[:-1, None] + (edges[1:] - edges[:-1])[:, None] * u[None, :]).ravel()
    z = h * EARTH_RADIUS / (EARTH_RADIUS - h)
    z = z[(z >= MINIMUM_ALTITUDE) & (z <= MAXIMUM_ALTITUDE)]
    exact = air_pressure(z)
    fitted = np.array([_standard_state_kernel(value)[1] for value in z])
    return float(np.max(np.abs(fitted / exact - 1.0)))
