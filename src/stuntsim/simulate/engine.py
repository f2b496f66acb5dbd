"""The one ensemble flight engine: fixed-step RK4 over phase tables, in numba.

Every stunt runs through :func:`run_ensemble`. It integrates an ensemble of
samples in parallel (``prange`` over samples; each sample's bodies step together
on one time grid so their relative positions are known at every instant). The
derivative of each body is chosen by its current phase (see
:mod:`stuntsim.simulate.phases`); the models are the pure kernels of
:mod:`stuntsim.physics`.

Stepping. Classic fourth-order Runge-Kutta with the step of the finest active
phase. A step that would pass a scheduled event (a pull time, a separation, the
end of a fill time) is shortened to end exactly on it. State events (ground
contact, a height above ground, reaching the ramp lip, reaching the target
speed on the ramp) are found by their sign
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
kernel has no randomness and each sample writes only its own outputs, so the
result is bit-identical for any thread count.

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

from stuntsim.physics.atmosphere import density_kernel
from stuntsim.physics.drag import STANDARD_GRAVITY, drag_acceleration_kernel
from stuntsim.physics.canopy import glider_aero_acceleration_kernel, inflation_drag_area_kernel
from stuntsim.physics.ramp import ramp_acceleration_trig_kernel
from stuntsim.physics.terrain import TerrainGrid, clearance_kernel, height_kernel
from stuntsim.physics.wind import wind_at_height_kernel
from stuntsim.simulate import phases as ph

EVENT_TOLERANCE = 1e-7  # [m] |event function| at a located event
MIN_AIRSPEED = 1.0  # [m s-1] floor in airspeed-scaled durations (c1 / v)
MIN_GLIDE_AIRSPEED = 1.0  # [m s-1] least horizontal airspeed given to a canopy at full inflation
CLEARANCE_SUBSAMPLES = 4  # intervals per step at whose ends terrain clearance is taken

STATUS_DONE = 0  # every body reached a FROZEN phase
STATUS_TIME_LIMIT = 1  # max_time reached first

# event kinds
_EV_CONTACT, _EV_HEIGHT, _EV_LIP, _EV_SPEED = 0, 1, 2, 3
_N_EVENTS = 4

_K = ph.KIND
_FROZEN, _RAMP, _FLIGHT, _GLIDE = int(ph.Kind.FROZEN), int(ph.Kind.RAMP), int(ph.Kind.FLIGHT), int(ph.Kind.GLIDE)
_E_IMPULSE, _E_LIP, _E_GLIDE = int(ph.Entry.IMPULSE), int(ph.Entry.LIP), int(ph.Entry.GLIDE)
_D_ABS, _D_AFTER = int(ph.Duration.ABSOLUTE), int(ph.Duration.AFTER_ENTRY)


# the per-sample environment as the kernels use it: rotation folded into two factors
_KE_TEMPERATURE_OFFSET, _KE_WIND_COS, _KE_WIND_SIN, _KE_AIR_DENSITY = range(4)


@numba.njit(cache=True)
def _kernel_env(env):
    """Per-sample environment with the wind's scale and veer folded into cos/sin factors."""
    ke = np.empty(4)
    ke[_KE_TEMPERATURE_OFFSET] = env[ph.ENV_TEMPERATURE_OFFSET]
    ke[_KE_WIND_COS] = env[ph.ENV_WIND_FACTOR] * math.cos(env[ph.ENV_WIND_ROTATION])
    ke[_KE_WIND_SIN] = env[ph.ENV_WIND_FACTOR] * math.sin(env[ph.ENV_WIND_ROTATION])
    ke[_KE_AIR_DENSITY] = env[ph.ENV_AIR_DENSITY]
    return ke


@numba.njit(cache=True, inline="always")
def _wind(x, y, z, elev, meta, wh, we, wn, ke):
    """Wind (east, north) [m s-1] at a point: layered profile over local AGL, scaled and veered."""
    agl = z - height_kernel(elev, meta, x, y)
    if agl < 0.0:
        agl = 0.0
    e, n = wind_at_height_kernel(agl, wh, we, wn)
    c = ke[_KE_WIND_COS]
    s = ke[_KE_WIND_SIN]
    # rotate clockwise (seen from above) by the rotation angle: the wind veers
    return e * c + n * s, -e * s + n * c


