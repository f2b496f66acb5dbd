"""Verification of the terrain height field against truth from outside the code.

Profile heights against numpy.interp of the input points, profile clearance
against a brute-force distance to the densely sampled polyline, grid heights on a
real DEM (the Jacksboro fault DEM that matplotlib ships) against
scipy.interpolate.RegularGridInterpolator, the tangent-plane clearance against
the point-plane distance formula, and ground contact of a vertical drop onto the
DEM against the interpolated height.
"""

from __future__ import annotations

import math

import matplotlib.cbook
import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator

from stuntsim.physics.terrain import grid_terrain, profile_terrain
from stuntsim.simulate import phases as ph
from stuntsim.simulate.engine import STATUS_DONE, run_ensemble

HEADINGS = [0.0, 0.7, math.pi / 2, 2.5, math.pi, 4.0, 5.9]

# A profile with a slope, an uphill cliff face (70 m over 0.5 m at d = 100 m) and a
# downhill cliff face (100 m over 0.5 m at d = 200 m). All gaps are multiples of
# 0.5 m, so every vertex lies on a node of the resampled profile (profile_terrain
# docstring) and the kernel's profile is the input polyline itself.
PROFILE_D = np.array([-20.0, 0.0, 40.0, 100.0, 100.5, 160.0, 200.0, 200.5, 260.0])
PROFILE_Z = np.array([300.0, 300.0, 285.0, 270.0, 340.0, 352.0, 340.0, 240.0, 238.0])

# Beyond its ends the profile continues level (terrain module docstring); these
# level pieces belong to the profile the brute force measures against.
LEVEL_EXTENSION = 100.0  # longer than any test point is from the ends
SAMPLES_PER_SEGMENT = 20_000


def along_heading(d, heading, sideways=0.0):
    """(east, north) of the point at distance d along a heading, offset to its right."""
    s, c = math.sin(heading), math.cos(heading)
    return d * s + sideways * c, d * c - sideways * s


def dense_profile():
    """Every segment of the profile (with its level continuations) sampled densely.

    Returns the (d, z) samples and the largest gap between neighbouring samples.
    """
    d = np.concatenate([[PROFILE_D[0] - LEVEL_EXTENSION], PROFILE_D, [PROFILE_D[-1] + LEVEL_EXTENSION]])
    z = np.concatenate([[PROFILE_Z[0]], PROFILE_Z, [PROFILE_Z[-1]]])
    t = np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)
    ds, zs, gap = [], [], 0.0
    for k in range(d.size - 1):
        ds.append(d[k] + t * (d[k + 1] - d[k]))
        zs.append(z[k] + t * (z[k + 1] - z[k]))
        gap = max(gap, math.hypot(d[k + 1] - d[k], z[k + 1] - z[k]) / (SAMPLES_PER_SEGMENT - 1))
    return np.concatenate(ds), np.concatenate(zs), gap


def brute_force_distance(d, z, samples_d, samples_z):
    """Least Euclidean distance in the (d, z) plane from each point to the samples."""
    return np.array([np.sqrt(np.min((samples_d - di) ** 2 + (samples_z - zi) ** 2)) for di, zi in zip(d, z)])


@pytest.mark.parametrize("heading", HEADINGS)
def test_profile_height_along_heading_equals_numpy_interp(heading):
    """The height at distance d along the heading equals numpy.interp of the input points (edge values beyond)."""
    terrain = profile_terrain(PROFILE_D, PROFILE_Z, heading)
    d = np.concatenate([np.random.default_rng(1).uniform(-60.0, 300.0, 500), PROFILE_D, [99.9, 100.25, 200.1]])
    east, north = along_heading(d, heading)
    np.testing.assert_allclose(terrain.height(east, north), np.interp(d, PROFILE_D, PROFILE_Z), rtol=0, atol=1e-9)


@pytest.mark.parametrize("heading", HEADINGS)
def test_profile_height_sideways_offset_is_unchanged(heading):
    """A point displaced perpendicular to the heading has the same height as the point on the track."""
    terrain = profile_terrain(PROFILE_D, PROFILE_Z, heading)
    rng = np.random.default_rng(2)
    d = rng.uniform(-40.0, 280.0, 300)
    sideways = rng.uniform(-500.0, 500.0, 300)
    on_track = terrain.height(*along_heading(d, heading))
    beside = terrain.height(*along_heading(d, heading, sideways))
    np.testing.assert_allclose(beside, on_track, rtol=0, atol=1e-9)


