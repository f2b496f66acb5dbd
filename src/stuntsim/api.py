"""The Python API: the command line's verbs as functions.

Each takes a built-in scenario name, a path to a TOML file, or a loaded
:class:`~stuntsim.scenario.model.Scenario`, and returns the analysis' result data
(reports are separate views of it, in :mod:`stuntsim.report`).
"""

from __future__ import annotations


def load_scenario(name_or_path):
    """A built-in scenario by name, or a TOML file (see :mod:`stuntsim.scenario`)."""
    from stuntsim.scenario import load_scenario as load

    return load(name_or_path)


def _scenario(s):
    """A Scenario from a name, a path or a Scenario."""
    return load_scenario(s) if isinstance(s, str) or hasattr(s, "__fspath__") else s


def simulate(scenario):
    """One deterministic flight (:func:`stuntsim.simulate.flight.simulate`); a name, a path or a Scenario."""
    from stuntsim.simulate.flight import simulate as run

    return run(_scenario(scenario))


def plan(scenario):
    """Nominal flight, deployment window, wind sensitivity and verdict (:func:`stuntsim.analysis.plan.plan`)."""
    from stuntsim.analysis.plan import plan as run

    return run(_scenario(scenario))


def risk(scenario, samples: int, **kwargs):
    """Monte Carlo over the [uncertainty] inputs (:func:`stuntsim.analysis.risk.run_risk`)."""
    from stuntsim.analysis.risk import run_risk

    return run_risk(_scenario(scenario), samples, **kwargs)


def envelope(scenario, speeds, directions_deg, **kwargs):
    """Wind go/no-go envelope (:func:`stuntsim.analysis.envelope.wind_envelope`)."""
    from stuntsim.analysis.envelope import wind_envelope

    return wind_envelope(_scenario(scenario), speeds, directions_deg, **kwargs)
