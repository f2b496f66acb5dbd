"""The one ensemble flight engine: fixed-step RK4 over phase tables, in numba.

Every stunt runs through :func:`run_ensemble`. It integrates an ensemble of
samples in blocks of ``LANES`` samples (``prange`` over blocks). Within a block
the samples step together, one RK4 step of every lane per pass, while each lane
keeps its own time, step, phases and events. The RK4 passes work on one packed
array per block (field ``f`` of lane ``l`` at ``V[f * LANES + l]``; the
phase's parameters are copied into it at phase entry) and vectorise across
lanes: every model a block's lanes need (ramp, flight, glide) is computed for
every lane, branch-free, and the lane's phase selects the result. What is the
same for every lane after a step (peak loads, the test for an event function's
sign change, the state copies) runs as passes over all lanes too; transitions,
event searches and clearance monitors run lane by lane, where needed. A lane
whose sample finishes swaps with the block's last flying lane, so the passes
run over the flying lanes only (rounded up to whole vectors). Each
sample's bodies step together on one time grid so their relative positions are
known at every instant. The models are the pure kernels of
:mod:`stuntsim.physics`; the phases are data (:mod:`stuntsim.simulate.phases`).

Stepping. Classic fourth-order Runge-Kutta with the step of the finest active
phase. A step that would pass a scheduled event (a pull time, a separation, the
end of a fill time) is shortened to end exactly on it. State events (ground
contact, a height above ground, reaching the ramp lip, reaching the target
speed on the ramp, coming within a distance of the steering target) are found by their sign
change over a step and located by the Illinois regula falsi on the RK4 step
length from the step's start, to ``EVENT_TOLERANCE`` in the event function
(1e-7 m), then the body changes phase there.

Monitors. A million-sample run cannot keep paths, so each sample keeps, per
body and phase: the time and the whole system's state at phase entry (launch,
separation, pull, line stretch, full canopy, touchdown or impact are all phase
entries), the minimum clearance to terrain and where it occurred, and the peak
aerodynamic acceleration (the load the performer feels, in g). Full paths are
written only for the first ``n_record`` samples.

Determinism. Random inputs are drawn before the kernel (numpy Generator); the
kernel has no randomness, lanes never mix (every operation is per lane) and each
sample writes only its own outputs, so the result is bit-identical for any
thread count and any block a sample falls in.

Speed (measured with ``make bench``; docs/engine.md#packed-lanes): LLVM
vectorises a lane loop over the packed array once it sees no conditional read,
no early return and no libm call in it, and no signed index (numba's
negative-index wraparound is a select that hides the consecutive lanes), hence
the unsigned lane indices (``_u``, ``_at``) and the branch-free kernels.

Written by hand: scipy's integrators step one system at a time in Python and
cannot run inside a numba ``prange``; the risk analyses need ~1e5 samples per
second from this same engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from stuntsim.physics.atmosphere import density_in_slice_kernel, density_slice_kernel
from stuntsim.physics.drag import STANDARD_GRAVITY, drag_acceleration_kernel
from stuntsim.physics.canopy import (
    MAX_GROWTH_EXPONENT,
    glider_aero_acceleration_kernel,
    inflation_drag_area_kernel,
    steering_bank_kernel,
)
from stuntsim.physics.ramp import ramp_acceleration_trig_kernel
from stuntsim.physics.terrain import (
    TerrainGrid,
    clearance_kernel,
    height_kernel,
    profile_cell_kernel,
)
from stuntsim.physics.trig import atan2_kernel
from stuntsim.physics.wind import wind_at_height_kernel
from stuntsim.simulate import phases as ph

EVENT_TOLERANCE = 1e-7  # [m] |event function| at a located event
MIN_AIRSPEED = 1.0  # [m s-1] floor in airspeed-scaled durations (c1 / v)
MIN_GLIDE_AIRSPEED = 1.0  # [m s-1] least horizontal airspeed given to a canopy at full inflation
CLEARANCE_SUBSAMPLES = 4  # intervals per step at whose ends terrain clearance is taken
LANES = 64  # samples stepped together in one block (eight AVX-512 vectors of doubles)
VECTOR_LANES = 8  # doubles in an AVX-512 vector: the passes run over whole vectors of lanes

STATUS_DONE = 0  # every body reached a FROZEN phase
STATUS_TIME_LIMIT = 1  # max_time reached first

# event kinds
_EV_CONTACT, _EV_HEIGHT, _EV_LIP, _EV_SPEED, _EV_NEAR = 0, 1, 2, 3, 4
_N_EVENTS = 5

_K = ph.KIND
_FROZEN, _RAMP, _FLIGHT, _GLIDE = int(ph.Kind.FROZEN), int(ph.Kind.RAMP), int(ph.Kind.FLIGHT), int(ph.Kind.GLIDE)
_E_IMPULSE, _E_LIP, _E_GLIDE = int(ph.Entry.IMPULSE), int(ph.Entry.LIP), int(ph.Entry.GLIDE)
_D_ABS, _D_AFTER = int(ph.Duration.ABSOLUTE), int(ph.Duration.AFTER_ENTRY)


# the per-sample environment as the kernels use it, one column per lane: rotation folded into two factors
_KE_TEMPERATURE_OFFSET, _KE_WIND_COS, _KE_WIND_SIN, _KE_AIR_DENSITY = range(4)
_FROZEN_F, _RAMP_F, _FLIGHT_F, _GLIDE_F = float(_FROZEN), float(_RAMP), float(_FLIGHT), float(_GLIDE)

_OPTS = dict(cache=True, error_model="numpy")  # IEEE division: no ZeroDivisionError branch in the lane loops
_INLINE = dict(_OPTS, inline="always")


@numba.njit(**_INLINE)
def _table(tables, i):
    """Sample i's phase tables (one table may be shared by all samples)."""
    return tables[i] if tables.shape[0] > 1 else tables[0]


# ---- packed lanes ------------------------------------------------------------------------
# The RK4 passes work on one packed array V: field f of lane l is V[f * LANES + l], lane-wide
# fields first, then a block of _VB fields per body (body b's block starts at field _vb(b)).
# Reads and writes of one array at loop-invariant distances are proved apart by LLVM at the
# cost of a check or two, so the lane loops vectorise; a loop over several numba arrays does
# not ("too many memory checks"), which is why the state is not kept in 2-D arrays here.
_V_H, _V_T, _V_TS = 0, 1, 2  # each lane's step length, time at the step's start, stage time
_V_BODY = 3  # the first body's block
# fields of a body's block
_B_S, _B_ST, _B_K, _B_OUT = 0, 6, 12, 36  # state at the step's start, stage state, 4 x 6 stage derivatives, step's end
_B_GROUND, _B_WE, _B_WN, _B_RHO, _B_AGL, _B_COUNT = range(42, 48)  # environment at a stage state
# the phase's parameters as the derivative reads them, written at phase entry (_pack_phase)
(_B_KIND, _B_MASS, _B_RX, _B_RY, _B_RZ, _B_TARGET, _B_SIN, _B_COS, _B_POWER, _B_TRACTION, _B_RR, _B_CDA,
 _B_GROW, _B_FILL, _B_CDA0, _B_CLA, _B_CLA0, _B_TE, _B_TN, _B_GAIN, _B_LIM, _B_HOLD, _B_HRAD, _B_ENTRY) = range(48, 72)
_B_STEER = 72  # 1 once steering has started, set at each step's start
# event functions: which are watched (1 or 0, _N_EVENTS fields), their parameters, and their
# values at the step's start, its end, and an event search's trial step (_N_EVENTS fields each)
_B_WATCH = 73
_B_EXIT_AGL, _B_LIP_ALT, _B_EVENT_SPEED, _B_NEAR = 78, 79, 80, 81
_B_G0, _B_G1, _B_GP = 82, 87, 92
_B_PEAK = 97  # the peak aerodynamic load [g] so far in the phase (written out at the next entry)
_VB = 98


@numba.njit(**_INLINE)
def _u(i):
    """An index as unsigned: numba then emits no negative-index wraparound, whose select would
    keep LLVM from seeing consecutive lanes (the vectorised loops index V with it)."""
    return np.uint64(i)


@numba.njit(**_INLINE)
def _at(f):
    """Where field f of lane 0 sits in V, unsigned (add an unsigned lane index)."""
    return np.uint64(f * LANES)


@numba.njit(**_INLINE)
def _vb(b):
    """First field of body b's block in V."""
    return _V_BODY + _VB * b


@numba.njit(**_INLINE)
def _veer(east, north, c, s):
    """A profile's wind scaled and rotated clockwise (seen from above), c and s being the sample's
    wind factor times the cosine and sine of its rotation. Scalars only, for vectorised loops."""
    return east * c + north * s, -east * s + north * c


