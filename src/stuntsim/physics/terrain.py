"""Terrain as one height field: flat ground, a profile along a heading, or a grid.

All three kinds share one representation so the flight engine has a single code
path: a regular grid of elevations (MSL) in a frame ``(u, v)`` that is a linear map
of the engine's east/north coordinates,

    u = a[0] * east + a[1] * north
    v = a[2] * east + a[3] * north

with nodes at ``u0 + i * du`` and ``v0 + j * dv``. A flat ground is a 1 x 1 grid; a
profile along the jump heading is an ``n x 1`` grid with ``u`` along the heading
(the profile is extruded sideways, the same height across the track); a DEM is an
``nu x nv`` grid with ``u`` east and ``v`` north. Heights are bilinear between
nodes; beyond the grid the edge values continue (a documented extrapolation).

Clearance (distance from a point to the ground) is:

* for a profile: the exact Euclidean distance in the vertical plane along the
  heading to the piecewise-linear profile, so the horizontal distance to a cliff
  face counts, not only the height above the ground straight below;
* for a grid (and flat ground): the distance to the local tangent plane,
  ``(z - h) / sqrt(1 + |grad h|^2)``, exact on planar ground and a first-order
  approximation elsewhere (it underestimates nothing on a plane, but cannot see a
  wall beside the point).

Written by hand because the engine needs these lookups inside numba kernels, one
scalar at a time, with no allocation; the libraries that interpolate grids
(scipy.interpolate) cannot be called from numba.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

# indices into the terrain metadata vector handed to kernels
META_A0, META_A1, META_A2, META_A3, META_U0, META_V0, META_DU, META_DV = range(8)
META_SIZE = 8


@dataclass(frozen=True)
class TerrainGrid:
    """A height field in the kernel's representation.

    Parameters
    ----------
    elevation_msl : ndarray, shape (nu, nv)
        Node elevations above mean sea level [m].
    meta : ndarray, shape (8,)
        ``a0..a3, u0, v0, du, dv``: the linear map from (east, north) to (u, v)
        and the node spacing [m]; see the module docstring.
    kind : str
        ``"flat"``, ``"profile"`` or ``"grid"``.
    """

    elevation_msl: np.ndarray
    meta: np.ndarray
    kind: str

    def height(self, east, north):
        """Ground elevation MSL [m] below points (east, north) [m] (broadcasts)."""
        e, n = np.broadcast_arrays(np.asarray(east, float), np.asarray(north, float))
        out = np.empty(e.shape)
        _heights(self.elevation_msl, self.meta, e.ravel(), n.ravel(), out.reshape(-1))
        return out

    def clearance(self, east, north, altitude_msl):
        """Distance from points to the ground [m], negative below it (broadcasts)."""
        e, n, z = np.broadcast_arrays(
            np.asarray(east, float), np.asarray(north, float), np.asarray(altitude_msl, float)
        )
        out = np.empty(e.shape)
        _clearances(self.elevation_msl, self.meta, e.ravel(), n.ravel(), z.ravel(), out.reshape(-1))
        return out


def flat_terrain(elevation_msl: float) -> TerrainGrid:
    """Flat ground at one elevation MSL [m]."""
    meta = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    return TerrainGrid(np.full((1, 1), float(elevation_msl)), meta, "flat")


def profile_terrain(distance, elevation_msl, heading_true: float, spacing: float | None = None) -> TerrainGrid:
    """A profile along a heading, extruded sideways.

    Parameters
    ----------
    distance : array_like
        Distance along the heading from the datum, strictly increasing [m].
    elevation_msl : array_like
        Ground elevation MSL at each distance [m].
    heading_true : float
        Heading of the profile, clockwise from true north [rad].
    spacing : float, optional
        Node spacing of the resampled profile [m]. Default: the greatest common
        divisor of the gaps (to 1 cm), at least 0.5 m, so every input vertex lands
        on a node whenever the gaps are whole multiples of 0.5 m. (The clearance
        search walks the nodes: the coarser, the fewer segments it measures.)

    Notes
    -----
    The input polyline is resampled onto uniform nodes (the kernel needs O(1)
    lookups); with vertices on nodes the resampled profile is the input exactly.
    """
    d = np.asarray(distance, float)
    z = np.asarray(elevation_msl, float)
    if d.ndim != 1 or d.size < 2 or d.shape != z.shape or np.any(np.diff(d) <= 0):
        raise ValueError("profile needs >= 2 points with strictly increasing distance")
    if spacing is None:
        gaps_cm = np.rint(np.diff(d) * 100.0).astype(np.int64)
        spacing = max(np.gcd.reduce(gaps_cm) / 100.0, 0.5)
    n = int(math.ceil((d[-1] - d[0]) / spacing)) + 1
    nodes = d[0] + spacing * np.arange(n)
    heights = np.interp(nodes, d, z)
    s, c = math.sin(heading_true), math.cos(heading_true)
    # u along the heading, v to the right of it
    meta = np.array([s, c, c, -s, d[0], 0.0, spacing, 1.0])
    return TerrainGrid(heights.reshape(n, 1), meta, "profile")


def grid_terrain(elevation_msl, spacing: float, origin_east: float = 0.0, origin_north: float = 0.0) -> TerrainGrid:
    """A regular DEM grid; ``elevation_msl[i, j]`` is at north index ``i``, east index ``j``.

    Parameters
    ----------
    elevation_msl : array_like, shape (n_north, n_east)
        Node elevations MSL [m], rows northward, columns eastward.
    spacing : float
        Node spacing in both directions [m].
    origin_east, origin_north : float
        Position of node [0, 0] relative to the datum [m].
    """
    z = np.asarray(elevation_msl, float)
    if z.ndim != 2 or min(z.shape) < 2 or not np.all(np.isfinite(z)):
        raise ValueError("grid needs a finite 2-D array of at least 2 x 2 elevations")
    # kernel grids are indexed [u, v] = [east, north]
    meta = np.array([1.0, 0.0, 0.0, 1.0, origin_east, origin_north, spacing, spacing])
    return TerrainGrid(np.ascontiguousarray(z.T), meta, "grid")


@numba.njit(cache=True, inline="always")
def grid_cell_kernel(coord, origin, step, n):
    """Cell index and fraction along one axis, clamped to the grid (selects, not branches, so
    the engine's lane loops vectorise)."""
    if n == 1:
        return 0, 0.0
    f = min(max((coord - origin) / step, 0.0), float(n - 1))
    i = min(int(f), n - 2)
    return i, f - i


@numba.njit(cache=True, inline="always")
def profile_cell_kernel(a0, a1, u0, du, n, east, north):
    """Segment index and fraction along a profile of n > 1 nodes at (east, north), for
    ``meta[0], meta[1], meta[4], meta[6]`` = a0, a1, u0, du. No array access, so a lane loop
    that calls it vectorises (the lookups, gathers, can then run in a loop of their own)."""
    return grid_cell_kernel(a0 * east + a1 * north, u0, du, n)


@numba.njit(cache=True, inline="always")
def profile_height_kernel(elev, meta, east, north):
    """height_kernel of a grid one node wide across (a profile, ``elev.shape == (n > 1, 1)``):
    linear along the profile, edge-extended. The same arithmetic with two lookups instead of
    the bilinear four (the engine's ground pass calls height_kernel several times a step)."""
    i, fu = profile_cell_kernel(meta[0], meta[1], meta[4], meta[6], elev.shape[0], east, north)
    z0 = elev[i, 0]
    return z0 + fu * (elev[i + 1, 0] - z0)


@numba.njit(cache=True, inline="always")
def height_kernel(elev, meta, east, north):
    """Ground elevation MSL [m] at (east, north) [m]; bilinear, edge-extended."""
    nu, nv = elev.shape
    if nv == 1 and nu > 1:
        return profile_height_kernel(elev, meta, east, north)
    u = meta[0] * east + meta[1] * north
    v = meta[2] * east + meta[3] * north
    i, fu = grid_cell_kernel(u, meta[4], meta[6], nu)
    j, fv = grid_cell_kernel(v, meta[5], meta[7], nv)
    i1 = min(i + 1, nu - 1)
    j1 = min(j + 1, nv - 1)
    return grid_bilinear_kernel(elev[i, j], elev[i1, j], elev[i, j1], elev[i1, j1], fu, fv, nu, nv)


@numba.njit(cache=True, inline="always")
def grid_bilinear_kernel(z00, z10, z01, z11, fu, fv, nu, nv):
    """The bilinear surface through a cell's corner heights at fractions (fu, fv) (the line
    or point of a grid one node wide). Scalars only, so a lane loop that gathers the corners
    itself vectorises."""
    if nu == 1 and nv == 1:
        return z00
    if nv == 1:
        return z00 + fu * (z10 - z00)
    if nu == 1:
        return z00 + fv * (z01 - z00)
    return (z00 * (1.0 - fu) + z10 * fu) * (1.0 - fv) + (z01 * (1.0 - fu) + z11 * fu) * fv


@numba.njit(cache=True)
def _gradient_uv(elev, meta, u, v):
    """Bilinear-surface gradient (dh/du, dh/dv) [-] inside the grid, 0 outside."""
    nu, nv = elev.shape
    gu = 0.0
    gv = 0.0
    if nu > 1:
        i, fu = grid_cell_kernel(u, meta[4], meta[6], nu)
    else:
        i, fu = 0, 0.0
    if nv > 1:
        j, fv = grid_cell_kernel(v, meta[5], meta[7], nv)
    else:
        j, fv = 0, 0.0
    # beyond the grid the edge values continue, so the ground is level there
    outside_u = nu > 1 and (u < meta[4] or u > meta[4] + meta[6] * (nu - 1))
    outside_v = nv > 1 and (v < meta[5] or v > meta[5] + meta[7] * (nv - 1))
    if nu > 1 and nv > 1:
        z00 = elev[i, j]
        z10 = elev[i + 1, j]
        z01 = elev[i, j + 1]
        z11 = elev[i + 1, j + 1]
        gu = ((z10 - z00) * (1.0 - fv) + (z11 - z01) * fv) / meta[6]
        gv = ((z01 - z00) * (1.0 - fu) + (z11 - z10) * fu) / meta[7]
    elif nu > 1:
        gu = (elev[i + 1, 0] - elev[i, 0]) / meta[6]
    elif nv > 1:
        gv = (elev[0, j + 1] - elev[0, j]) / meta[7]
    if outside_u:
        gu = 0.0
    if outside_v:
        gv = 0.0
    return gu, gv


@numba.njit(cache=True, inline="always")
def _segment_distance(elev, u0, du, i, u, z):
    """Distance in the (u, z) plane from a point to profile segment ``i``."""
    ua = u0 + du * i
    za = elev[i, 0]
    ez = elev[i + 1, 0] - za
    px = u - ua
    pz = z - za
    along = px * du + pz * ez
    length2 = du * du + ez * ez
    # the projection's parameter, clamped to the segment; the division only where it is inside
    # (a quotient of correctly rounded operands is <= 0 or >= 1 exactly when these tests hold)
    if along <= 0.0:
        t = 0.0
    elif along >= length2:
        t = 1.0
    else:
        t = along / length2
    dx = px - t * du
    dz = pz - t * ez
    return math.sqrt(dx * dx + dz * dz)


@numba.njit(cache=True)
def _profile_distance(elev, meta, u, z, best):
    """Distance in the (u, z) plane from a point to a uniform profile polyline.

    ``best`` is an upper bound to start from (the vertical clearance). A segment
    whose horizontal gap to ``u`` exceeds the best distance so far cannot be closer,
    so the search walks outward from the point's own segment and stops early.
    Beyond the ends the profile continues level; the vertical clearance that
    ``best`` starts from already covers those level continuations.
    """
    n = elev.shape[0]
    u0 = meta[4]
    du = meta[6]
    start = int(math.floor((u - u0) / du))
    start = min(max(start, 0), n - 2)
    i = start
    while i >= 0:
        if u - (u0 + du * (i + 1)) > best:
            break
        # a segment whose top lies more than the best distance below the point cannot be closer
        if z - max(elev[i, 0], elev[i + 1, 0]) < best:
            best = min(best, _segment_distance(elev, u0, du, i, u, z))
        i -= 1
    i = start + 1
    while i <= n - 2:
        if (u0 + du * i) - u > best:
            break
        if z - max(elev[i, 0], elev[i + 1, 0]) < best:
            best = min(best, _segment_distance(elev, u0, du, i, u, z))
        i += 1
    return best


@numba.njit(cache=True)
def clearance_kernel(elev, meta, east, north, altitude_msl, upper_bound=np.inf):
    """Distance from a point to the ground [m]; negative when below the surface.

    See the module docstring for how the distance is measured per terrain kind.
    ``upper_bound`` [m] caps the search: when the true distance exceeds it, a value
    >= upper_bound (not necessarily the distance) is returned. A running minimum
    passes its current value, which makes the profile search short.
    """
    h = height_kernel(elev, meta, east, north)
    vertical = altitude_msl - h
    nu, nv = elev.shape
    u = meta[0] * east + meta[1] * north
    if nv == 1 and nu > 1:
        if vertical <= 0.0:
            return vertical
        if vertical > upper_bound:
            return _profile_distance(elev, meta, u, altitude_msl, upper_bound)
        return _profile_distance(elev, meta, u, altitude_msl, vertical)
    v = meta[2] * east + meta[3] * north
    gu, gv = _gradient_uv(elev, meta, u, v)
    return vertical / math.sqrt(1.0 + gu * gu + gv * gv)


@numba.njit(cache=True)
def _heights(elev, meta, east, north, out):
    """height_kernel at every point, in one compiled loop (a Python loop of kernel calls costs ~1 us a point)."""
    for i in range(east.size):
        out[i] = height_kernel(elev, meta, east[i], north[i])


@numba.njit(cache=True)
def _clearances(elev, meta, east, north, altitude_msl, out):
    """clearance_kernel at every point, in one compiled loop."""
    for i in range(east.size):
        out[i] = clearance_kernel(elev, meta, east[i], north[i], altitude_msl[i])