@pytest.mark.parametrize("heading", [0.0, 2.5, 4.0])
def test_profile_clearance_random_points_matches_brute_force_distance(heading):
    """Clearance above the profile equals the brute-force least distance to the densely sampled polyline."""
    terrain = profile_terrain(PROFILE_D, PROFILE_Z, heading)
    samples_d, samples_z, gap = dense_profile()
    rng = np.random.default_rng(3)
    d = rng.uniform(-50.0, 300.0, 150)
    z = np.interp(d, PROFILE_D, PROFILE_Z) + rng.uniform(0.01, 150.0, d.size)
    sideways = rng.uniform(-100.0, 100.0, d.size)
    got = terrain.clearance(*along_heading(d, heading, sideways), z)
    want = brute_force_distance(d, z, samples_d, samples_z)
    # the samples lie on the polyline, so the brute force is never below the exact
    # distance and exceeds it by at most half the sample spacing
    assert np.all(got <= want + 1e-9)
    np.testing.assert_allclose(got, want, rtol=0, atol=gap / 2 + 1e-9)


@pytest.mark.parametrize("heading", [0.7, math.pi])
def test_profile_clearance_beside_cliff_face_matches_brute_force_distance(heading):
    """Beside a cliff face the clearance is the short horizontal distance to the face, as the brute force finds."""
    terrain = profile_terrain(PROFILE_D, PROFILE_Z, heading)
    samples_d, samples_z, gap = dense_profile()
    rng = np.random.default_rng(4)
    # in front of the uphill face (d < 100 m, ground at about 270 m below) and
    # beyond the foot of the downhill face (d > 200.5 m, ground at about 240 m)
    d = np.concatenate([rng.uniform(96.0, 99.95, 60), rng.uniform(200.55, 204.0, 60)])
    z = np.concatenate([rng.uniform(290.0, 335.0, 60), rng.uniform(260.0, 335.0, 60)])
    got = terrain.clearance(*along_heading(d, heading), z)
    want = brute_force_distance(d, z, samples_d, samples_z)
    vertical = z - np.interp(d, PROFILE_D, PROFILE_Z)
    assert np.all(want < 0.5 * vertical)  # the face, not the ground below, is nearest
    assert np.all(got <= want + 1e-9)
    np.testing.assert_allclose(got, want, rtol=0, atol=gap / 2 + 1e-9)


# The Jacksboro fault DEM shipped with matplotlib: a 344 x 403 int16 array at
# 3 arc-second posts. ASSUMPTION for this test: the values are metres and the nodes
# are 90 m apart in both directions, rows taken northward and columns eastward as
# grid_terrain expects; the interpolation check does not depend on those choices.
DEM_SPACING = 90.0
DEM_ORIGIN = (-1500.0, 2500.0)  # (east, north) of node [0, 0] [m]


@pytest.fixture(scope="module")
def dem():
    """The DEM elevations (float, metres) and RegularGridInterpolator on the same nodes."""
    path = matplotlib.cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False)
    with np.load(path) as data:
        assert {"elevation", "dx", "dy"} <= set(data.keys())
        elevation = np.asarray(data["elevation"], dtype=float)
    assert elevation.ndim == 2 and min(elevation.shape) > 100
    n_north, n_east = elevation.shape
    east_nodes = DEM_ORIGIN[0] + DEM_SPACING * np.arange(n_east)
    north_nodes = DEM_ORIGIN[1] + DEM_SPACING * np.arange(n_north)
    reference = RegularGridInterpolator((north_nodes, east_nodes), elevation, method="linear")
    terrain = grid_terrain(elevation, DEM_SPACING, origin_east=DEM_ORIGIN[0], origin_north=DEM_ORIGIN[1])
    return terrain, reference, east_nodes, north_nodes, elevation


def test_grid_height_on_dem_matches_regular_grid_interpolator(dem):
    """Heights inside the DEM equal scipy's linear RegularGridInterpolator to 1e-9 relative."""
    terrain, reference, east_nodes, north_nodes, _ = dem
    rng = np.random.default_rng(5)
    east = rng.uniform(east_nodes[0], east_nodes[-1], 2000)
    north = rng.uniform(north_nodes[0], north_nodes[-1], 2000)
    np.testing.assert_allclose(terrain.height(east, north), reference(np.column_stack([north, east])), rtol=1e-9)