@numba.njit(**_INLINE)
def _wind_at_agl(agl, l, wh, we, wn, KE):
    """Wind (east, north) in lane l at a height above ground: the layered profile, scaled and veered."""
    e, n = wind_at_height_kernel(agl, wh, we, wn)
    return _veer(e, n, KE[_KE_WIND_COS, l], KE[_KE_WIND_SIN, l])


# (field of a body's block, phase-table column) copied as they are at phase entry
_PACKED_COLUMNS = np.array([
    (_B_KIND, _K), (_B_MASS, ph.MASS), (_B_RX, ph.RAMP_AXIS_EAST), (_B_RY, ph.RAMP_AXIS_NORTH),
    (_B_RZ, ph.RAMP_AXIS_UP), (_B_SIN, ph.SIN_RAMP_SLOPE), (_B_COS, ph.COS_RAMP_SLOPE), (_B_POWER, ph.DRIVE_POWER),
    (_B_TRACTION, ph.TRACTION), (_B_RR, ph.ROLLING_RESISTANCE), (_B_CDA, ph.DRAG_AREA), (_B_GROW, ph.GROW_EXPONENT),
    (_B_CDA0, ph.DRAG_AREA_START), (_B_CLA, ph.LIFT_AREA), (_B_CLA0, ph.LIFT_AREA_START), (_B_TE, ph.TARGET_EAST),
    (_B_TN, ph.TARGET_NORTH), (_B_GAIN, ph.BANK_GAIN), (_B_LIM, ph.MAX_BANK), (_B_HOLD, ph.HOLDING_TURN),
    (_B_HRAD, ph.HOLDING_RADIUS), (_B_EXIT_AGL, ph.EXIT_HEIGHT_AGL), (_B_LIP_ALT, ph.RAMP_LIP_ALTITUDE),
    (_B_EVENT_SPEED, ph.TARGET_SPEED), (_B_NEAR, ph.NEAR_DISTANCE),
], dtype=np.int64)


@numba.njit(**_OPTS)
def _pack_phase(V, b, l, P, t_entry, t_fill):
    """Body b's phase parameters in lane l as the derivative and the event functions read them,
    into its block of V."""
    ob = _vb(b) * LANES + l
    for k in range(_PACKED_COLUMNS.shape[0]):
        V[ob + _PACKED_COLUMNS[k, 0] * LANES] = P[b, _PACKED_COLUMNS[k, 1], l]
    # the throttle law is the phase's, not the speed's: a phase that ends on reaching the
    # target speed is full throttle (a switch on speed inside a step would smear that
    # event); a phase with a target but no such exit holds its speed
    target = P[b, ph.TARGET_SPEED, l]
    if P[b, ph.NEXT_ON_SPEED, l] >= 0.0:
        target = np.inf
    elif target < np.inf:
        target = 0.0
    V[ob + _B_TARGET * LANES] = target
    V[ob + _B_FILL * LANES] = t_fill[b, l] if P[b, ph.GROW_TIME, l] <= 0.0 else P[b, ph.GROW_TIME, l]
    V[ob + _B_ENTRY * LANES] = t_entry[b, l]
    # which events the phase watches
    kind = P[b, _K, l]
    flying = kind == _FLIGHT_F or kind == _GLIDE_F
    on_ramp = kind == _RAMP_F
    V[ob + (_B_WATCH + _EV_CONTACT) * LANES] = 1.0 if flying and P[b, ph.NEXT_ON_CONTACT, l] >= 0.0 else 0.0
    V[ob + (_B_WATCH + _EV_HEIGHT) * LANES] = 1.0 if flying and P[b, ph.NEXT_ON_HEIGHT, l] >= 0.0 else 0.0
    V[ob + (_B_WATCH + _EV_LIP) * LANES] = 1.0 if on_ramp and P[b, ph.NEXT_ON_LIP, l] >= 0.0 else 0.0
    V[ob + (_B_WATCH + _EV_SPEED) * LANES] = 1.0 if on_ramp and P[b, ph.NEXT_ON_SPEED, l] >= 0.0 else 0.0
    V[ob + (_B_WATCH + _EV_NEAR) * LANES] = 1.0 if flying and P[b, ph.NEXT_ON_NEAR, l] >= 0.0 else 0.0


@numba.njit(**_OPTS)
def _load(V, S, T, H, nb, lo, hi):
    """Lanes lo..hi-1's states, times and step lengths into V."""
    for l in range(lo, hi):
        V[_V_T * LANES + l] = T[l]
        V[_V_H * LANES + l] = H[l]
    for b in range(nb):
        for q in range(6):
            for l in range(lo, hi):
                V[(_vb(b) + _B_S + q) * LANES + l] = S[6 * b + q, l]


@numba.njit(**_OPTS)
def _store(V, s, OUT, b0, b1, lo, hi):
    """The state fields s of bodies b0..b1-1 in lanes lo..hi-1 into OUT (6B, LANES)."""
    for b in range(b0, b1):
        for q in range(6):
            for l in range(lo, hi):
                OUT[6 * b + q, l] = V[(_vb(b) + s + q) * LANES + l]


@numba.njit(**_OPTS)
def _ground(V, ob, s, elev, meta, lo, hi):
    """Ground elevation under the state fields s of body block ob, lanes lo..hi-1, into its
    _B_GROUND field. The lookups are gathers, which keep a loop scalar: on a profile the cells
    and fractions are found in a vectorised loop first (into _B_COUNT and _B_GROUND), then
    looked up in a scalar one; the same arithmetic as height_kernel."""
    nu, nv = elev.shape
    if nv == 1 and nu > 1:
        a0, a1, u0, du = meta[0], meta[1], meta[4], meta[6]
        for l in range(_u(lo), _u(hi)):
            i, fu = profile_cell_kernel(a0, a1, u0, du, nu, V[_at(ob + s) + l], V[_at(ob + s + 1) + l])
            V[_at(ob + _B_COUNT) + l] = float(i)
            V[_at(ob + _B_GROUND) + l] = fu
        for l in range(_u(lo), _u(hi)):
            i = int(V[_at(ob + _B_COUNT) + l])
            z0 = elev[i, 0]
            V[_at(ob + _B_GROUND) + l] = z0 + V[_at(ob + _B_GROUND) + l] * (elev[i + 1, 0] - z0)
        return
    for l in range(_u(lo), _u(hi)):
        V[_at(ob + _B_GROUND) + l] = height_kernel(elev, meta, V[_at(ob + s) + l], V[_at(ob + s + 1) + l])


@numba.njit(**_OPTS)
def _environment(V, ob, s, elev, meta, wh, we, wn, KE, lo, hi):
    """Ground, wind and air density at the state fields s of body block ob, lanes lo..hi-1.

    The layered wind is found by counting the layers at or below each lane's height (a loop
    over layers outside the lane loop) instead of wind_at_height_kernel's binary search: for
    sorted heights the same bracketing layers, then the same interpolation, bit for bit.
    """
    _ground(V, ob, s, elev, meta, lo, hi)
    n = wh.shape[0]
    for l in range(_u(lo), _u(hi)):
        agl = V[_at(ob + s + 2) + l] - V[_at(ob + _B_GROUND) + l]
        V[_at(ob + _B_AGL) + l] = agl if not (agl < 0.0) else 0.0
        V[_at(ob + _B_COUNT) + l] = 0.0
    for k in range(n):
        hk = wh[k]
        for l in range(_u(lo), _u(hi)):
            V[_at(ob + _B_COUNT) + l] += 1.0 if hk <= V[_at(ob + _B_AGL) + l] else 0.0
    for l in range(_u(lo), _u(hi)):
        h = V[_at(ob + _B_AGL) + l]
        k0 = min(max(int(V[_at(ob + _B_COUNT) + l]) - 1, 0), n - 1)
        k1 = min(k0 + 1, n - 1)
        w = (h - wh[k0]) / (wh[k1] - wh[k0])
        e = we[k0] + w * (we[k1] - we[k0])
        nn = wn[k0] + w * (wn[k1] - wn[k0])
        top = h >= wh[n - 1]
        e = we[n - 1] if top else e
        nn = wn[n - 1] if top else nn
        bottom = h <= wh[0]
        e = we[0] if bottom else e
        nn = wn[0] if bottom else nn
        V[_at(ob + _B_WE) + l], V[_at(ob + _B_WN) + l] = _veer(e, nn, KE[_KE_WIND_COS, l], KE[_KE_WIND_SIN, l])
    # the density: lanes in one slice of the atmosphere's fit (the common case) share its
    # coefficients, a load each instead of a gather per lane; the same arithmetic either way
    first = density_slice_kernel(V[(ob + s + 2) * LANES + lo])
    shared = True
    for l in range(_u(lo), _u(hi)):
        shared &= density_slice_kernel(V[_at(ob + s + 2) + l]) == first
    if shared:  # constant flags: each inlined copy of the pass has one loop without a branch
        _density_pass(V, ob, s, KE, first, True, lo, hi)
    else:
        _density_pass(V, ob, s, KE, 0, False, lo, hi)


