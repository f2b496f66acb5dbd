"""The whole Helsetkopen flight against a peer method: solve_ivp (DOP853, rtol 1e-10) with its own
event location and phase bookkeeping (stuntsim.simulate.reference), on the same phase tables."""

from __future__ import annotations

import numpy as np
import pytest

from stuntsim.scenario import load_scenario
from stuntsim.simulate.build import compile_scenario
from stuntsim.simulate.flight import fly
from stuntsim.simulate.reference import reference_flight

# Event-time tolerance [s] and position tolerance [m] per phase entry. Up to full canopy
# the engine's steps are short and end on events: 1 ms (the bound) and 1 cm.
# Reaching the target speed on the ramp is a kink in the throttle law: 1 ms, 1 cm.
# The flare and touchdown come after ~170 s of banked glide on 0.5 s steps, where the
# bank limit is a kink: 50 ms and 0.5 m (the landing-zone radius is 60 m).
LATE = {"flare": (0.05, 0.5), "touchdown": (0.05, 0.5)}
EARLY = (1e-3, 0.01)


@pytest.fixture(scope="module")
def both():
    scenario = load_scenario("helsetkopen")
    compiled = compile_scenario(scenario)
    engine = fly(compiled, record=False).raw
    ref_time, ref_state, _ = reference_flight(compiled.tables[0], compiled.init[0], compiled.terrain, compiled.wind,
                                              compiled.env[0], max_time=compiled.max_time)
    return compiled, engine, ref_time, ref_state


def test_engine_enters_the_same_phases_as_solve_ivp_reference(both):
    """Both integrators visit the same phases of rider and bike."""
    _, engine, ref_time, _ = both
    np.testing.assert_array_equal(np.isnan(engine.entry_time[0]), np.isnan(ref_time))


def test_engine_event_times_and_positions_match_solve_ivp_reference(both):
    """Every phase entry lands within its stated tolerance of the solve_ivp reference."""
    compiled, engine, ref_time, ref_state = both
    for b, body in enumerate(compiled.bodies):
        for p, phase in enumerate(body.phases):
            if np.isnan(ref_time[b, p]):
                continue
            dt_tol, dx_tol = LATE.get(phase.name, EARLY)
            assert abs(engine.entry_time[0, b, p] - ref_time[b, p]) <= dt_tol, (body.name, phase.name)
            gap = np.abs(engine.entry_state[0, b, p, 6 * b : 6 * b + 3] - ref_state[b, p, 6 * b : 6 * b + 3]).max()
            assert gap <= dx_tol, (body.name, phase.name, gap)