def test_grid_height_at_dem_nodes_equals_node_values(dem):
    """At the nodes themselves (including the edges) the height is the DEM value."""
    terrain, _, east_nodes, north_nodes, elevation = dem
    rng = np.random.default_rng(6)
    i = np.concatenate([rng.integers(0, north_nodes.size, 200), [0, 0, north_nodes.size - 1, north_nodes.size - 1]])
    j = np.concatenate([rng.integers(0, east_nodes.size, 200), [0, east_nodes.size - 1, 0, east_nodes.size - 1]])
    np.testing.assert_allclose(terrain.height(east_nodes[j], north_nodes[i]), elevation[i, j], rtol=1e-12)


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (0.3, -0.2), (-1.5, 0.8), (4.0, 3.0)])
def test_grid_clearance_on_tilted_plane_equals_point_plane_distance(a, b):
    """On a planar grid z = a e + b n + c the clearance is the signed point-plane distance."""
    c, spacing = 420.0, 25.0
    east_nodes = -100.0 + spacing * np.arange(12)
    north_nodes = 300.0 + spacing * np.arange(9)
    plane = a * east_nodes[None, :] + b * north_nodes[:, None] + c
    terrain = grid_terrain(plane, spacing, origin_east=east_nodes[0], origin_north=north_nodes[0])
    rng = np.random.default_rng(7)
    east = rng.uniform(east_nodes[0], east_nodes[-1], 400)
    north = rng.uniform(north_nodes[0], north_nodes[-1], 400)
    altitude = a * east + b * north + c + rng.uniform(-30.0, 200.0, 400)
    # distance from (e, n, z) to the plane a e + b n - z + c = 0, positive above it
    want = (altitude - (a * east + b * north + c)) / math.sqrt(a * a + b * b + 1.0)
    np.testing.assert_allclose(terrain.clearance(east, north, altitude), want, rtol=1e-9, atol=1e-9)


def test_grid_clearance_beyond_grid_corner_equals_vertical_height():
    """Beyond a grid corner the ground is level (edge value continued), so clearance equals the height above it."""
    a, b, spacing = 0.3, -0.2, 10.0
    east_nodes = spacing * np.arange(5)
    north_nodes = spacing * np.arange(4)
    terrain = grid_terrain(a * east_nodes[None, :] + b * north_nodes[:, None] + 100.0, spacing)
    corner = a * east_nodes[-1] + b * north_nodes[-1] + 100.0
    assert terrain.height(60.0, 50.0) == pytest.approx(corner, abs=1e-12)
    assert terrain.clearance(60.0, 50.0, corner + 10.0) == pytest.approx(10.0, abs=1e-9)


def test_vertical_drop_onto_dem_contacts_at_interpolated_height(dem):
    """A vertical drop in calm air meets the DEM where its altitude equals the interpolated height, within 1e-6 m."""
    terrain, reference, east_nodes, north_nodes, _ = dem
    rng = np.random.default_rng(8)
    east = np.concatenate([east_nodes[[10, 200, 350]], rng.uniform(east_nodes[1], east_nodes[-2], 5)])
    north = np.concatenate([north_nodes[[20, 170, 300]], rng.uniform(north_nodes[1], north_nodes[-2], 5)])
    mass, dt = 90.0, 0.02
    flight = ph.Phase("fall", ph.Kind.FLIGHT, mass, dt, drag_area=0.5, next_on_contact="ground")
    rest = ph.Phase("ground", ph.Kind.FROZEN, mass, dt)
    table = ph.phase_table([ph.Body("performer", [flight, rest])])
    init = np.zeros((east.size, 1, 6))
    init[:, 0, ph.X] = east
    init[:, 0, ph.Y] = north
    init[:, 0, ph.Z] = 1300.0  # above the DEM's highest node (1076)
    res = run_ensemble(table, init, terrain, max_time=120.0)
    contact = res.entry_state[:, 0, 1, :3]
    assert np.all(res.status == STATUS_DONE)
    np.testing.assert_allclose(contact[:, 0], east, rtol=0, atol=1e-9)
    np.testing.assert_allclose(contact[:, 1], north, rtol=0, atol=1e-9)
    ground = reference(np.column_stack([contact[:, 1], contact[:, 0]]))
    np.testing.assert_allclose(contact[:, 2], ground, rtol=0, atol=1e-6)