@numba.njit(**_INLINE)
def _density_pass(V, ob, s, KE, slice_index, shared, lo, hi):
    """Air density at the state fields s of body block ob into its _B_RHO field: the sample's fixed
    density if positive, else the standard atmosphere with its temperature offset, in fit slice
    ``slice_index`` if ``shared`` (every lane's), else in each lane's own."""
    for l in range(_u(lo), _u(hi)):
        z = V[_at(ob + s + 2) + l]
        i = slice_index if shared else density_slice_kernel(z)
        standard = density_in_slice_kernel(z, KE[_KE_TEMPERATURE_OFFSET, l], i)
        fixed = KE[_KE_AIR_DENSITY, l]
        V[_at(ob + _B_RHO) + l] = fixed if fixed > 0.0 else standard


@numba.njit(**_INLINE)
def _area(since, fill, start, full, exponent):
    """A drag or lift area growing after phase entry if the phase has a growth exponent. Scalars only."""
    grown = inflation_drag_area_kernel(since, fill, start, full, int(exponent))
    return grown if exponent > 0.0 else full


@numba.njit(**_OPTS)
def _body_derivative(V, ob, s, k, g, ramp, air, glide, lo, hi):
    """d(state)/dt of body block ob at its state fields s into stage k, lanes lo..hi-1, each lane
    in its own phase, from the environment fields.

    One loop per model, over every lane, each branch-free (so it vectorises), the lane's kind
    selecting whose result it keeps; ``ramp``, ``air`` and ``glide`` say whether any lane is on
    the ramp, in the air, or gliding, so a model no lane needs is skipped.
    """
    o = ob + _B_K + 6 * k
    for l in range(_u(lo), _u(hi)):  # at rest: no motion; else the velocity
        moving = V[_at(ob + _B_KIND) + l] != _FROZEN_F
        for q in range(3):
            v = V[_at(ob + s + 3 + q) + l]  # read first: a read under a condition stops LLVM vectorising
            V[_at(o + q) + l] = v if moving else 0.0
            V[_at(o + 3 + q) + l] = 0.0
    if glide:  # a constant argument: the inlined pass has no branch in its loop
        _air_pass(V, ob, s, o, g, True, lo, hi)
    elif air:
        _air_pass(V, ob, s, o, g, False, lo, hi)
    if ramp:
        _ramp_pass(V, ob, s, o, g, lo, hi)


@numba.njit(**_INLINE)
def _air_pass(V, ob, s, o, g, glide, lo, hi):
    """Accelerations of the lanes in the air into fields o + 3 .. o + 5: drag, and lift when
    gliding (computed only if ``glide``), along the air-relative velocity, areas growing after entry."""
    for l in range(_u(lo), _u(hi)):
        vx = V[_at(ob + s + 3) + l]
        vy = V[_at(ob + s + 4) + l]
        kind = V[_at(ob + _B_KIND) + l]
        mass = V[_at(ob + _B_MASS) + l]
        rho = V[_at(ob + _B_RHO) + l]
        ux = vx - V[_at(ob + _B_WE) + l]
        uy = vy - V[_at(ob + _B_WN) + l]
        uz = V[_at(ob + s + 5) + l]
        since = V[_at(_V_TS) + l] - V[_at(ob + _B_ENTRY) + l]
        j = V[_at(ob + _B_GROW) + l]
        fill = V[_at(ob + _B_FILL) + l]
        cda = _area(since, fill, V[_at(ob + _B_CDA0) + l], V[_at(ob + _B_CDA) + l], j)
        ax, ay, az = drag_acceleration_kernel(ux, uy, uz, rho, cda, mass)
        if glide:
            cla = _area(since, fill, V[_at(ob + _B_CLA0) + l], V[_at(ob + _B_CLA) + l], j)
            # bank toward the target once steering; the heading error from the air velocity
            # to the target, clockwise positive, in (-pi, pi]
            de = V[_at(ob + _B_TE) + l] - V[_at(ob + s) + l]
            dn = V[_at(ob + _B_TN) + l] - V[_at(ob + s + 1) + l]
            err = atan2_kernel(uy * de - ux * dn, ux * de + uy * dn)
            bank = steering_bank_kernel(err, math.sqrt(de * de + dn * dn), V[_at(ob + _B_GAIN) + l],
                                        V[_at(ob + _B_LIM) + l], V[_at(ob + _B_HOLD) + l], V[_at(ob + _B_HRAD) + l])
            bank = bank if V[_at(ob + _B_STEER) + l] > 0.0 else 0.0
            gx, gy, gz = glider_aero_acceleration_kernel(ux, uy, uz, cla, cda, bank, rho, mass)
            gliding = kind == _GLIDE_F
            ax = gx if gliding else ax
            ay = gy if gliding else ay
            az = gz if gliding else az
        _keep(V, o, l, kind == _FLIGHT_F or kind == _GLIDE_F, ax, ay, az - g)


@numba.njit(**_INLINE)
def _ramp_pass(V, ob, s, o, g, lo, hi):
    """Accelerations of the lanes on the ramp into fields o + 3 .. o + 5, along its axis only."""
    for l in range(_u(lo), _u(hi)):
        rx = V[_at(ob + _B_RX) + l]
        ry = V[_at(ob + _B_RY) + l]
        rz = V[_at(ob + _B_RZ) + l]
        speed = V[_at(ob + s + 3) + l] * rx + V[_at(ob + s + 4) + l] * ry + V[_at(ob + s + 5) + l] * rz
        along_wind = V[_at(ob + _B_WE) + l] * rx + V[_at(ob + _B_WN) + l] * ry
        a = ramp_acceleration_trig_kernel(
            speed, speed - along_wind, V[_at(ob + _B_TARGET) + l], V[_at(ob + _B_SIN) + l], V[_at(ob + _B_COS) + l],
            V[_at(ob + _B_MASS) + l], V[_at(ob + _B_POWER) + l], V[_at(ob + _B_TRACTION) + l],
            V[_at(ob + _B_RR) + l], V[_at(ob + _B_CDA) + l], V[_at(ob + _B_RHO) + l], g,
        )
        _keep(V, o, l, V[_at(ob + _B_KIND) + l] == _RAMP_F, a * rx, a * ry, a * rz)


@numba.njit(**_INLINE)
def _keep(V, o, l, chosen, ax, ay, az):
    """Acceleration fields o + 3 .. o + 5 of lane l: (ax, ay, az) if ``chosen``, else as they were.
    Both values are read first: a read under the condition would stop LLVM vectorising."""
    old_x = V[_at(o + 3) + l]
    old_y = V[_at(o + 4) + l]
    old_z = V[_at(o + 5) + l]
    V[_at(o + 3) + l] = ax if chosen else old_x
    V[_at(o + 4) + l] = ay if chosen else old_y
    V[_at(o + 5) + l] = az if chosen else old_z


@numba.njit(**_OPTS)
def _derivative(V, b0, b1, s, k, elev, meta, wh, we, wn, KE, g, lo, hi):
    """d(state)/dt of bodies b0..b1-1 at their state fields s into stage k, lanes lo..hi-1, at the
    stage times in V. A body at rest in every lane (the bike after impact) gets zeros."""
    for b in range(b0, b1):
        ob = _vb(b)
        ramp = False
        air = False
        glide = False
        for l in range(_u(lo), _u(hi)):
            kind = V[_at(ob + _B_KIND) + l]
            ramp |= kind == _RAMP_F
            air |= kind == _FLIGHT_F or kind == _GLIDE_F
            glide |= kind == _GLIDE_F
        if ramp or air:
            _environment(V, ob, s, elev, meta, wh, we, wn, KE, lo, hi)
        _body_derivative(V, ob, s, k, g, ramp, air, glide, lo, hi)


@numba.njit(**_OPTS)
def _rk4(V, b0, b1, elev, meta, wh, we, wn, KE, g, lo, hi):
    """One classic RK4 step of bodies b0..b1-1 in lanes lo..hi-1, from the _B_S fields at the
    times _V_T over the steps _V_H, into the _B_OUT fields; stage k's derivative stays in
    the _B_K fields (k1, the derivative at the step's start, gives the step's peak load).

    One call of _derivative in a loop over the stages, not four: LLVM inlines each call site
    and vectorises it anew, so four sites cost four times the compile time (minutes).

    Trailing bodies at rest in every lane (the bike after its impact) are not stepped: their
    step's end is their start and their k1 zero, as stepping them would give.
    """
    while b1 > b0 and _at_rest(V, b1 - 1, lo, hi):
        b1 -= 1
        ob = _vb(b1)
        for q in range(6):
            for l in range(_u(lo), _u(hi)):
                V[_at(ob + _B_OUT + q) + l] = V[_at(ob + _B_S + q) + l]
                V[_at(ob + _B_K + q) + l] = 0.0
    for k in range(4):
        # stage k at T + c H from the start + c H (stage k-1's derivative): c = 0, 1/2, 1/2, 1
        c = 0.0 if k == 0 else (1.0 if k == 3 else 0.5)
        if k > 0:
            _stage_state(V, b0, b1, c, k - 1, lo, hi)
        for l in range(_u(lo), _u(hi)):
            V[_at(_V_TS) + l] = V[_at(_V_T) + l] + c * V[_at(_V_H) + l]
        _derivative(V, b0, b1, _B_S if k == 0 else _B_ST, k, elev, meta, wh, we, wn, KE, g, lo, hi)
    for b in range(b0, b1):
        ob = _vb(b)
        for q in range(6):
            for l in range(_u(lo), _u(hi)):
                V[_at(ob + _B_OUT + q) + l] = V[_at(ob + _B_S + q) + l] + V[_at(_V_H) + l] / 6.0 * (
                    V[_at(ob + _B_K + q) + l] + 2.0 * V[_at(ob + _B_K + 6 + q) + l]
                    + 2.0 * V[_at(ob + _B_K + 12 + q) + l] + V[_at(ob + _B_K + 18 + q) + l])