@numba.njit(cache=True, inline="always")
def _density(z, ke):
    """Air density [kg m-3]: the standard atmosphere with offset, or a fixed value."""
    if ke[_KE_AIR_DENSITY] > 0.0:
        return ke[_KE_AIR_DENSITY]
    return density_kernel(z, ke[_KE_TEMPERATURE_OFFSET])


@numba.njit(cache=True, inline="always")
def _ramp_axis(row):
    """Unit vector down the ramp (east, north, up), precomputed in the phase row."""
    return row[ph.RAMP_AXIS_EAST], row[ph.RAMP_AXIS_NORTH], row[ph.RAMP_AXIS_UP]


@numba.njit(cache=True, inline="always")
def _derivative(t, s, d, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g):
    """d(state)/dt for all bodies into ``d``; returns nothing."""
    for b in range(nb):
        o = 6 * b
        row = tab[b, phase[b]]
        kind = int(row[_K])
        if kind == _FROZEN:
            for k in range(6):
                d[o + k] = 0.0
            continue
        x = s[o]
        y = s[o + 1]
        z = s[o + 2]
        vx = s[o + 3]
        vy = s[o + 4]
        vz = s[o + 5]
        d[o] = vx
        d[o + 1] = vy
        d[o + 2] = vz
        rho = _density(z, env)
        wx, wy = _wind(x, y, z, elev, meta, wh, we, wn, env)
        if kind == _RAMP:
            rx, ry, rz = _ramp_axis(row)
            speed = vx * rx + vy * ry + vz * rz
            air_along = speed - (wx * rx + wy * ry)
            a = ramp_acceleration_trig_kernel(
                speed, air_along, row[ph.TARGET_SPEED], row[ph.SIN_RAMP_SLOPE], row[ph.COS_RAMP_SLOPE], row[ph.MASS],
                row[ph.DRIVE_POWER], row[ph.TRACTION], row[ph.ROLLING_RESISTANCE],
                row[ph.DRAG_AREA], rho, g,
            )
            d[o + 3] = a * rx
            d[o + 4] = a * ry
            d[o + 5] = a * rz
            continue
        ux = vx - wx
        uy = vy - wy
        uz = vz
        cda = row[ph.DRAG_AREA]
        j = int(row[ph.GROW_EXPONENT])
        fill = t_fill[b] if row[ph.GROW_TIME] <= 0.0 else row[ph.GROW_TIME]
        if j > 0:
            cda = inflation_drag_area_kernel(t - t_entry[b], fill, row[ph.DRAG_AREA_START], cda, j)
        if kind == _FLIGHT:
            ax, ay, az = drag_acceleration_kernel(ux, uy, uz, rho, cda, row[ph.MASS])
            d[o + 3] = ax
            d[o + 4] = ay
            d[o + 5] = az - g
        else:  # GLIDE
            bank = 0.0
            if row[ph.BANK_GAIN] > 0.0 and t - t_entry[b] >= row[ph.REACTION_TIME]:
                # heading error from the air velocity to the target, clockwise positive, in (-pi, pi]
                de = row[ph.TARGET_EAST] - x
                dn = row[ph.TARGET_NORTH] - y
                err = math.atan2(uy * de - ux * dn, ux * de + uy * dn)
                bank = row[ph.BANK_GAIN] * err
                lim = row[ph.MAX_BANK]
                if bank > lim:
                    bank = lim
                elif bank < -lim:
                    bank = -lim
            cla = row[ph.LIFT_AREA]
            if j > 0:
                cla = inflation_drag_area_kernel(t - t_entry[b], fill, row[ph.LIFT_AREA_START], cla, j)
            ax, ay, az = glider_aero_acceleration_kernel(ux, uy, uz, cla, cda, bank, rho, row[ph.MASS])
            d[o + 3] = ax
            d[o + 4] = ay
            d[o + 5] = az - g


