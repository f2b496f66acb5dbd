"""Criteria helpers on edge-case inputs."""

from __future__ import annotations

import warnings

import numpy as np

from stuntsim.analysis.criteria import crosswind_on_ramp
from stuntsim.scenario import load_scenario
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import compile_scenario


def test_crosswind_check_passes_a_never_launched_sample_through_quietly():
    """A sample that never reached the lip has a NaN launch speed: its crosswind limit is NaN, the
    other samples' are unchanged, and no numpy warning reaches the console (the envelope printed
    "invalid value encountered in longitudinal_force_demand_kernel")."""
    scenario = load_scenario("helsetkopen")
    compiled = compile_scenario(scenario)
    env = np.tile(np.array(ph.DEFAULT_ENV), (3, 1))
    env[:, ph.ENV_WIND_FACTOR] = 3.0
    launch = np.array([17.0, np.nan, 15.0])
    holding = np.array([True, False, False])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gust, limit = crosswind_on_ramp(scenario, compiled, env, launch, holding)
    assert np.isnan(limit[1]) and np.all(np.isfinite(limit[[0, 2]]))
    alone_gust, alone_limit = crosswind_on_ramp(scenario, compiled, env[[0, 2]], launch[[0, 2]], holding[[0, 2]])
    np.testing.assert_array_equal(limit[[0, 2]], alone_limit)
    np.testing.assert_array_equal(gust[[0, 2]], alone_gust)