@numba.njit(**_INLINE)
def _at_rest(V, b, lo, hi):
    """Whether body b is in a FROZEN phase in every lane lo..hi-1 (from the packed kinds)."""
    rest = True
    for l in range(_u(lo), _u(hi)):
        rest &= V[_at(_vb(b) + _B_KIND) + l] == _FROZEN_F
    return rest


@numba.njit(**_OPTS)
def _probe(V, h, OUT, b0, b1, elev, meta, wh, we, wn, KE, g, l):
    """RK4 step of length h of bodies b0..b1-1 in lane l from their packed start (an event search's
    trial) into OUT. Bodies do not act on each other, so a body's step is the same stepped alone."""
    V[_at(_V_H) + l] = h
    _rk4(V, b0, b1, elev, meta, wh, we, wn, KE, g, l, l + 1)
    _store(V, _B_OUT, OUT, b0, b1, l, l + 1)


@numba.njit(**_OPTS)
def _stage_state(V, b0, b1, c, k, lo, hi):
    """RK4 stage state: start + c * H * (stage k's derivative), into the _B_ST fields."""
    for b in range(b0, b1):
        ob = _vb(b)
        for q in range(6):
            for l in range(_u(lo), _u(hi)):
                V[_at(ob + _B_ST + q) + l] = V[_at(ob + _B_S + q) + l] + c * V[_at(_V_H) + l] * V[
                    _at(ob + _B_K + 6 * k + q) + l]


@numba.njit(**_OPTS)
def _events(V, ob, s, gf, elev, meta, lo, hi):
    """Event functions (contact, height, lip, speed, near) of body block ob at its state fields s
    into fields gf .. gf + 4, lanes lo..hi-1: positive before, <= 0 once happened; inf when the
    phase does not watch it. One vectorised loop (the ground first, into _B_GROUND)."""
    _ground(V, ob, s, elev, meta, lo, hi)
    for l in range(_u(lo), _u(hi)):
        x = V[_at(ob + s) + l]
        y = V[_at(ob + s + 1) + l]
        z = V[_at(ob + s + 2) + l]
        vx = V[_at(ob + s + 3) + l]
        vy = V[_at(ob + s + 4) + l]
        vz = V[_at(ob + s + 5) + l]
        agl = z - V[_at(ob + _B_GROUND) + l]
        lip = -(x * V[_at(ob + _B_RX) + l] + y * V[_at(ob + _B_RY) + l]
                + (z - V[_at(ob + _B_LIP_ALT) + l]) * V[_at(ob + _B_RZ) + l])
        speed = V[_at(ob + _B_EVENT_SPEED) + l] - math.sqrt(vx * vx + vy * vy + vz * vz)
        de = x - V[_at(ob + _B_TE) + l]
        dn = y - V[_at(ob + _B_TN) + l]
        near = math.sqrt(de * de + dn * dn) - V[_at(ob + _B_NEAR) + l]
        values = (agl, agl - V[_at(ob + _B_EXIT_AGL) + l], lip, speed, near)
        for e in range(_N_EVENTS):
            V[_at(ob + gf + e) + l] = values[e] if V[_at(ob + _B_WATCH + e) + l] > 0.0 else np.inf


@numba.njit(**_OPTS)
def _event_value(ev, b, l, V, elev, meta):
    """One event function of body b in lane l at the _B_OUT fields (the step's end or an event
    search's trial step), by the same arithmetic as every pass (into the _B_GP fields)."""
    ob = _vb(b)
    _events(V, ob, _B_OUT, _B_GP, elev, meta, l, l + 1)
    return V[(ob + _B_GP + ev) * LANES + l]


@numba.njit(**_OPTS)
def _wind_at(x, y, z, l, elev, meta, wh, we, wn, KE):
    """Wind (east, north) at one point in lane l, for the bookkeeping outside the lane loops."""
    agl = z - height_kernel(elev, meta, x, y)
    if agl < 0.0:
        agl = 0.0
    return _wind_at_agl(agl, l, wh, we, wn, KE)


@numba.njit(**_INLINE)
def _load_g(ax, ay, az, g):
    """The aerodynamic load [g] from an acceleration (gravity g included) in units of standard
    gravity, whatever g the run uses. Scalars only, for vectorised loops."""
    az = az + g
    return math.sqrt(ax * ax + ay * ay + az * az) / STANDARD_GRAVITY


@numba.njit(**_INLINE)
def _k1_load(V, b, l, g):
    """The aerodynamic load [g] on body b in lane l from k1, the derivative at the step's start."""
    f = (_vb(b) + _B_K) * LANES + l
    return _load_g(V[f + 3 * LANES], V[f + 4 * LANES], V[f + 5 * LANES], g)


@numba.njit(**_INLINE)
def _flush_peak(V, b, l, peak_g, i, p):
    """Body b's peak load so far in lane l (sample i) into peak_g for its phase p; the running peak restarts."""
    f = (_vb(b) + _B_PEAK) * LANES + l
    if V[f] > peak_g[i, b, p]:
        peak_g[i, b, p] = V[f]
    V[f] = 0.0


@numba.njit(**_OPTS)
def _enter(i, l, b, p_new, T, S, tables, P, V, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, KE,
           entry_t, entry_state, t_datum, peak_g):
    """Switch body b of lane l (sample i) to phase p_new at its time T[l]: entry action, schedule, monitors,
    and the phase's parameters into the packed lanes V."""
    o = 6 * b
    t = T[l]
    _flush_peak(V, b, l, peak_g, i, phase[b, l])
    row = _table(tables, i)[b, p_new]
    for k in range(ph.N_PARAMS):
        P[b, k, l] = row[k]
    if row[ph.SETS_DATUM] > 0.0:
        t_datum[l] = t
    action = int(row[ph.ENTRY])
    if action == _E_IMPULSE:
        S[o + 3, l] += row[ph.DV_EAST]
        S[o + 4, l] += row[ph.DV_NORTH]
        S[o + 5, l] += row[ph.DV_UP]
    elif action == _E_LIP:
        speed = math.sqrt(S[o + 3, l] ** 2 + S[o + 4, l] ** 2 + S[o + 5, l] ** 2)
        lam = row[ph.LIP_ANGLE]
        psi = row[ph.HEADING]
        S[o + 3, l] = speed * math.cos(lam) * math.sin(psi)
        S[o + 4, l] = speed * math.cos(lam) * math.cos(psi)
        S[o + 5, l] = speed * math.sin(lam)
    elif action == _E_GLIDE:
        # the inflated canopy faces its opening heading: the horizontal airspeed turns to
        # it (at least MIN_GLIDE_AIRSPEED so lift has a direction); the vertical speed is
        # kept, and lift and drag then carry the body into glide (the surge's load counts)
        wx, wy = _wind_at(S[o, l], S[o + 1, l], S[o + 2, l], l, elev, meta, wh, we, wn, KE)
        horizontal = math.sqrt((S[o + 3, l] - wx) ** 2 + (S[o + 4, l] - wy) ** 2)
        if horizontal < MIN_GLIDE_AIRSPEED:
            horizontal = MIN_GLIDE_AIRSPEED
        psi = row[ph.HEADING]
        S[o + 3, l] = wx + horizontal * math.sin(psi)
        S[o + 4, l] = wy + horizontal * math.cos(psi)
    mode = int(row[ph.DURATION_MODE])
    if mode == _D_ABS:
        t_end[b, l] = t_datum[l] + row[ph.DURATION_C0]
    elif mode == _D_AFTER:
        wx, wy = _wind_at(S[o, l], S[o + 1, l], S[o + 2, l], l, elev, meta, wh, we, wn, KE)
        air = math.sqrt((S[o + 3, l] - wx) ** 2 + (S[o + 4, l] - wy) ** 2 + S[o + 5, l] ** 2)
        if air < MIN_AIRSPEED:
            air = MIN_AIRSPEED
        t_end[b, l] = t + row[ph.DURATION_C0] + row[ph.DURATION_C1] / air
    else:
        t_end[b, l] = np.inf
    t_fill[b, l] = t_end[b, l] - t
    phase[b, l] = p_new
    t_entry[b, l] = t
    _pack_phase(V, b, l, P, t_entry, t_fill)
    entry_t[i, b, p_new] = t
    for k in range(6 * nb):
        entry_state[i, b, p_new, k] = S[k, l]
    if int(row[_K]) == _FROZEN:  # at rest: the contact velocity stays in entry_state only
        S[o + 3, l] = 0.0
        S[o + 4, l] = 0.0
        S[o + 5, l] = 0.0