@numba.njit(cache=True)
def _rk4(t, s, h, out, work, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g):
    """One classic RK4 step of length h from (t, s) into ``out``; work[0] keeps k1."""
    n = 6 * nb
    k1 = work[0]
    k2 = work[1]
    k3 = work[2]
    k4 = work[3]
    st = work[4]
    _derivative(t, s, k1, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
    for i in range(n):
        st[i] = s[i] + 0.5 * h * k1[i]
    _derivative(t + 0.5 * h, st, k2, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
    for i in range(n):
        st[i] = s[i] + 0.5 * h * k2[i]
    _derivative(t + 0.5 * h, st, k3, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
    for i in range(n):
        st[i] = s[i] + h * k3[i]
    _derivative(t + h, st, k4, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
    for i in range(n):
        out[i] = s[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@numba.njit(cache=True, inline="always")
def _event_value(ev, b, s, tab, phase, elev, meta):
    """Event function of body b: positive before the event, <= 0 once it happened."""
    o = 6 * b
    row = tab[b, phase[b]]
    if ev == _EV_LIP:
        rx, ry, rz = _ramp_axis(row)
        return -(s[o] * rx + s[o + 1] * ry + (s[o + 2] - row[ph.RAMP_LIP_ALTITUDE]) * rz)
    if ev == _EV_SPEED:
        return row[ph.TARGET_SPEED] - math.sqrt(s[o + 3] ** 2 + s[o + 4] ** 2 + s[o + 5] ** 2)
    agl = s[o + 2] - height_kernel(elev, meta, s[o], s[o + 1])
    if ev == _EV_HEIGHT:
        return agl - row[ph.EXIT_HEIGHT_AGL]
    return agl


@numba.njit(cache=True, inline="always")
def _event_active(ev, row):
    kind = int(row[_K])
    if ev == _EV_LIP:
        return kind == _RAMP and row[ph.NEXT_ON_LIP] >= 0.0
    if ev == _EV_SPEED:
        return kind == _RAMP and row[ph.NEXT_ON_SPEED] >= 0.0
    if kind != _FLIGHT and kind != _GLIDE:
        return False
    if ev == _EV_HEIGHT:
        return row[ph.NEXT_ON_HEIGHT] >= 0.0
    return row[ph.NEXT_ON_CONTACT] >= 0.0


@numba.njit(cache=True)
def _enter(b, p_new, t, s, tab, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, env, g,
           entry_t, entry_state, t_datum):
    """Switch body b to phase p_new at time t: entry action, schedule, monitors."""
    o = 6 * b
    row = tab[b, p_new]
    if row[ph.SETS_DATUM] > 0.0:
        t_datum[0] = t
    action = int(row[ph.ENTRY])
    if action == _E_IMPULSE:
        s[o + 3] += row[ph.DV_EAST]
        s[o + 4] += row[ph.DV_NORTH]
        s[o + 5] += row[ph.DV_UP]
    elif action == _E_LIP:
        speed = math.sqrt(s[o + 3] ** 2 + s[o + 4] ** 2 + s[o + 5] ** 2)
        lam = row[ph.LIP_ANGLE]
        psi = row[ph.HEADING]
        s[o + 3] = speed * math.cos(lam) * math.sin(psi)
        s[o + 4] = speed * math.cos(lam) * math.cos(psi)
        s[o + 5] = speed * math.sin(lam)
    elif action == _E_GLIDE:
        # the inflated canopy faces its opening heading: the horizontal airspeed turns to
        # it (at least MIN_GLIDE_AIRSPEED so lift has a direction); the vertical speed is
        # kept, and lift and drag then carry the body into glide (the surge's load counts)
        wx, wy = _wind(s[o], s[o + 1], s[o + 2], elev, meta, wh, we, wn, env)
        horizontal = math.sqrt((s[o + 3] - wx) ** 2 + (s[o + 4] - wy) ** 2)
        if horizontal < MIN_GLIDE_AIRSPEED:
            horizontal = MIN_GLIDE_AIRSPEED
        psi = row[ph.HEADING]
        s[o + 3] = wx + horizontal * math.sin(psi)
        s[o + 4] = wy + horizontal * math.cos(psi)
    mode = int(row[ph.DURATION_MODE])
    if mode == _D_ABS:
        t_end[b] = t_datum[0] + row[ph.DURATION_C0]
    elif mode == _D_AFTER:
        wx, wy = _wind(s[o], s[o + 1], s[o + 2], elev, meta, wh, we, wn, env)
        air = math.sqrt((s[o + 3] - wx) ** 2 + (s[o + 4] - wy) ** 2 + s[o + 5] ** 2)
        if air < MIN_AIRSPEED:
            air = MIN_AIRSPEED
        t_end[b] = t + row[ph.DURATION_C0] + row[ph.DURATION_C1] / air
    else:
        t_end[b] = np.inf
    t_fill[b] = t_end[b] - t
    phase[b] = p_new
    t_entry[b] = t
    entry_t[b, p_new] = t
    for k in range(6 * nb):
        entry_state[b, p_new, k] = s[k]
    if int(row[_K]) == _FROZEN:  # at rest: the contact velocity stays in entry_state only
        s[o + 3] = 0.0
        s[o + 4] = 0.0
        s[o + 5] = 0.0


@numba.njit(cache=True)
def _record(rec, k, t, s, d, phase, nb, g):
    rec[k, 0] = t
    for b in range(nb):
        c = 1 + 8 * b
        for q in range(6):
            rec[k, c + q] = s[6 * b + q]
        rec[k, c + 6] = phase[b]
        ax = d[6 * b + 3]
        ay = d[6 * b + 4]
        az = d[6 * b + 5] + g
        # load in units of standard gravity, whatever g the run uses
        rec[k, c + 7] = math.sqrt(ax * ax + ay * ay + az * az) / STANDARD_GRAVITY


@numba.njit(cache=True)
def _simulate_one(tab, init, nb, elev, meta, wh, we, wn, sample_env, g, t_max,
                  entry_t, entry_state, min_clear, min_clear_at, peak_g, contact_from, datum, rec, rec_on):
    """Integrate one sample to the end; fills the output views; returns (status, t_final, n_rec)."""
    env = _kernel_env(sample_env)
    n = 6 * nb
    s = np.empty(n)
    trial = np.empty(n)
    probe = np.empty(n)
    work = np.empty((5, n))
    for k in range(n):
        s[k] = init[k]
    phase = np.zeros(nb, np.int64)
    t_entry = np.zeros(nb)
    t_end = np.full(nb, np.inf)
    t_fill = np.zeros(nb)
    t_datum = datum  # one-element view: time of the datum event (0 unless a phase sets it)
    t_datum[0] = 0.0
    for b in range(nb):
        contact_from[b] = -1
        _enter(b, 0, 0.0, s, tab, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, env, g,
               entry_t, entry_state, t_datum)
    g0 = np.empty((nb, _N_EVENTS))
    g1 = np.empty((nb, _N_EVENTS))
    last_clear = np.full(nb, -np.inf)  # lower bound of the distance to terrain at last_at
    last_at = np.zeros((nb, 3))
    t = 0.0
    n_rec = 0
    max_rec = rec.shape[0]
    status = STATUS_TIME_LIMIT
    while True:
        # transitions scheduled at or before now (cascades allowed, bounded)
        for b in range(nb):
            guard = 0
            while t_end[b] <= t and int(tab[b, phase[b], _K]) != _FROZEN and guard < ph.MAX_PHASES:
                nxt = int(tab[b, phase[b], ph.NEXT_ON_TIME])
                if nxt < 0:
                    t_end[b] = np.inf
                    break
                _enter(b, nxt, t, s, tab, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, env, g,
                       entry_t, entry_state, t_datum)
                guard += 1
        active = False
        h = np.inf
        t_sched = np.inf
        for b in range(nb):
            row = tab[b, phase[b]]
            if int(row[_K]) != _FROZEN:
                active = True
                if row[ph.TIME_STEP] < h:
                    h = row[ph.TIME_STEP]
                if t_end[b] < t_sched:
                    t_sched = t_end[b]
        if not active:
            status = STATUS_DONE
            break
        if t >= t_max:
            break
        if t + h > t_max:
            h = t_max - t
        hit_sched = False
        if t + h >= t_sched:
            h = t_sched - t
            hit_sched = True
        for b in range(nb):
            row = tab[b, phase[b]]
            for ev in range(_N_EVENTS):
                g0[b, ev] = _event_value(ev, b, s, tab, phase, elev, meta) if _event_active(ev, row) else np.inf
        _rk4(t, s, h, trial, work, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
        # peak aerodynamic load from k1 (the derivative at the step's start)
        for b in range(nb):
            kind = int(tab[b, phase[b], _K])
            if kind == _FLIGHT or kind == _GLIDE:
                ax = work[0, 6 * b + 3]
                ay = work[0, 6 * b + 4]
                az = work[0, 6 * b + 5] + g
                load = math.sqrt(ax * ax + ay * ay + az * az) / STANDARD_GRAVITY
                if load > peak_g[b, phase[b]]:
                    peak_g[b, phase[b]] = load
        if rec_on and n_rec < max_rec:
            _record(rec, n_rec, t, s, work[0], phase, nb, g)
            n_rec += 1
        # state events: earliest sign change over the step
        best_h = np.inf
        best_b = -1
        best_ev = -1
        for b in range(nb):
            for ev in range(_N_EVENTS):
                if g0[b, ev] == np.inf or g0[b, ev] <= 0.0:
                    continue
                g1[b, ev] = _event_value(ev, b, trial, tab, phase, elev, meta)
                if g1[b, ev] > 0.0:
                    continue
                # Illinois regula falsi on the step length
                lo = 0.0
                glo = g0[b, ev]
                hi = h
                ghi = g1[b, ev]
                side = 0
                root = hi
                for _ in range(100):
                    c = (lo * ghi - hi * glo) / (ghi - glo)
                    _rk4(t, s, c, probe, work, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
                    gc = _event_value(ev, b, probe, tab, phase, elev, meta)
                    root = c
                    if abs(gc) < EVENT_TOLERANCE or hi - lo < 1e-13:
                        break
                    if gc > 0.0:
                        lo = c
                        glo = gc
                        if side == 1:
                            ghi *= 0.5
                        side = 1
                    else:
                        hi = c
                        ghi = gc
                        if side == -1:
                            glo *= 0.5
                        side = -1
                if root < best_h:
                    best_h = root
                    best_b = b
                    best_ev = ev
        if best_b >= 0:
            _rk4(t, s, best_h, trial, work, tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
            h = best_h
            hit_sched = False
        for k in range(n):
            probe[k] = s[k]  # the step's start, kept for the clearance monitors
            s[k] = trial[k]
        t = t_sched if hit_sched else t + h
        # clearance monitors over the step just taken, in the phases that ask for them.
        # The distance to terrain is 1-Lipschitz in position, so while the last computed
        # distance (a lower bound) minus how far the body can have got from where it was
        # computed stays above the phase's minimum, no new minimum is possible and the
        # search is skipped. Otherwise the distance is taken at both ends of the step and
        # at CLEARANCE_SUBSAMPLES - 1 points inside it on the cubic Hermite curve through
        # the ends' positions and velocities, so the minimum hardly depends on how long
        # the step is.
        for b in range(nb):
            p = phase[b]
            if tab[b, p, ph.MONITOR_CLEARANCE] > 0.0:
                o = 6 * b
                v0 = math.sqrt(probe[o + 3] ** 2 + probe[o + 4] ** 2 + probe[o + 5] ** 2)
                v1 = math.sqrt(s[o + 3] ** 2 + s[o + 4] ** 2 + s[o + 5] ** 2)
                reach = math.sqrt((probe[o] - last_at[b, 0]) ** 2 + (probe[o + 1] - last_at[b, 1]) ** 2
                                  + (probe[o + 2] - last_at[b, 2]) ** 2) + h * max(v0, v1)
                if last_clear[b] - reach > min_clear[b, p]:
                    continue
                for q in range(CLEARANCE_SUBSAMPLES + 1):  # q = 0 is the step's start (a phase entry)
                    f = q / CLEARANCE_SUBSAMPLES
                    # cubic Hermite basis on [0, 1]
                    h00 = (1.0 + 2.0 * f) * (1.0 - f) * (1.0 - f)
                    h10 = f * (1.0 - f) * (1.0 - f)
                    h01 = f * f * (3.0 - 2.0 * f)
                    h11 = f * f * (f - 1.0)
                    x = h00 * probe[o] + h10 * h * probe[o + 3] + h01 * s[o] + h11 * h * s[o + 3]
                    y = h00 * probe[o + 1] + h10 * h * probe[o + 4] + h01 * s[o + 1] + h11 * h * s[o + 4]
                    z = h00 * probe[o + 2] + h10 * h * probe[o + 5] + h01 * s[o + 2] + h11 * h * s[o + 5]
                    # only a distance below the phase's minimum so far matters: bound the search by it
                    c = clearance_kernel(elev, meta, x, y, z, min_clear[b, p])
                    if c < min_clear[b, p]:
                        min_clear[b, p] = c
                        min_clear_at[b, p, 0] = x
                        min_clear_at[b, p, 1] = y
                        min_clear_at[b, p, 2] = z
                last_clear[b] = c
                last_at[b, 0] = s[o]
                last_at[b, 1] = s[o + 1]
                last_at[b, 2] = s[o + 2]
        if best_b >= 0:
            # the located event, then any other body's event that happened at the same instant
            # (rider and bike leave the ramp lip together)
            for b in range(nb):
                for ev in range(_N_EVENTS):
                    if not (b == best_b and ev == best_ev):
                        if g0[b, ev] == np.inf or g0[b, ev] <= 0.0:
                            continue
                        if _event_value(ev, b, s, tab, phase, elev, meta) > EVENT_TOLERANCE:
                            continue
                    row = tab[b, phase[b]]
                    if ev == _EV_CONTACT:
                        contact_from[b] = phase[b]
                        nxt = int(row[ph.NEXT_ON_CONTACT])
                    elif ev == _EV_HEIGHT:
                        nxt = int(row[ph.NEXT_ON_HEIGHT])
                    elif ev == _EV_SPEED:
                        nxt = int(row[ph.NEXT_ON_SPEED])
                    else:
                        nxt = int(row[ph.NEXT_ON_LIP])
                    _enter(b, nxt, t, s, tab, phase, t_entry, t_end, t_fill, nb, elev, meta, wh, we, wn, env, g,
                           entry_t, entry_state, t_datum)
                    break
    if rec_on and n_rec < max_rec:
        _derivative(t, s, work[0], tab, phase, t_entry, t_fill, nb, elev, meta, wh, we, wn, env, g)
        _record(rec, n_rec, t, s, work[0], phase, nb, g)
        n_rec += 1
    return status, t, n_rec


@numba.njit(cache=True, parallel=True)
def _run_kernel(tables, init, elev, meta, wh, we, wn, env, g, t_max,
                entry_t, entry_state, min_clear, min_clear_at, peak_g, contact_from,
                status, t_final, t_datum, rec, rec_len):
    n = init.shape[0]
    nb = init.shape[1]
    n_rec = rec.shape[0]
    for i in prange(n):
        tab = tables[i] if tables.shape[0] > 1 else tables[0]
        e = env[i] if env.shape[0] > 1 else env[0]
        ri = i * (i < n_rec)  # this sample's path slot, or slot 0 (unused) when not recording
        st, tf, k = _simulate_one(
            tab, init[i].ravel(), nb, elev, meta, wh, we, wn, e, g, t_max,
            entry_t[i], entry_state[i], min_clear[i], min_clear_at[i], peak_g[i], contact_from[i],
            t_datum[i : i + 1], rec[ri], i < n_rec,
        )
        status[i] = st
        t_final[i] = tf
        if i < n_rec:
            rec_len[i] = k


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
        entry_t, entry_state, min_clear, min_clear_at, peak, contact_from, status, t_final, t_datum, rec, rec_len,
    )
    return EnsembleResult(
        entry_t, entry_state, min_clear, min_clear_at, peak, contact_from, status, t_final, t_datum,
        rec[:n_rec], rec_len[:n_rec],
    )
