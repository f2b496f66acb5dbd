"""stuntsim.scenario: frozen, validated scenario models, TOML loading and units.

Units are parsed here, once, into SI floats; nothing below this layer sees a unit.
"""

from stuntsim.scenario.loader import (
    ScenarioError,
    ScenarioProblem,
    list_builtin_scenarios,
    load_scenario,
    load_scenario_text,
)
from stuntsim.scenario.model import (
    Atmosphere,
    ElevationGrid,
    Exit,
    Performer,
    Scenario,
    ScenarioInfo,
    Section,
    Simulation,
    Site,
    Terrain,
    Wind,
    WindLayer,
)
from stuntsim.scenario.units import SI_NUMBERS_CONTEXT, format_quantity, parse_quantity

__all__ = [
    "SI_NUMBERS_CONTEXT",
    "Atmosphere",
    "ElevationGrid",
    "Exit",
    "Performer",
    "Scenario",
    "ScenarioError",
    "ScenarioInfo",
    "ScenarioProblem",
    "Section",
    "Simulation",
    "Site",
    "Terrain",
    "Wind",
    "WindLayer",
    "format_quantity",
    "list_builtin_scenarios",
    "load_scenario",
    "load_scenario_text",
    "parse_quantity",
]