@numba.njit(**_OPTS)
def _record(rec, k, t, S, l, V, phase, nb, g):
    """Row k of one recorded path: time, then per body state, phase and felt load (from k1 in V)."""
    rec[k, 0] = t
    for b in range(nb):
        c = 1 + 8 * b
        for q in range(6):
            rec[k, c + q] = S[6 * b + q, l]
        rec[k, c + 6] = phase[b, l]
        rec[k, c + 7] = _k1_load(V, b, l, g)


@numba.njit(**_INLINE)
def _hermite(PR, S, o, l, h, f):
    """Position (east, north, altitude) of body state block o in lane l at fraction f of a step of
    length h, on the cubic Hermite curve through its ends' positions and velocities (PR, S)."""
    h00 = (1.0 + 2.0 * f) * (1.0 - f) * (1.0 - f)
    h10 = f * (1.0 - f) * (1.0 - f)
    h01 = f * f * (3.0 - 2.0 * f)
    h11 = f * f * (f - 1.0)
    x = h00 * PR[o, l] + h10 * h * PR[o + 3, l] + h01 * S[o, l] + h11 * h * S[o + 3, l]
    y = h00 * PR[o + 1, l] + h10 * h * PR[o + 4, l] + h01 * S[o + 1, l] + h11 * h * S[o + 4, l]
    z = h00 * PR[o + 2, l] + h10 * h * PR[o + 5, l] + h01 * S[o + 2, l] + h11 * h * S[o + 5, l]
    return x, y, z


@numba.njit(**_INLINE)
def _hermite_velocity(PR, S, o, l, h, f):
    """Velocity of body state block o in lane l at fraction f of a step of length h: the time
    derivative of the curve of _hermite."""
    d00 = 6.0 * f * (f - 1.0)
    d10 = (1.0 - f) * (1.0 - 3.0 * f)
    d11 = f * (3.0 * f - 2.0)
    vx = (d00 * (PR[o, l] - S[o, l])) / h + d10 * PR[o + 3, l] + d11 * S[o + 3, l]
    vy = (d00 * (PR[o + 1, l] - S[o + 1, l])) / h + d10 * PR[o + 4, l] + d11 * S[o + 4, l]
    vz = (d00 * (PR[o + 2, l] - S[o + 2, l])) / h + d10 * PR[o + 5, l] + d11 * S[o + 5, l]
    return vx, vy, vz


@numba.njit(**_INLINE)
def _distance(x0, y0, z0, x1, y1, z1):
    return math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2 + (z1 - z0) ** 2)


@numba.njit(**_INLINE)
def _chord_bound(d0, d1, chord, f):
    """A lower bound of the distance to a closed set at fraction f along the straight segment
    (the chord) between two points whose distances to it are at least d0 >= 0 and d1 >= 0, or
    -inf when d0 or d1 is not positive or the bound cannot show the whole segment clear of the set.

    For every point y of the set and p = (1 - f) x0 + f x1, |p - y|^2 = (1 - f) |x0 - y|^2
    + f |x1 - y|^2 - f (1 - f) |x1 - x0|^2, so the squared distance at p is at least
    Q(f) = (1 - f) d0^2 + f d1^2 - f (1 - f) chord^2. The bound is only used where Q stays
    positive over the whole segment: then the segment never reaches the set (the ground), so
    its points are above ground, where the clearance is this distance. 1e-9 m is given away
    to rounding.
    """
    if not (d0 > 0.0 and d1 > 0.0):
        return -np.inf
    a = d0 * d0
    c2 = chord * chord
    slope = d1 * d1 - a - c2  # Q(f) = a + slope f + c2 f^2, least at f = -slope / (2 c2)
    at = min(max(-slope / (2.0 * c2), 0.0), 1.0) if c2 > 0.0 else 0.0
    if not (a + at * (slope + c2 * at) > 0.0):
        return -np.inf
    return math.sqrt(a + f * (slope + c2 * f)) - 1e-9


@numba.njit(**_INLINE)  # inlined: a call passing its seven arrays cost more than the skipped steps
def _monitor_clearance(i, l, b, p, h, PR, S, last_clear, last_at, min_clear, min_clear_at, elev, meta):
    """Body b's terrain clearance over the step of length h just taken in lane l (sample i, phase p),
    from PR (its start) to S (its end), into the phase's minimum and where it occurred."""
    o = 6 * b
    v0 = math.sqrt(PR[o + 3, l] ** 2 + PR[o + 4, l] ** 2 + PR[o + 5, l] ** 2)
    v1 = math.sqrt(S[o + 3, l] ** 2 + S[o + 4, l] ** 2 + S[o + 5, l] ** 2)
    lx = last_at[b, 0, l]
    ly = last_at[b, 1, l]
    lz = last_at[b, 2, l]
    # the skips below need the clearance to be a distance, 1-Lipschitz in position. On a profile or
    # flat ground (elev one node wide across) it is; on a grid it is the distance to the tangent
    # plane below, which jumps where the gradient does, at cell edges: nothing is skipped there
    exact = elev.shape[1] == 1
    # a lower bound of the distance at the step's start
    start_clear = last_clear[b, l] - _distance(lx, ly, lz, PR[o, l], PR[o + 1, l], PR[o + 2, l])
    if exact and start_clear - h * max(v0, v1) > min_clear[i, b, p]:
        return
    n = CLEARANCE_SUBSAMPLES
    # the end first (q = n), then the inside; the start (q = 0) was the last step's end, already
    # counted, unless the phase has no distance yet (it was just entered)
    first = 0 if min_clear[i, b, p] == np.inf else 1
    end_clear = np.inf
    chord = _distance(PR[o, l], PR[o + 1, l], PR[o + 2, l], S[o, l], S[o + 1, l], S[o + 2, l])
    for k in range(first, n + 1):
        q = 0 if k == 0 else (n if k == 1 else k - 1)
        f = q / n
        x, y, z = _hermite(PR, S, o, l, h, f)
        if exact and 0 < q < n:
            bound = max(start_clear - _distance(PR[o, l], PR[o + 1, l], PR[o + 2, l], x, y, z),
                        end_clear - _distance(S[o, l], S[o + 1, l], S[o + 2, l], x, y, z))
            # the chord bound less how far the Hermite point is from the chord's: if still positive,
            # that point is above ground (off the chord by less than the chord's distance to it)
            chord_clear = _chord_bound(start_clear, end_clear, chord, f) - _distance(
                (1.0 - f) * PR[o, l] + f * S[o, l], (1.0 - f) * PR[o + 1, l] + f * S[o + 1, l],
                (1.0 - f) * PR[o + 2, l] + f * S[o + 2, l], x, y, z)
            if chord_clear > 0.0:
                bound = max(bound, chord_clear)
            if bound > min_clear[i, b, p]:
                continue
        # inside, only a distance below the phase's minimum so far matters: the search is bounded
        # by it; at the end, the whole distance is the lower bound the next steps skip by
        c = clearance_kernel(elev, meta, x, y, z, np.inf if q == n else min_clear[i, b, p])
        if q == n:
            end_clear = c
        if c < min_clear[i, b, p]:
            min_clear[i, b, p] = c
            min_clear_at[i, b, p, 0] = x
            min_clear_at[i, b, p, 1] = y
            min_clear_at[i, b, p, 2] = z
    last_clear[b, l] = end_clear
    last_at[b, 0, l] = S[o, l]
    last_at[b, 1, l] = S[o + 1, l]
    last_at[b, 2, l] = S[o + 2, l]


@numba.njit(**_INLINE)
def _illinois(lo, glo, hi, ghi, side, c, gc):
    """The Illinois regula falsi's bracket [lo, hi] (values glo > 0 >= ghi) after a trial at c with
    value gc: the side that gc is on moves to c; an end kept twice running has its value halved."""
    if gc > 0.0:
        if side == 1:
            ghi *= 0.5
        return c, gc, hi, ghi, 1
    if side == -1:
        glo *= 0.5
    return lo, glo, c, gc, -1


