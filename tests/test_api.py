"""stuntsim.api has the CLI's verbs and accepts names, paths and Scenario objects."""

from __future__ import annotations

from importlib.resources import files

from stuntsim import api


def test_api_plan_by_name_and_by_path_give_the_same_window():
    """`api.plan` on a built-in name and on the same file's path solves the same window."""
    by_name = api.plan("helsetkopen")
    path = files("stuntsim.scenario.library") / "helsetkopen.toml"
    by_path = api.plan(api.load_scenario(str(path)))
    assert by_name.window.earliest == by_path.window.earliest
    assert by_name.window.latest == by_path.window.latest
    assert by_name.verdict in ("GO", "NO-GO")


def test_api_simulate_and_risk_accept_a_scenario_object():
    """`api.simulate` and `api.risk` run on a loaded Scenario."""
    scenario = api.load_scenario("helsetkopen")
    assert api.simulate(scenario).completed
    assert api.risk(scenario, 256).n_samples == 256
