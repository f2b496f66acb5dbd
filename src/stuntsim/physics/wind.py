"""Horizontal wind: direction convention, layered profiles and the power law.

Frame and convention
--------------------
Wind vectors are horizontal ENU components ``(east, north)`` [m s-1] of the
velocity of the air over the ground. Directions follow the meteorological
convention: ``direction_from`` [rad] is measured clockwise from true north and
names where the wind blows FROM (a wind from 270 deg, a westerly, moves air
toward +east).

One kernel for every profile
----------------------------
The flight engine evaluates the wind with one numba kernel,
:func:`wind_at_height_kernel`, that interpolates linearly in height between
tabulated layers. Analytic profiles such as the power law are tabulated once,
before the run, by :func:`power_law_layers` on a grid fine enough to meet a
stated relative tolerance, so the engine does not need one kernel per model.

References
----------
.. [1] Hellmann, G. (1915). "Über die Bewegung der Luft in den untersten
   Schichten der Atmosphäre." Meteorologische Zeitschrift, 32.
.. [2] Peterson, E. W., Hennessey, J. P. Jr. (1978). "On the use of power
   laws for estimates of wind power potential." Journal of Applied
   Meteorology 17(3), 390-394.
   https://doi.org/10.1175/1520-0450(1978)017<0390:OTUOPL>2.0.CO;2
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "layered_wind",
    "power_law_layers",
    "power_law_speed",
    "speed_direction_from_components",
    "wind_at_height_kernel",
    "wind_components_from_speed_direction",
]

_TWO_PI = 2.0 * np.pi

#: Smallest positive height the power-law tabulation may use [m]; keeps the
#: near-ground geometric grid inside the normal float64 range.
_SMALLEST_TABULATED_HEIGHT = 1e-300


def wind_components_from_speed_direction(speed, direction_from):
    """East and north wind components from speed and meteorological direction.

    Parameters
    ----------
    speed : array_like
        Horizontal wind speed [m s-1].
    direction_from : array_like
        Direction the wind blows from, clockwise from true north [rad].

    Returns
    -------
    east : numpy.ndarray or float
        Component toward true east [m s-1].
    north : numpy.ndarray or float
        Component toward true north [m s-1].

    Notes
    -----
    ``east = -speed sin(direction_from)``, ``north = -speed cos(direction_from)``:
    the air moves toward ``direction_from + pi``. A wind from the north
    (0 rad) has ``north = -speed``; a wind from the west (3 pi / 2) has
    ``east = +speed``.
    """
    speed = np.asarray(speed, dtype=float)
    direction_from = np.asarray(direction_from, dtype=float)
    east = -speed * np.sin(direction_from)
    north = -speed * np.cos(direction_from)
    return east[()], north[()]


def speed_direction_from_components(east, north):
    """Wind speed and meteorological direction from east and north components.

    Parameters
    ----------
    east : array_like
        Component toward true east [m s-1].
    north : array_like
        Component toward true north [m s-1].

    Returns
    -------
    speed : numpy.ndarray or float
        Horizontal wind speed [m s-1].
    direction_from : numpy.ndarray or float
        Direction the wind blows from, clockwise from true north, in
        ``[0, 2 pi)`` [rad]; 0 for calm air (speed exactly 0).

    Notes
    -----
    Inverse of :func:`wind_components_from_speed_direction`:
    ``direction_from = atan2(-east, -north)`` reduced to ``[0, 2 pi)``.
    """
    east = np.asarray(east, dtype=float)
    north = np.asarray(north, dtype=float)
    speed = np.hypot(east, north)
    direction = np.mod(np.arctan2(-east, -north), _TWO_PI)
    # np.mod of a tiny negative angle can round up to exactly 2 pi.
    direction = np.where(direction >= _TWO_PI, 0.0, direction)
    direction = np.where(speed == 0.0, 0.0, direction)
    return speed[()], direction[()]


@numba.njit(cache=True)
def wind_at_height_kernel(height_agl, heights, east, north):
    """Wind components at one height from a layered profile (numba kernel).

    Parameters
    ----------
    height_agl : float
        Height above ground level [m].
    heights : numpy.ndarray
        Layer heights above ground level, sorted non-decreasing, at least one
        element [m]. Not checked here; see :func:`layered_wind`.
    east : numpy.ndarray
        East wind component at each layer height [m s-1].
    north : numpy.ndarray
        North wind component at each layer height [m s-1].

    Returns
    -------
    east : float
        East component at ``height_agl`` [m s-1].
    north : float
        North component at ``height_agl`` [m s-1].

    Notes
    -----
    Linear interpolation in height between the two layers that bracket
    ``height_agl``; the first layer's wind below the first height, the last
    layer's wind above the last height (one layer therefore means a uniform
    wind). At a height listed twice (a step in the profile) the upper
    layer's wind applies. NaN height gives NaN components. Binary search, no
    allocation.
    """
    n = heights.shape[0]
    if not (height_agl == height_agl):
        return np.nan, np.nan
    if height_agl <= heights[0]:
        return east[0], north[0]
    if height_agl >= heights[n - 1]:
        return east[n - 1], north[n - 1]
    # Invariant: heights[lo] <= height_agl < heights[hi].
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if heights[mid] <= height_agl:
            lo = mid
        else:
            hi = mid
    w = (height_agl - heights[lo]) / (heights[hi] - heights[lo])
    return (
        east[lo] + w * (east[hi] - east[lo]),
        north[lo] + w * (north[hi] - north[lo]),
    )


def layered_wind(height_agl, heights, east, north):
    """Wind components from a layered profile, broadcasting over heights.

    Parameters
    ----------
    height_agl : array_like
        Height(s) above ground level [m].
    heights : array_like
        Layer heights above ground level, 1-D, sorted non-decreasing, at least
        one element [m].
    east : array_like
        East wind component at each layer height, same length [m s-1].
    north : array_like
        North wind component at each layer height, same length [m s-1].

    Returns
    -------
    east : numpy.ndarray or float
        East component at ``height_agl`` [m s-1].
    north : numpy.ndarray or float
        North component at ``height_agl`` [m s-1].

    Raises
    ------
    ValueError
        If the layer arrays are not 1-D of one length >= 1 or ``heights`` is
        not sorted.

    Notes
    -----
    Same arithmetic as :func:`wind_at_height_kernel` (linear in height,
    constant beyond both ends, NaN for NaN height), vectorised with numpy.
    """
    h = np.asarray(height_agl, dtype=float)
    heights = np.asarray(heights, dtype=float)
    east = np.asarray(east, dtype=float)
    north = np.asarray(north, dtype=float)
    same_shape = east.shape == heights.shape and north.shape == heights.shape
    if heights.ndim != 1 or heights.size < 1 or not same_shape:
        raise ValueError(
            "layered_wind needs 1-D heights, east and north of one length >= 1; got shapes "
            f"{heights.shape}, {east.shape}, {north.shape}"
        )
    if np.any(np.diff(heights) < 0.0) or np.any(np.isnan(heights)):
        raise ValueError("layered_wind needs heights sorted in non-decreasing order")
    n = heights.size
    if n == 1:
        we = np.where(np.isnan(h), np.nan, east[0])
        wn = np.where(np.isnan(h), np.nan, north[0])
        return we[()], wn[()]
    lo = np.clip(np.searchsorted(heights, h, side="right") - 1, 0, n - 2)
    hi = lo + 1
    inside = (h > heights[0]) & (h < heights[-1])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        w = (h - heights[lo]) / (heights[hi] - heights[lo])
    w = np.where(inside, w, 0.0)
    we = east[lo] + w * (east[hi] - east[lo])
    wn = north[lo] + w * (north[hi] - north[lo])
    below = h <= heights[0]
    above = h >= heights[-1]
    we = np.where(below, east[0], np.where(above, east[-1], we))
    wn = np.where(below, north[0], np.where(above, north[-1], wn))
    nan = np.isnan(h)
    return np.where(nan, np.nan, we)[()], np.where(nan, np.nan, wn)[()]


def power_law_speed(height_agl, reference_speed, reference_height=10.0, exponent=1.0 / 7.0):
    """Wind speed at height from the power-law profile.

    Parameters
    ----------
    height_agl : array_like
        Height above ground level [m].
    reference_speed : array_like
        Wind speed measured at ``reference_height`` [m s-1].
    reference_height : array_like, optional
        Height of the reference measurement above ground level [m]; default
        10 m, the standard anemometer height.
    exponent : array_like, optional
        Power-law (Hellmann) exponent alpha [-]; default 1/7.

    Returns
    -------
    numpy.ndarray or float
        Wind speed [m s-1]; 0 at and below the ground (``height_agl <= 0``).

    Notes
    -----
    ``u(z) = u_ref (z / z_ref)^alpha`` for ``z > 0`` (Hellmann [1]_). The
    default alpha = 1/7 is the classical value for neutral stability over
    open, level terrain; Peterson and Hennessey [2]_ review its use and show
    that the exponent varies widely with stability and surface roughness, so
    the default is a fallback, not a site value. An empirical fit, not valid
    above the surface layer (a few hundred metres) in any strict sense.

    References
    ----------
    .. [1] Hellmann, G. (1915). "Über die Bewegung der Luft in den untersten
       Schichten der Atmosphäre." Meteorologische Zeitschrift, 32.
    .. [2] Peterson, E. W., Hennessey, J. P. Jr. (1978). "On the use of power
       laws for estimates of wind power potential." Journal of Applied
       Meteorology 17(3), 390-394.
       https://doi.org/10.1175/1520-0450(1978)017<0390:OTUOPL>2.0.CO;2
    """
    z = np.asarray(height_agl, dtype=float)
    reference_speed = np.asarray(reference_speed, dtype=float)
    above_ground = z > 0.0
    ratio = np.where(above_ground, z, 1.0) / reference_height
    speed = reference_speed * ratio**exponent
    return np.where(above_ground, speed, np.where(np.isnan(z), np.nan, 0.0))[()]


def _power_law_chord_error(log_ratio, exponent):
    """Largest relative error of the chord of z^alpha on [1, e^log_ratio] [-]."""
    r = math.exp(log_ratio)
    # Chord slope and the height where chord / curve is smallest.
    slope = math.expm1(exponent * log_ratio) / math.expm1(log_ratio)
    z_star = exponent * (1.0 - slope) / (slope * (1.0 - exponent))
    z_star = min(max(z_star, 1.0), r)
    chord = 1.0 + slope * (z_star - 1.0)
    return 1.0 - chord / z_star**exponent


def _power_law_grid_log_ratio(exponent, relative_tolerance):
    """Largest log height ratio whose chord error stays within the tolerance [-]."""
    lo, hi = 0.0, 50.0
    if _power_law_chord_error(hi, exponent) <= relative_tolerance:
        return hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _power_law_chord_error(mid, exponent) <= relative_tolerance:
            lo = mid
        else:
            hi = mid
    return lo


def power_law_layers(
    reference_speed,
    direction_from,
    reference_height=10.0,
    exponent=1.0 / 7.0,
    top=5000.0,
    relative_tolerance=1e-3,
):
    """Tabulate the power-law profile as layers for :func:`wind_at_height_kernel`.

    Parameters
    ----------
    reference_speed : float
        Wind speed at ``reference_height`` [m s-1].
    direction_from : float
        Direction the wind blows from, clockwise from true north [rad]; the
        same at every height.
    reference_height : float, optional
        Height of the reference measurement above ground level [m].
    exponent : float, optional
        Power-law exponent alpha, ``0 < alpha < 1`` [-]; default 1/7.
    top : float, optional
        Highest tabulated height above ground level [m]; above it the
        layered wind stays at its value at ``top``.
    relative_tolerance : float, optional
        Allowed relative error of the linearly interpolated speed,
        ``0 < relative_tolerance < 1`` [-].

    Returns
    -------
    heights : numpy.ndarray
        Layer heights above ground level, strictly increasing, first 0 and
        last ``top`` [m].
    east : numpy.ndarray
        East wind component at each height [m s-1].
    north : numpy.ndarray
        North wind component at each height [m s-1].

    Raises
    ------
    ValueError
        If a parameter is outside its range, or the exponent is so small for
        the tolerance that the grid would need heights below 1e-300 m.

    Notes
    -----
    Tabulation error. The relative error of a chord of ``z^alpha`` between
    heights ``a`` and ``r a`` depends only on the ratio ``r``, so a geometric
    grid ``z_k = z_ref r^k`` (anchored at the reference height, which is a
    node, so the reference speed is reproduced) with the largest ``r`` whose
    worst chord error equals ``relative_tolerance`` gives, between the first
    positive node ``z_1`` and ``top``:
    ``|u_lin(z) - u(z)| <= relative_tolerance * u(z)``.
    The worst chord error is found in closed form (the ratio chord/curve is
    smallest at ``z* = alpha (1 - s) / (s (1 - alpha))`` with ``s`` the chord
    slope on ``[1, r]``) and ``r`` by bisection. Below ``z_1`` no finite grid
    can bound the relative error (the interpolant is linear from the node at
    0 m, the profile is not), so ``z_1 <= z_ref relative_tolerance^(1/alpha)``
    is chosen, which bounds the absolute error there by
    ``u(z_1) <= relative_tolerance * reference_speed``. For the defaults
    (alpha = 1/7, 1e-3, 10 m, 5000 m) ``r`` is about 1.29 and the table has
    217 layers; ``z_1`` is about 8e-21 m.

    The direction is uniform with height (no veer).
    """
    if not (0.0 < exponent < 1.0):
        raise ValueError(f"power_law_layers needs 0 < exponent < 1, got {exponent}")
    if not (0.0 < relative_tolerance < 1.0):
        raise ValueError(
            f"power_law_layers needs 0 < relative_tolerance < 1, got {relative_tolerance}"
        )
    if not (reference_height > 0.0):
        raise ValueError(f"power_law_layers needs reference_height > 0, got {reference_height}")
    if not (top > 0.0):
        raise ValueError(f"power_law_layers needs top > 0, got {top}")
    # A hair under the tolerance absorbs the rounding of the node heights.
    log_ratio = _power_law_grid_log_ratio(exponent, relative_tolerance * (1.0 - 1e-9))
    log_lowest = math.log(relative_tolerance) / exponent  # log(z_1 / z_ref) bound
    if math.log(reference_height) + log_lowest < math.log(_SMALLEST_TABULATED_HEIGHT):
        raise ValueError(
            "power_law_layers: exponent too small for the tolerance "
            f"(exponent={exponent}, relative_tolerance={relative_tolerance})"
        )
    k_low = math.floor(log_lowest / log_ratio)
    k_high = math.ceil(math.log(top / reference_height) / log_ratio)
    k = np.arange(k_low, k_high + 1, dtype=float)
    nodes = reference_height * np.exp(k * log_ratio)
    # The reference height must be reproduced bit for bit.
    nodes[k == 0.0] = reference_height
    nodes = nodes[nodes < top]
    heights = np.concatenate([[0.0], nodes, [float(top)]])
    speed = power_law_speed(heights, reference_speed, reference_height, exponent)
    east, north = wind_components_from_speed_direction(speed, direction_from)
    return heights, np.asarray(east, dtype=float), np.asarray(north, dtype=float)