@numba.njit(**_OPTS)
def _hermite_root(ev, b, l, V, S, E, h, g0, g1, elev, meta):
    """Where event function ev of body b in lane l is zero along the cubic Hermite curve through
    the step's start S and end E (positions and velocities; the velocity along it is the curve's
    derivative), located by the Illinois regula falsi to EVENT_TOLERANCE: a first guess for the
    search on RK4 steps, with no RK4 step. The curve's states pass through body b's _B_OUT fields."""
    o = 6 * b
    f = (_vb(b) + _B_OUT) * LANES + l
    lo, glo, hi, ghi, side = 0.0, g0, h, g1, 0
    c = h
    for _ in range(100):
        c = (lo * ghi - hi * glo) / (ghi - glo)
        x, y, z = _hermite(S, E, o, l, h, c / h)
        vx, vy, vz = _hermite_velocity(S, E, o, l, h, c / h)
        V[f] = x
        V[f + LANES] = y
        V[f + 2 * LANES] = z
        V[f + 3 * LANES] = vx
        V[f + 4 * LANES] = vy
        V[f + 5 * LANES] = vz
        gc = _event_value(ev, b, l, V, elev, meta)
        if abs(gc) < EVENT_TOLERANCE or hi - lo < 1e-13:
            break
        lo, glo, hi, ghi, side = _illinois(lo, glo, hi, ghi, side, c, gc)
    return c


@numba.njit(**_INLINE)
def _clip_step(t, h, t_sched, t_max):
    """A lane's step from time t: h, shortened to end at t_max, or exactly on the next scheduled
    switch t_sched (then also whether it does)."""
    if t + h > t_max:
        h = t_max - t
    if t + h >= t_sched:
        return t_sched - t, True
    return h, False


