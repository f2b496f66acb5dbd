"""The vocabulary of uncertain inputs: which scenario values a risk analysis may vary.

One source of truth for the ``[uncertainty]`` section's validation (names,
dimensions, physical domains) and for :mod:`stuntsim.analysis.sampling`, which
turns drawn values into the engine's arrays. Each name is a dotted scenario path
(``"parachute.pull_time"``) or a factor on a scenario value
(``"wind.speed_factor"``); values are SI floats.

The sampler's uniforms are clipped to ``[UNIFORM_LOW, UNIFORM_HIGH]``, so every
distribution reaches only a known range (:func:`distribution_support`): a normal
never further than ``NORMAL_REACH`` standard deviations from its mean. The
scenario checks that this range stays inside each input's physical domain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

__all__ = [
    "DISTRIBUTION_PARAMETERS",
    "NORMAL_REACH",
    "OPTIONAL_PARAMETERS",
    "PLAIN_PARAMETERS",
    "SUPPORTED_INPUTS",
    "UNIFORM_HIGH",
    "UNIFORM_LOW",
    "InputSpec",
    "distribution_support",
]

#: Least and greatest uniform the sampler hands to an inverse CDF: the smallest
#: positive value of a 53-bit uniform and the largest double below 1.
UNIFORM_LOW = 2.0**-53
UNIFORM_HIGH = 1.0 - 2.0**-53
#: How many standard deviations from its mean a sampled normal can reach (about 8.2).
NORMAL_REACH = -NormalDist().inv_cdf(UNIFORM_LOW)

#: The parameters each distribution takes (``weights`` of "choice" is optional).
DISTRIBUTION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "truncated_normal": ("mean", "sd", "low", "high"),
    "uniform": ("low", "high"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
    "choice": ("values", "weights"),
}
OPTIONAL_PARAMETERS = frozenset({"weights"})
#: Parameters that are plain numbers whatever the input's dimension.
PLAIN_PARAMETERS = frozenset({"sigma", "weights"})


@dataclass(frozen=True)
class InputSpec:
    """One input a risk analysis may vary.

    Attributes
    ----------
    dimension : str
        A key of :data:`stuntsim.scenario.units.DIMENSIONS` or ``"dimensionless"``.
    description : str
        What the value changes in a flight, for people.
    section : str
        The scenario section that must be present (``"ramp"``, ``"exit"``, ...).
    nominal : callable
        ``nominal(scenario) -> float``: the scenario's own value [SI].
    minimum, maximum : float or None
        The physical domain [SI]; ``minimum_inclusive`` says whether the minimum
        itself is allowed.
    """

    dimension: str
    description: str
    section: str
    nominal: Callable[[Any], float]
    minimum: float | None = None
    minimum_inclusive: bool = True
    maximum: float | None = None

    def unavailable(self, scenario: Any) -> str | None:
        """Why the input cannot apply to ``scenario``, or None if it can."""
        if getattr(scenario, self.section, None) is None:
            return f"the scenario has no [{self.section}] section"
        if self.section == "wind" and scenario.wind.model == "calm":
            return 'the wind is calm (wind.model = "calm"), so there is no wind to scale or veer'
        return None

    def domain_text(self, show: Callable[[float], str]) -> str:
        """The domain in words, e.g. ``"above 0 s"``, each bound formatted by ``show``."""
        parts = []
        if self.minimum is not None:
            parts.append(f"{'at least' if self.minimum_inclusive else 'above'} {show(self.minimum)}")
        if self.maximum is not None:
            parts.append(f"at most {show(self.maximum)}")
        return " and ".join(parts)


def _field(section: str, name: str) -> Callable[[Any], float]:
    return lambda scenario: float(getattr(getattr(scenario, section), name))


def _freefall_drag_area(scenario: Any) -> float:
    performer = scenario.performer
    return float(performer.drag_areas[performer.freefall_configuration])


def _constant(value: float) -> Callable[[Any], float]:
    return lambda scenario: value


#: Every input a scenario's ``[[uncertainty.inputs]]`` may name.
SUPPORTED_INPUTS: dict[str, InputSpec] = {
    "ramp.target_speed": InputSpec(
        "speed", "the launch speed the rider aims at on the ramp (both bodies' ramp phase)", "ramp",
        _field("ramp", "target_speed"), 0.0, False,
    ),
    "ramp.traction_coefficient": InputSpec(
        "dimensionless", "tyre-deck friction coefficient on the ramp", "ramp",
        _field("ramp", "traction_coefficient"), 0.0, False, 2.0,
    ),
    "separation.time": InputSpec(
        "time", "time after the lip when the rider lets go of the bike", "separation",
        _field("separation", "time"), 0.0, False,
    ),
    "separation.impulse": InputSpec(
        "impulse", "push-off impulse between rider and bike, along the scenario's push direction", "separation",
        _field("separation", "impulse"), 0.0, True,
    ),
    "parachute.pull_time": InputSpec(
        "time", "time of the pull after the datum event", "parachute",
        _field("parachute", "pull_time"), 0.0, False,
    ),
    "parachute.throw_delay": InputSpec(
        "time", "from the pull to the pilot chute leaving the hand", "parachute",
        _field("parachute", "throw_delay"), 0.0, True,
    ),
    "parachute.fill_constant": InputSpec(
        "dimensionless", "Knacke's canopy fill constant n (the fill time scales with it)", "parachute",
        _field("parachute", "fill_constant"), 0.0, False,
    ),
    "parachute.opening_heading_error": InputSpec(
        "angle", "canopy heading at opening minus the jump heading", "parachute",
        _field("parachute", "opening_heading_error"),
    ),
    "parachute.turn_reaction_time": InputSpec(
        "time", "from full canopy to the performer steering", "parachute",
        _field("parachute", "turn_reaction_time"), 0.0, True,
    ),
    "performer.mass": InputSpec(
        "mass", "performer's mass with rig (alone after separation, with the bike before)", "performer",
        _field("performer", "mass"), 0.0, False,
    ),
    "bike.mass": InputSpec(
        "mass", "the motorcycle's mass (alone after separation, with the rider before)", "bike",
        _field("bike", "mass"), 0.0, False,
    ),
    "performer.freefall_drag_area": InputSpec(
        "area", "performer's drag area in the freefall configuration, up to the start of inflation", "performer",
        _freefall_drag_area, 0.0, False,
    ),
    "bike.drag_area": InputSpec(
        "area", "drag area of the bike tumbling alone after separation", "bike",
        _field("bike", "drag_area"), 0.0, False,
    ),
    "wind.speed_factor": InputSpec(
        "dimensionless",
        "factor on the scenario's whole wind profile (also how gusts are modelled: a sample's wind is "
        "the profile times this factor for the whole flight)",
        "wind", _constant(1.0), 0.0, True,
    ),
    "wind.direction_offset": InputSpec(
        "angle", "the scenario's wind profile veered clockwise by this angle", "wind", _constant(0.0),
    ),
    "atmosphere.temperature_offset": InputSpec(
        "temperature_difference", "temperature difference from the standard atmosphere", "atmosphere",
        _field("atmosphere", "temperature_offset"),
    ),
    "exit.speed": InputSpec(
        "speed", "ground speed at exit, along the exit heading and flight-path angle", "exit",
        _field("exit", "speed"), 0.0, True,
    ),
    "exit.height": InputSpec(
        "length", "height of the exit point above the datum", "exit", _field("exit", "height"),
    ),
}


def distribution_support(distribution: str, parameters: Mapping[str, Any]) -> tuple[float, float]:
    """The least and greatest value the sampler can draw from a distribution [SI].

    Parameters
    ----------
    distribution : str
        A key of :data:`DISTRIBUTION_PARAMETERS`.
    parameters : mapping
        Its parameters in SI (``values`` a sequence).

    Notes
    -----
    Uniforms lie in [``UNIFORM_LOW``, ``UNIFORM_HIGH``], so a normal reaches
    ``mean +/- NORMAL_REACH sd`` and a lognormal ``median exp(+/- NORMAL_REACH sigma)``;
    the bounded distributions reach their bounds.
    """
    p = parameters
    if distribution == "normal":
        return p["mean"] - NORMAL_REACH * p["sd"], p["mean"] + NORMAL_REACH * p["sd"]
    if distribution == "lognormal":
        return p["median"] * math.exp(-NORMAL_REACH * p["sigma"]), p["median"] * math.exp(NORMAL_REACH * p["sigma"])
    if distribution in ("truncated_normal", "uniform", "triangular"):
        return p["low"], p["high"]
    if distribution == "choice":
        values = list(p["values"])
        weights = p.get("weights")
        if weights is not None:
            values = [v for v, w in zip(values, weights, strict=False) if w > 0] or values
        return min(values), max(values)
    raise ValueError(f"unknown distribution {distribution!r}")
