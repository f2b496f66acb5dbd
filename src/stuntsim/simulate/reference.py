"""A slow, independent reference integrator of the same phase tables, with scipy's solve_ivp.

It reads the engine's phase tables and calls the same physics kernels, but does
its own integration (DOP853, tight tolerances), its own event location (solve_ivp
terminal events) and its own phase bookkeeping, written again on purpose in plain
Python. Two uses: a peer-method check of the engine's event times and states
(tests/validation), and the per-sample baseline the benchmarks measure the
engine against. It is one sample at a time and some thousand times slower.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp

from stuntsim.physics.atmosphere import density_kernel
from stuntsim.physics.canopy import (
    glider_aero_acceleration_kernel,
    inflation_drag_area_kernel,
    steering_bank_kernel,
)
from stuntsim.physics.drag import STANDARD_GRAVITY, drag_acceleration_kernel
from stuntsim.physics.ramp import ramp_acceleration_kernel
from stuntsim.physics.terrain import height_kernel
from stuntsim.physics.wind import wind_at_height_kernel
from stuntsim.simulate import phases as ph

Kind, Entry, Duration = ph.Kind, ph.Entry, ph.Duration


class _Run:
    def __init__(self, table, init, terrain, wind, env, gravity):
        self.tab = np.asarray(table)
        self.nb = init.shape[0]
        self.s = np.asarray(init, float).ravel().copy()
        self.elev, self.meta = terrain.elevation_msl, terrain.meta
        self.wind = wind
        self.env = np.asarray(env, float)
        self.g = gravity
        self.phase = [0] * self.nb
        self.t_entry = [0.0] * self.nb
        self.t_end = [math.inf] * self.nb
        self.t_datum = 0.0
        self.steering = [False] * self.nb  # set per integration segment: steering never switches inside one
        P = self.tab.shape[1]
        self.entry_time = np.full((self.nb, P), np.nan)
        self.entry_state = np.full((self.nb, P, 6 * self.nb), np.nan)

    # ---- environment
    def density(self, z):
        rho = self.env[ph.ENV_AIR_DENSITY]
        return rho if rho > 0 else density_kernel(z, self.env[ph.ENV_TEMPERATURE_OFFSET])

    def air(self, x, y, z):
        agl = max(z - height_kernel(self.elev, self.meta, x, y), 0.0)
        e, n = wind_at_height_kernel(agl, self.wind.heights_agl, self.wind.east, self.wind.north)
        f, r = self.env[ph.ENV_WIND_FACTOR], self.env[ph.ENV_WIND_ROTATION]
        return f * (e * math.cos(r) + n * math.sin(r)), f * (-e * math.sin(r) + n * math.cos(r))

    def row(self, b):
        return self.tab[b, self.phase[b]]

    # ---- dynamics
    def rhs(self, t, s):
        d = np.zeros_like(s)
        for b in range(self.nb):
            row = self.row(b)
            kind = int(row[ph.KIND])
            o = 6 * b
            if kind == Kind.FROZEN:
                continue
            x, y, z, vx, vy, vz = s[o : o + 6]
            d[o : o + 3] = vx, vy, vz
            rho = self.density(z)
            wx, wy = self.air(x, y, z)
            if kind == Kind.RAMP:
                psi, th = row[ph.HEADING], row[ph.RAMP_SLOPE]
                r = np.array([math.cos(th) * math.sin(psi), math.cos(th) * math.cos(psi), -math.sin(th)])
                speed = vx * r[0] + vy * r[1] + vz * r[2]
                # full throttle until the phase's speed exit; a target without one is held
                target = row[ph.TARGET_SPEED]
                if row[ph.NEXT_ON_SPEED] >= 0:
                    target = math.inf
                elif target < math.inf:
                    target = 0.0
                a = ramp_acceleration_kernel(speed, speed - (wx * r[0] + wy * r[1]), target, th,
                                             row[ph.MASS], row[ph.DRIVE_POWER], row[ph.TRACTION],
                                             row[ph.ROLLING_RESISTANCE], row[ph.DRAG_AREA], rho, self.g)
                d[o + 3 : o + 6] = a * r
                continue
            ux, uy, uz = vx - wx, vy - wy, vz
            j = int(row[ph.GROW_EXPONENT])
            fill = row[ph.GROW_TIME] if row[ph.GROW_TIME] > 0 else self.t_end[b] - self.t_entry[b]
            cda = row[ph.DRAG_AREA]
            if j > 0:
                cda = inflation_drag_area_kernel(t - self.t_entry[b], fill, row[ph.DRAG_AREA_START], cda, j)
            if kind == Kind.FLIGHT:
                a = drag_acceleration_kernel(ux, uy, uz, rho, cda, row[ph.MASS])
            else:
                bank = 0.0
                if self.steering[b]:
                    desired = math.atan2(row[ph.TARGET_EAST] - x, row[ph.TARGET_NORTH] - y)
                    err = (desired - math.atan2(ux, uy) + math.pi) % (2 * math.pi) - math.pi
                    distance = math.hypot(row[ph.TARGET_EAST] - x, row[ph.TARGET_NORTH] - y)
                    bank = steering_bank_kernel(err, distance, row[ph.BANK_GAIN], row[ph.MAX_BANK],
                                                row[ph.HOLDING_TURN], row[ph.HOLDING_RADIUS])
                cla = row[ph.LIFT_AREA]
                if j > 0:
                    cla = inflation_drag_area_kernel(t - self.t_entry[b], fill, row[ph.LIFT_AREA_START], cla, j)
                a = glider_aero_acceleration_kernel(ux, uy, uz, cla, cda, bank, rho, row[ph.MASS])
            d[o + 3], d[o + 4], d[o + 5] = a[0], a[1], a[2] - self.g
        return d

    # ---- events: (body, which, next phase column)
    def state_events(self):
        out = []
        for b in range(self.nb):
            row = self.row(b)
            kind = int(row[ph.KIND])
            if kind == Kind.RAMP:
                if row[ph.NEXT_ON_LIP] >= 0:
                    out.append((b, "lip", ph.NEXT_ON_LIP))
                if row[ph.NEXT_ON_SPEED] >= 0:
                    out.append((b, "speed", ph.NEXT_ON_SPEED))
            elif kind in (Kind.FLIGHT, Kind.GLIDE):
                if row[ph.NEXT_ON_CONTACT] >= 0:
                    out.append((b, "contact", ph.NEXT_ON_CONTACT))
                if row[ph.NEXT_ON_HEIGHT] >= 0:
                    out.append((b, "height", ph.NEXT_ON_HEIGHT))
                if row[ph.NEXT_ON_NEAR] >= 0:
                    out.append((b, "near", ph.NEXT_ON_NEAR))
        return out

    def event_value(self, b, which, s):
        o = 6 * b
        row = self.row(b)
        if which == "lip":
            psi, th = row[ph.HEADING], row[ph.RAMP_SLOPE]
            return -(s[o] * math.cos(th) * math.sin(psi) + s[o + 1] * math.cos(th) * math.cos(psi)
                     - (s[o + 2] - row[ph.RAMP_LIP_ALTITUDE]) * math.sin(th))
        if which == "speed":
            return row[ph.TARGET_SPEED] - float(np.linalg.norm(s[o + 3 : o + 6]))
        if which == "near":
            return math.hypot(s[o] - row[ph.TARGET_EAST], s[o + 1] - row[ph.TARGET_NORTH]) - row[ph.NEAR_DISTANCE]
        agl = s[o + 2] - height_kernel(self.elev, self.meta, s[o], s[o + 1])
        return agl - row[ph.EXIT_HEIGHT_AGL] if which == "height" else agl

    # ---- phase entry (the engine's rules, written again)
    def enter(self, b, p, t):
        row = self.tab[b, p]
        o = 6 * b
        s = self.s
        if row[ph.SETS_DATUM] > 0:
            self.t_datum = t
        action = int(row[ph.ENTRY])
        if action == Entry.IMPULSE:
            s[o + 3 : o + 6] += row[[ph.DV_EAST, ph.DV_NORTH, ph.DV_UP]]
        elif action == Entry.LIP:
            speed, lam, psi = np.linalg.norm(s[o + 3 : o + 6]), row[ph.LIP_ANGLE], row[ph.HEADING]
            s[o + 3 : o + 6] = speed * np.array([math.cos(lam) * math.sin(psi), math.cos(lam) * math.cos(psi),
                                                 math.sin(lam)])
        elif action == Entry.GLIDE:
            wx, wy = self.air(*s[o : o + 3])
            horizontal = max(math.hypot(s[o + 3] - wx, s[o + 4] - wy), 1.0)
            s[o + 3] = wx + horizontal * math.sin(row[ph.HEADING])
            s[o + 4] = wy + horizontal * math.cos(row[ph.HEADING])
        mode = int(row[ph.DURATION_MODE])
        if mode == Duration.ABSOLUTE:
            self.t_end[b] = self.t_datum + row[ph.DURATION_C0]
        elif mode == Duration.AFTER_ENTRY:
            wx, wy = self.air(*s[o : o + 3])
            air = max(math.sqrt((s[o + 3] - wx) ** 2 + (s[o + 4] - wy) ** 2 + s[o + 5] ** 2), 1.0)
            self.t_end[b] = t + row[ph.DURATION_C0] + row[ph.DURATION_C1] / air
        else:
            self.t_end[b] = math.inf
        self.phase[b] = p
        self.t_entry[b] = t
        self.entry_time[b, p] = t
        self.entry_state[b, p] = s
        if int(row[ph.KIND]) == Kind.FROZEN:
            s[o + 3 : o + 6] = 0.0

    def switches(self, t):
        """Set the steering flags at time t; the next switch inside a phase (steering on, growth over) after t."""
        nxt = math.inf
        for b in self.active():
            row = self.row(b)
            self.steering[b] = False
            if int(row[ph.KIND]) == Kind.GLIDE and row[ph.BANK_GAIN] > 0:
                t_on = self.t_entry[b] + row[ph.REACTION_TIME]
                self.steering[b] = t >= t_on
                if t < t_on:
                    nxt = min(nxt, t_on)
            t_grown = self.t_entry[b] + row[ph.GROW_TIME]
            if row[ph.GROW_EXPONENT] > 0 and row[ph.GROW_TIME] > 0 and t < t_grown:
                nxt = min(nxt, t_grown)
        return nxt

    def active(self):
        return [b for b in range(self.nb) if int(self.row(b)[ph.KIND]) != Kind.FROZEN]


def reference_flight(table, init, terrain, wind, env=ph.DEFAULT_ENV, *, max_time=600.0,
                     gravity=STANDARD_GRAVITY, rtol=1e-10, atol=1e-9):
    """Fly one sample through its phase tables with solve_ivp (DOP853).

    Parameters mirror :func:`stuntsim.simulate.engine.run_ensemble` for one sample:
    ``table`` (B, P, N_PARAMS), ``init`` (B, 6).

    Returns
    -------
    entry_time : (B, P) [s], NaN where a phase was never entered
    entry_state : (B, P, 6B)
    datum_time : float [s]
    """
    run = _Run(table, np.asarray(init, float), terrain, wind, env, gravity)
    for b in range(run.nb):
        run.enter(b, 0, 0.0)
    t = 0.0
    while run.active() and t < max_time:
        for b in run.active():
            guard = 0
            while run.t_end[b] <= t and guard < ph.MAX_PHASES and int(run.row(b)[ph.KIND]) != Kind.FROZEN:
                nxt = int(run.row(b)[ph.NEXT_ON_TIME])
                if nxt < 0:
                    run.t_end[b] = math.inf
                    break
                run.enter(b, nxt, t)
                guard += 1
        active = run.active()
        if not active:
            break
        t_stop = min(min(run.t_end[b] for b in active), run.switches(t), max_time)
        specs = [e for e in run.state_events() if run.event_value(e[0], e[1], run.s) > 0]
        functions = []
        for b, which, _ in specs:
            def f(tt, yy, b=b, which=which):
                return run.event_value(b, which, yy)
            f.terminal = True
            f.direction = -1
            functions.append(f)
        sol = solve_ivp(run.rhs, (t, t_stop), run.s, method="DOP853", rtol=rtol, atol=atol,
                        events=functions or None)
        hits = [(sol.t_events[i][0], i) for i in range(len(functions)) if len(sol.t_events[i])]
        if hits:
            t_hit, i = min(hits)
            run.s = sol.y_events[i][0].copy()
            t = float(t_hit)
            # the located event, then any other body's event that is due at the same state
            fired = set()
            for k, (b, which, column) in enumerate(specs):
                if b in fired:
                    continue
                if k == i or abs(run.event_value(b, which, run.s)) < 1e-7:
                    run.enter(b, int(run.row(b)[column]), t)
                    fired.add(b)
        else:
            run.s = sol.y[:, -1].copy()
            t = float(sol.t[-1])
    return run.entry_time, run.entry_state, run.t_datum