@numba.njit(**_OPTS)
def _swap_lanes(a, c, V, lane_i, S, TR, PR, P, KE, phase, t_entry, t_end, t_fill, T, H, t_datum, done, hit_sched,
                TSCHED, HSTEP, stale, g_fresh, last_clear, last_at, n_rows):
    """Exchange everything lanes a and c hold (their samples included), so a block can keep its
    flying lanes first; a lane's arithmetic never depends on where it sits."""
    for f in range(V.shape[0] // LANES):
        V[f * LANES + a], V[f * LANES + c] = V[f * LANES + c], V[f * LANES + a]
    for X in (S, TR, PR, KE, t_entry, t_end, t_fill, last_clear):
        for k in range(X.shape[0]):
            X[k, a], X[k, c] = X[k, c], X[k, a]
    for b in range(P.shape[0]):
        for k in range(P.shape[1]):
            P[b, k, a], P[b, k, c] = P[b, k, c], P[b, k, a]
        for k in range(3):
            last_at[b, k, a], last_at[b, k, c] = last_at[b, k, c], last_at[b, k, a]
        phase[b, a], phase[b, c] = phase[b, c], phase[b, a]
    for x in (T, H, t_datum, TSCHED, HSTEP):
        x[a], x[c] = x[c], x[a]
    for m in (done, hit_sched, stale, g_fresh):
        m[a], m[c] = m[c], m[a]
    lane_i[a], lane_i[c] = lane_i[c], lane_i[a]
    n_rows[a], n_rows[c] = n_rows[c], n_rows[a]


@numba.njit(**_OPTS)
def _simulate_block(i0, tables, init, elev, meta, wh, we, wn, env, g, t_max,
                    entry_t, entry_state, min_clear, min_clear_at, peak_g, contact_from,
                    status, t_final, t_datum_out, rec, rec_len, n_rec):
    """Integrate samples i0 .. i0 + LANES - 1 (those that exist) to the end, stepping them together.

    Each lane keeps its own time, step, phases and events; the RK4 stages, the event functions
    and the work after a step run over all lanes at once (mostly on the packed array V), the
    scheduling, event searches and monitors lane by lane.
    """
    n = init.shape[0]
    nb = init.shape[1]
    n6 = 6 * nb
    L = LANES
    S = np.zeros((n6, L))
    TR = np.zeros((n6, L))  # the step's end (trial)
    PR = np.zeros((n6, L))  # event probes, then the step's start
    V = np.zeros((_V_BODY + _VB * nb) * L)  # the packed lanes of the RK4 passes
    P = np.zeros((nb, ph.N_PARAMS, L))
    KE = np.zeros((4, L))
    phase = np.zeros((nb, L), np.int64)
    t_entry = np.zeros((nb, L))
    t_end = np.full((nb, L), np.inf)
    t_fill = np.zeros((nb, L))
    T = np.zeros(L)
    H = np.zeros(L)
    t_datum = np.zeros(L)
    done = np.ones(L, np.bool_)
    hit_sched = np.zeros(L, np.bool_)
    TSCHED = np.zeros(L)  # each lane's next scheduled transition or switch
    HSTEP = np.zeros(L)  # each lane's step: the finest of its moving bodies' phases
    stale = np.ones(L, np.bool_)  # a phase changed since TSCHED and HSTEP were worked out
    g_fresh = np.zeros(L, np.bool_)  # the _B_G0 fields already hold the lane's event functions
    last_clear = np.full((nb, L), -np.inf)  # lower bound of the distance to terrain at last_at
    last_at = np.zeros((nb, 3, L))
    n_rows = np.zeros(L, np.int64)
    CROSS = np.zeros(L)  # how many watched event functions changed sign over the step
    EVB = np.full(L, -1, np.int64)  # body and event kind of the lane's located event (EVB -1: none)
    EVE = np.zeros(L, np.int64)
    resting = nb  # bodies resting..nb-1 are at rest in every lane: left out of the passes
    lane_i = np.arange(i0, i0 + L)  # each lane's sample
    live = min(L, n - i0)  # lanes live.. are finished (flying lanes are kept first)
    max_rec = rec.shape[1]
    for l in range(L):
        i = lane_i[l]
        if i >= n:
            continue  # a padding lane: never stepped, never written
        done[l] = False
        e = env[i] if env.shape[0] > 1 else env[0]
        KE[_KE_TEMPERATURE_OFFSET, l] = e[ph.ENV_TEMPERATURE_OFFSET]
        KE[_KE_WIND_COS, l] = e[ph.ENV_WIND_FACTOR] * math.cos(e[ph.ENV_WIND_ROTATION])
        KE[_KE_WIND_SIN, l] = e[ph.ENV_WIND_FACTOR] * math.sin(e[ph.ENV_WIND_ROTATION])
        KE[_KE_AIR_DENSITY, l] = e[ph.ENV_AIR_DENSITY]
        for b in range(nb):
            for q in range(6):
                S[6 * b + q, l] = init[i, b, q]
        for b in range(nb):
            contact_from[i, b] = -1
            _enter(i, l, b, 0, T, S, tables, P, V, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, KE,
                   entry_t, entry_state, t_datum, peak_g)
    while True:
        # bookkeeping lane by lane: scheduled transitions (cascades allowed, bounded),
        # the end of a lane, and each lane's step
        busy = False
        for l in range(live):
            H[l] = 0.0
            if done[l]:
                continue
            t = T[l]
            if not stale[l] and t < TSCHED[l] and t < t_max:
                # nothing has come due and no phase changed: the step and the schedule stand
                H[l], hit_sched[l] = _clip_step(t, HSTEP[l], TSCHED[l], t_max)
                busy = True
                continue
            i = lane_i[l]
            for b in range(nb):
                guard = 0
                while t_end[b, l] <= t and P[b, _K, l] != _FROZEN_F and guard < ph.MAX_PHASES:
                    nxt = int(P[b, ph.NEXT_ON_TIME, l])
                    if nxt < 0:
                        t_end[b, l] = np.inf
                        break
                    _enter(i, l, b, nxt, T, S, tables, P, V, phase, t_entry, t_end, t_fill, nb, elev, meta,
                           wh, we, wn, KE, entry_t, entry_state, t_datum, peak_g)
                    g_fresh[l] = False
                    guard += 1
            active = False
            h = np.inf
            t_sched = np.inf
            for b in range(nb):
                kind = P[b, _K, l]
                if kind != _FROZEN_F:
                    active = True
                    h = min(h, P[b, ph.TIME_STEP, l])
                    t_sched = min(t_sched, t_end[b, l])
                # switches inside a phase are scheduled too, so no RK4 step straddles one:
                # steering starts (a jump in bank), area growth ends (a kink)
                steering = 0.0
                if kind == _GLIDE_F and P[b, ph.BANK_GAIN, l] > 0.0:
                    t_on = t_entry[b, l] + P[b, ph.REACTION_TIME, l]
                    if t >= t_on:
                        steering = 1.0
                    else:
                        t_sched = min(t_sched, t_on)
                V[(_vb(b) + _B_STEER) * L + l] = steering
                if P[b, ph.GROW_EXPONENT, l] > 0.0 and P[b, ph.GROW_TIME, l] > 0.0:
                    t_grown = t_entry[b, l] + P[b, ph.GROW_TIME, l]
                    if t < t_grown:
                        t_sched = min(t_sched, t_grown)
            if not active or t >= t_max:
                done[l] = True
                for b in range(nb):
                    _flush_peak(V, b, l, peak_g, i, phase[b, l])
                status[i] = STATUS_DONE if not active else STATUS_TIME_LIMIT
                t_final[i] = t
                t_datum_out[i] = t_datum[l]
                if i < n_rec and n_rows[l] < max_rec:
                    # k1 of the last row by a step of length 0 (H is 0 here): one more call
                    # site of _derivative would be compiled again (see _rk4)
                    _load(V, S, T, H, nb, l, l + 1)
                    _rk4(V, 0, nb, elev, meta, wh, we, wn, KE, g, l, l + 1)
                    _record(rec[i], n_rows[l], t, S, l, V, phase, nb, g)
                    n_rows[l] += 1
                    rec_len[i] = n_rows[l]
                continue
            HSTEP[l] = h
            TSCHED[l] = t_sched
            stale[l] = False
            H[l], hit_sched[l] = _clip_step(t, h, t_sched, t_max)
            busy = True
        if not busy:
            break
        # the flying lanes first: a finished lane swaps with the last flying one, so the passes
        # below run over lanes 0..width-1 only (rounded up to whole vectors of VECTOR_LANES)
        j = 0
        while j < live:
            if done[j]:
                live -= 1
                if j < live:
                    _swap_lanes(j, live, V, lane_i, S, TR, PR, P, KE, phase, t_entry, t_end, t_fill, T, H, t_datum,
                                done, hit_sched, TSCHED, HSTEP, stale, g_fresh, last_clear, last_at, n_rows)
                    continue
            j += 1
        width = min(L, (live + VECTOR_LANES - 1) // VECTOR_LANES * VECTOR_LANES)
        # trailing bodies at rest in every lane (the bike after its impact; at rest is for good)
        # are left out of the passes below: their state stays as it is, as a step would leave it,
        # their k1 (the felt load in recorded paths) is zero and no event function is watched
        na = resting
        while na > 0 and _at_rest(V, na - 1, 0, width):
            na -= 1
        for b in range(na, resting):
            ob = _vb(b)
            for q in range(6):
                for l in range(L):
                    V[(ob + _B_K + q) * L + l] = 0.0
            for e in range(_N_EVENTS):
                for l in range(L):
                    V[(ob + _B_G0 + e) * L + l] = np.inf
                    V[(ob + _B_G1 + e) * L + l] = np.inf
        resting = na
        na6 = 6 * na
        # one RK4 step of every lane together, with the event functions at both ends
        _load(V, S, T, H, na, 0, width)
        for b in range(na):
            ob = _vb(b)
            if _at_rest(V, b, 0, width):  # no event can happen at rest
                for e in range(_N_EVENTS):
                    for l in range(L):
                        V[(ob + _B_G0 + e) * L + l] = np.inf
                        V[(ob + _B_G1 + e) * L + l] = np.inf
                continue
            for l in range(width):
                if not done[l] and not g_fresh[l]:
                    _events(V, ob, _B_S, _B_G0, elev, meta, l, l + 1)
        _rk4(V, 0, na, elev, meta, wh, we, wn, KE, g, 0, width)
        _store(V, _B_OUT, TR, 0, na, 0, width)
        for b in range(na):
            if not _at_rest(V, b, 0, width):
                _events(V, _vb(b), _B_OUT, _B_G1, elev, meta, 0, width)
        # peak aerodynamic load from k1 (the derivative at the step's start): a running maximum
        # per body over its phase, written out at the next phase entry (_flush_peak)
        for b in range(na):
            ob = _vb(b)
            for l in range(_u(0), _u(width)):
                kind = V[_at(ob + _B_KIND) + l]
                load = _load_g(V[_at(ob + _B_K + 3) + l], V[_at(ob + _B_K + 4) + l], V[_at(ob + _B_K + 5) + l], g)
                old = V[_at(ob + _B_PEAK) + l]
                V[_at(ob + _B_PEAK) + l] = load if (kind == _FLIGHT_F or kind == _GLIDE_F) and load > old else old
        if i0 < n_rec:
            for l in range(width):
                i = lane_i[l]
                if not done[l] and i < n_rec and n_rows[l] < max_rec:
                    _record(rec[i], n_rows[l], T[l], S, l, V, phase, nb, g)
                    n_rows[l] += 1
                    rec_len[i] = n_rows[l]
        # lanes where some watched event function changed sign over the step
        for l in range(_u(0), _u(width)):
            CROSS[l] = 0.0
        for b in range(na):
            for ev in range(_N_EVENTS):
                for l in range(_u(0), _u(width)):
                    g0 = V[_at(_vb(b) + _B_G0 + ev) + l]
                    g1 = V[_at(_vb(b) + _B_G1 + ev) + l]
                    CROSS[l] += 1.0 if g0 != np.inf and g0 > 0.0 and g1 <= 0.0 else 0.0
        for l in range(width):
            EVB[l] = -1
            if done[l] or CROSS[l] == 0.0:
                continue
            # state events: earliest sign change over the step, located by the Illinois
            # regula falsi on this lane's step length
            best_h = np.inf
            best_b = -1
            best_ev = -1
            for b in range(na):
                for ev in range(_N_EVENTS):
                    g0 = V[(_vb(b) + _B_G0 + ev) * L + l]
                    g1 = V[(_vb(b) + _B_G1 + ev) * L + l]
                    if g0 == np.inf or g0 <= 0.0 or g1 > 0.0:
                        continue
                    # PR holds the state at the earliest root found so far: an event not yet
                    # past there comes later or at the same instant (then it fires with it below)
                    if best_b >= 0 and _event_value(ev, b, l, V, elev, meta) >= -EVENT_TOLERANCE:
                        continue
                    # the first trial step ends where the event function along the cubic Hermite
                    # curve through the step's ends is zero; the trial steps of body b alone
                    lo, glo, hi, ghi, side = 0.0, g0, H[l], g1, 0
                    c = _hermite_root(ev, b, l, V, S, TR, H[l], g0, g1, elev, meta)
                    root = c
                    for _ in range(100):
                        _probe(V, c, PR, b, b + 1, elev, meta, wh, we, wn, KE, g, l)
                        gc = _event_value(ev, b, l, V, elev, meta)
                        root = c
                        if abs(gc) < EVENT_TOLERANCE or hi - lo < 1e-13:
                            break
                        lo, glo, hi, ghi, side = _illinois(lo, glo, hi, ghi, side, c, gc)
                        c = (lo * ghi - hi * glo) / (ghi - glo)
                    if root < best_h:
                        best_h = root
                        best_b = b
                        best_ev = ev
                        # the other bodies to the root too: PR and V then hold every body there
                        _probe(V, root, PR, 0, b, elev, meta, wh, we, wn, KE, g, l)
                        _probe(V, root, PR, b + 1, na, elev, meta, wh, we, wn, KE, g, l)
                    else:  # not expected after the check above; keep PR at the earliest root
                        _probe(V, best_h, PR, 0, na, elev, meta, wh, we, wn, KE, g, l)
            if best_b >= 0:
                for k in range(na6):
                    TR[k, l] = PR[k, l]
                H[l] = best_h
                hit_sched[l] = False
                EVB[l] = best_b
                EVE[l] = best_ev
        # take the step in every lane: PR keeps its start for the clearance monitors. The step's
        # end is the next step's start: its event functions carry over, unless an event changes
        # a phase there (or a schedule does, see above). A finished lane's values are not read.
        for k in range(na6):
            for l in range(_u(0), _u(width)):
                start = S[k, l]
                PR[k, l] = start
                S[k, l] = TR[k, l]
        for k in range(na6, n6):
            for l in range(_u(0), _u(width)):
                PR[k, l] = S[k, l]
        for l in range(width):
            g_fresh[l] = EVB[l] < 0
            T[l] = TSCHED[l] if hit_sched[l] else T[l] + H[l]
        for b in range(na):
            for ev in range(_N_EVENTS):
                for l in range(_u(0), _u(width)):
                    g0 = V[_at(_vb(b) + _B_G0 + ev) + l]
                    V[_at(_vb(b) + _B_G0 + ev) + l] = V[_at(_vb(b) + _B_G1 + ev) + l] if EVB[l] < 0 else g0
        for l in range(width):
            if done[l]:
                continue
            i = lane_i[l]
            best_b = EVB[l]
            best_ev = EVE[l]
            h = H[l]
            # clearance monitors over the step just taken, in the phases that ask for them
            # (docs/engine.md#monitors). The distance to terrain is 1-Lipschitz in position:
            # a distance d computed at x bounds it from below by d - |y - x| at any y. While
            # the last computed distance minus how far the body can have got from where it was
            # computed stays above the phase's minimum, no new minimum is possible and the
            # step is skipped. Otherwise the distance is taken at the step's end and at
            # CLEARANCE_SUBSAMPLES - 1 points inside it on the cubic Hermite curve through the
            # ends' positions and velocities (and at its start on the phase's first step), so
            # the minimum hardly depends on how long the step is; an inside point is skipped
            # when the distances at the ends bound it above the minimum so far.
            for b in range(nb):
                if P[b, ph.MONITOR_CLEARANCE, l] > 0.0:
                    _monitor_clearance(i, l, b, phase[b, l], H[l], PR, S, last_clear, last_at, min_clear,
                                       min_clear_at, elev, meta)
            if best_b >= 0:
                # the located event, then any other body's event that happened at the same instant
                # (rider and bike leave the ramp lip together)
                for b in range(nb):
                    for ev in range(_N_EVENTS):
                        if not (b == best_b and ev == best_ev):
                            g0 = V[(_vb(b) + _B_G0 + ev) * L + l]
                            if g0 == np.inf or g0 <= 0.0:
                                continue
                            if _event_value(ev, b, l, V, elev, meta) > EVENT_TOLERANCE:
                                continue
                        if ev == _EV_CONTACT:
                            contact_from[i, b] = phase[b, l]
                            nxt = int(P[b, ph.NEXT_ON_CONTACT, l])
                        elif ev == _EV_HEIGHT:
                            nxt = int(P[b, ph.NEXT_ON_HEIGHT, l])
                        elif ev == _EV_SPEED:
                            nxt = int(P[b, ph.NEXT_ON_SPEED, l])
                        elif ev == _EV_NEAR:
                            nxt = int(P[b, ph.NEXT_ON_NEAR, l])
                        else:
                            nxt = int(P[b, ph.NEXT_ON_LIP, l])
                        _enter(i, l, b, nxt, T, S, tables, P, V, phase, t_entry, t_end, t_fill, nb, elev, meta,
                               wh, we, wn, KE, entry_t, entry_state, t_datum, peak_g)
                        stale[l] = True
                        break


@numba.njit(cache=True, parallel=True)
def _run_kernel(tables, init, elev, meta, wh, we, wn, env, g, t_max,
                entry_t, entry_state, min_clear, min_clear_at, peak_g, contact_from,
                status, t_final, t_datum, rec, rec_len, n_rec):
    n = init.shape[0]
    n_blocks = (n + LANES - 1) // LANES
    for k in prange(n_blocks):
        _simulate_block(k * LANES, tables, init, elev, meta, wh, we, wn, env, g, t_max,
                        entry_t, entry_state, min_clear, min_clear_at, peak_g, contact_from,
                        status, t_final, t_datum, rec, rec_len, n_rec)


@dataclass(frozen=True)
class Wind:
    """A layered wind profile in the kernel's form (heights AGL, east and north components)."""

    heights_agl: np.ndarray
    east: np.ndarray
    north: np.ndarray

    @classmethod
    def calm(cls) -> "Wind":
        return cls(np.zeros(1), np.zeros(1), np.zeros(1))

    @classmethod
    def uniform(cls, direction_from: float, speed: float = 1.0) -> "Wind":
        """The same wind at every height, blowing from ``direction_from`` [rad, clockwise from true north]."""
        return cls(np.zeros(1), np.array([-speed * math.sin(direction_from)]),
                   np.array([-speed * math.cos(direction_from)]))


@dataclass(frozen=True)
class EnsembleResult:
    """Raw engine output: monitors per sample, body and phase (SI units, ENU frame, MSL altitudes).

    Attributes
    ----------
    entry_time : (n, B, P) time each phase was entered [s]; NaN if never.
    entry_state : (n, B, P, 6B) state of all bodies when body b entered phase p.
    min_clearance : (n, B, P) minimum distance to terrain during the phase [m], in phases
        flagged ``monitor_clearance``; inf elsewhere.
    min_clearance_at : (n, B, P, 3) where that minimum occurred (east, north, altitude MSL) [m].
    peak_load : (n, B, P) peak aerodynamic acceleration during the phase [g] (flight and glide phases).
    contact_from : (n, B) phase index in which ground contact happened; -1 if none.
    status : (n,) STATUS_DONE or STATUS_TIME_LIMIT.
    final_time : (n,) [s].
    datum_time : (n,) engine time of the datum event (ramp lip, exit) [s]; phases'
        scheduled times count from it.
    paths : (n_record, max_steps, 1 + 8B) columns t, then per body east, north, altitude_msl,
        v_east, v_north, v_up, phase, felt load [g] (specific force |a - g|: aerodynamic in
        flight, ramp contact on the ramp, 1 g at rest); ``path_length`` rows are valid.
    """

    entry_time: np.ndarray
    entry_state: np.ndarray
    min_clearance: np.ndarray
    min_clearance_at: np.ndarray
    peak_load: np.ndarray
    contact_from: np.ndarray
    status: np.ndarray
    final_time: np.ndarray
    datum_time: np.ndarray
    paths: np.ndarray
    path_length: np.ndarray

    def path(self, sample: int = 0) -> np.ndarray:
        """The recorded path of one sample, shape (steps, 1 + 8B)."""
        return self.paths[sample, : self.path_length[sample]]


def run_ensemble(
    tables: np.ndarray,
    init: np.ndarray,
    terrain: TerrainGrid,
    wind: Wind | None = None,
    env: np.ndarray | None = None,
    *,
    max_time: float = 600.0,
    gravity: float = STANDARD_GRAVITY,
    n_record: int = 0,
    max_record_steps: int = 200_000,
) -> EnsembleResult:
    """Integrate an ensemble of samples through their phase tables.

    Parameters
    ----------
    tables : ndarray, shape (n or 1, B, MAX_PHASES, N_PARAMS)
        Phase tables (:func:`stuntsim.simulate.phases.phase_table`), one per
        sample or one shared by all.
    init : ndarray, shape (n, B, 6)
        Initial state of every body, ENU about the datum, altitude MSL [m, m s-1].
    terrain : TerrainGrid
        The ground.
    wind : Wind, optional
        Layered wind; calm if omitted.
    env : ndarray, shape (n or 1, N_ENV), optional
        Per-sample temperature offset [K], wind speed factor [-], wind rotation
        [rad] and fixed air density [kg m-3] (0: standard atmosphere); see
        :data:`stuntsim.simulate.phases.DEFAULT_ENV`, used if omitted.
    max_time : float
        Time limit [s]; samples still moving then get STATUS_TIME_LIMIT.
    gravity : float
        Gravitational acceleration [m s-2] (0 for analytic test cases).
    n_record : int
        Keep full paths of the first ``n_record`` samples.
    max_record_steps : int
        Rows of path storage per recorded sample.
    """
    tables = np.ascontiguousarray(tables, dtype=np.float64)
    init = np.ascontiguousarray(init, dtype=np.float64)
    if init.ndim != 3 or init.shape[2] != 6:
        raise ValueError("init must have shape (n, B, 6)")
    n, nb = init.shape[0], init.shape[1]
    if tables.ndim == 3:
        tables = tables[None]
    if tables.shape[0] not in (1, n) or tables.shape[1] != nb:
        raise ValueError("tables must have shape (n or 1, B, MAX_PHASES, N_PARAMS)")
    grow = tables[..., ph.GROW_EXPONENT]
    if np.any((grow < 0) | (grow > MAX_GROWTH_EXPONENT) | (grow != np.round(grow))):
        raise ValueError(f"grow_exponent must be an integer from 0 to {MAX_GROWTH_EXPONENT}")
    wind = wind or Wind.calm()
    if env is None:
        env = np.array([ph.DEFAULT_ENV])
    env = np.ascontiguousarray(np.atleast_2d(env), dtype=np.float64)
    P = ph.MAX_PHASES
    entry_t = np.full((n, nb, P), np.nan)
    entry_state = np.full((n, nb, P, 6 * nb), np.nan)
    min_clear = np.full((n, nb, P), np.inf)
    min_clear_at = np.full((n, nb, P, 3), np.nan)
    peak = np.zeros((n, nb, P))
    contact_from = np.full((n, nb), -1, np.int64)
    status = np.zeros(n, np.int64)
    t_final = np.zeros(n)
    t_datum = np.zeros(n)
    n_rec = min(n_record, n)
    rec = np.zeros((max(n_rec, 1), max_record_steps if n_rec else 1, 1 + 8 * nb))
    rec_len = np.zeros(max(n_rec, 1), np.int64)
    _run_kernel(
        tables, init, terrain.elevation_msl, terrain.meta,
        np.ascontiguousarray(wind.heights_agl, float), np.ascontiguousarray(wind.east, float),
        np.ascontiguousarray(wind.north, float), env, float(gravity), float(max_time),
        entry_t, entry_state, min_clear, min_clear_at, peak, contact_from, status, t_final, t_datum, rec, rec_len, n_rec,
    )
    return EnsembleResult(
        entry_t, entry_state, min_clear, min_clear_at, peak, contact_from, status, t_final, t_datum,
        rec[:n_rec], rec_len[:n_rec],
    )
