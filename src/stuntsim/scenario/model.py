"""Frozen, validated scenario models: one class per TOML section, ``Scenario`` at the root.

Every dimensional value in a scenario file is a string with its unit; the
annotated types from :mod:`stuntsim.scenario.units` parse it once into an SI
float (m, m s-1, kg, m2, rad, s, K). Nothing here holds a pint object.

Frame: local ENU (east, north, up), origin at the named datum of ``[site]``
(``site.datum``, at ``site.datum_elevation_msl`` above mean sea level).
Directions (``heading_true``, ``direction_from``) are bearings clockwise from
true north in [0, 2 pi) [rad].

Adding a section: write a ``Section`` subclass and add a field to ``Scenario``.
The loader's error messages (unknown keys, missing fields) read the models, so
they need no change. Cross-field checks raise :class:`SectionProblems`, which
names the exact sub-field of each problem.

Models are validated from TOML-like data (strings with units). A Python caller
holding SI floats validates with ``context=SI_NUMBERS_CONTEXT``, e.g.
``Exit.model_validate({"height": 3.0}, context=SI_NUMBERS_CONTEXT)``.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from stuntsim.scenario.terrain_files import TerrainFileError, read_elevation_grid, read_profile_csv
from stuntsim.scenario.units import (
    Bearing,
    FieldValueError,
    Length,
    NonNegativeLength,
    NonNegativeSpeed,
    PositiveArea,
    PositiveDuration,
    PositiveLength,
    PositiveMass,
    TemperatureDifference,
    describe_value,
    parse_quantity,
    quantity_type,
    si_float,
)

if TYPE_CHECKING:
    from os import PathLike

__all__ = [
    "Atmosphere",
    "ElevationGrid",
    "Exit",
    "Performer",
    "Scenario",
    "ScenarioInfo",
    "Section",
    "SectionProblems",
    "Simulation",
    "Site",
    "Terrain",
    "Wind",
    "WindLayer",
]

Loc = tuple[str | int, ...]


class SectionProblems(ValueError):
    """Problems found by a cross-field check, each at a sub-field of the section.

    Parameters
    ----------
    problems : list of (loc, message)
        ``loc`` is relative to the model or field that raised, e.g.
        ``("reference_speed",)`` or ``(2, "height_agl")``.
    """

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {message}" for loc, message in problems))


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys refused, defaults validated."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    #: Fields filled in by the loader, never written in a scenario file.
    internal_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def toml_keys(cls) -> list[str]:
        """The keys a scenario file may give in this section, in declaration order."""
        return [name for name in cls.model_fields if name not in cls.internal_fields]


def _not_used(owner: str, value: str, belongs_to: str) -> str:
    return (
        f"not used when {owner} is {describe_value(value)} (it belongs to {owner} = "
        f"{describe_value(belongs_to)}); remove it or change {owner}"
    )


def _show(value_si: float, si_unit: str) -> str:
    """An SI value for a message, up to six significant figures: ``_show(10.0, "s")`` -> ``"10 s"``."""
    return f"{value_si:,.6g} {si_unit}"


def _text(expected: str, *, pattern: re.Pattern[str] | None = None) -> Any:
    """A non-empty string field (no numbers or tables), optionally matching a pattern."""

    def validate(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or (pattern is not None and not pattern.match(value)):
            raise FieldValueError("", value, describe_value(value), expected)
        return value

    return Annotated[str, BeforeValidator(validate), Field(description=expected)]


def _plain_number(value: Any) -> float:
    return parse_quantity(value, "dimensionless")


def _toml_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldValueError("", value, describe_value(value), "a TOML date such as 2020-09-06 (no quotes, no time)")


# --------------------------------------------------------------------------- [scenario]
class ScenarioInfo(Section):
    """``[scenario]``: what the scenario is called.

    Attributes
    ----------
    name : str
        Short name, lowercase letters, digits and hyphens (``"freefall-demo"``).
    title : str
        One-line title.
    description : str
        Free text.
    """

    name: _text(
        'a short name of lowercase letters, digits and hyphens, such as "freefall-demo"',
        pattern=re.compile(r"^[a-z0-9-]+$"),
    )
    title: _text('a one-line title in quotes, such as "Standing-start BASE freefall"')
    description: str = ""


# --------------------------------------------------------------------------- [site]
class Site(Section):
    """``[site]``: where and when, and the datum that is the origin of the ENU frame.

    Attributes
    ----------
    name : str
        Name of the place.
    latitude : float
        Geodetic latitude, north positive [rad].
    longitude : float
        Longitude, east positive [rad].
    date : datetime.date
        Local calendar date of the stunt.
    timezone : str
        IANA time-zone name (``"Europe/Oslo"``).
    datum : str
        Name of the ENU origin (``"ramp lip"``, ``"exit point"``).
    datum_elevation_msl : float
        Elevation of the datum above mean sea level [m].
    heading_true : float
        Intended jump heading, clockwise from true north, in [0, 2 pi) [rad].
    """

    name: _text('the name of the place in quotes, such as "Helsetkopen"')
    latitude: quantity_type(
        "angle",
        ge=-math.pi / 2,
        le=math.pi / 2,
        expected='a latitude from -90 deg to 90 deg, north positive, such as "62.08 deg"',
    )
    longitude: quantity_type(
        "angle",
        ge=-math.pi,
        le=math.pi,
        expected='a longitude from -180 deg to 180 deg, east positive, such as "6.87 deg"',
    )
    date: Annotated[
        datetime.date,
        BeforeValidator(_toml_date),
        Field(description="a TOML date such as 2020-09-06 (no quotes)"),
    ]
    timezone: _text('an IANA time-zone name such as "Europe/Oslo"')
    datum: _text('the name of the origin of the local frame, such as "ramp lip" or "exit point"')
    datum_elevation_msl: Length
    heading_true: Bearing = "0 deg"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise FieldValueError(
                "", value, describe_value(value), f'an IANA time-zone name such as "Europe/Oslo"{hint}'
            ) from None
        return value


# --------------------------------------------------------------------------- [atmosphere]
class Atmosphere(Section):
    """``[atmosphere]``: the 1976 standard atmosphere with a temperature offset.

    Attributes
    ----------
    temperature_offset : float
        Temperature difference from the standard atmosphere at every height [K].
    """

    temperature_offset: TemperatureDifference = "0 K"


# --------------------------------------------------------------------------- [wind]
class WindLayer(Section):
    """One ``[[wind.layers]]`` entry: the wind at one height above ground.

    Attributes
    ----------
    height_agl : float
        Height above ground level [m].
    speed : float
        Wind speed [m s-1].
    direction_from : float
        Direction the wind blows from, clockwise from true north [rad].
    """

    height_agl: NonNegativeLength
    speed: NonNegativeSpeed
    direction_from: Bearing


_WIND_MODEL_FIELDS: dict[str, frozenset[str]] = {
    "calm": frozenset(),
    "layers": frozenset({"layers"}),
    "power_law": frozenset({"reference_speed", "reference_height", "exponent", "direction_from"}),
}


class Wind(Section):
    """``[wind]``: calm, a layered profile, or a power law.

    Attributes
    ----------
    model : {"calm", "layers", "power_law"}
        Which profile.
    layers : tuple of WindLayer or None
        For ``"layers"``: heights strictly increasing, at least one.
    reference_speed : float or None
        For ``"power_law"``: speed at ``reference_height`` [m s-1].
    reference_height : float
        For ``"power_law"``: height of ``reference_speed`` above ground [m].
    exponent : float
        For ``"power_law"``: ``v(h) = reference_speed (h / reference_height)**exponent``
        [-], 0 < exponent < 1 (0.143, the 1/7 law, by default).
    direction_from : float or None
        For ``"power_law"``: direction the wind blows from, clockwise from true north [rad].

    Notes
    -----
    ``reference_height`` and ``exponent`` keep their defaults (unused) for the
    other models; giving any field of another model is an error.
    """

    model: Literal["layers", "power_law", "calm"] = Field(
        default="calm", description='one of "calm", "layers", "power_law"'
    )
    layers: tuple[WindLayer, ...] | None = Field(
        default=None,
        description="one [[wind.layers]] table per height, each with height_agl, speed and direction_from",
    )
    reference_speed: NonNegativeSpeed | None = None
    reference_height: PositiveLength = "10 m"
    exponent: Annotated[float, BeforeValidator(_plain_number)] = Field(
        default=0.143, description="a plain number between 0 and 1, such as 0.143"
    )
    direction_from: Bearing | None = None

    @field_validator("layers")
    @classmethod
    def _heights_increase(cls, layers: tuple[WindLayer, ...] | None) -> tuple[WindLayer, ...] | None:
        if layers is None:
            return None
        problems: list[tuple[Loc, str]] = []
        for index in range(1, len(layers)):
            height, below = layers[index].height_agl, layers[index - 1].height_agl
            if height <= below:
                problems.append(
                    (
                        (index, "height_agl"),
                        f"got {_show(height, 'm')}, not above the {_show(below, 'm')} "
                        f"of wind.layers[{index - 1}]; expected heights that increase strictly from one layer "
                        "to the next",
                    )
                )
        if problems:
            raise SectionProblems(problems)
        return layers

    @field_validator("exponent")
    @classmethod
    def _exponent_range(cls, value: float) -> float:
        if not 0.0 < value < 1.0:
            raise FieldValueError("", value, describe_value(value), "a plain number between 0 and 1, such as 0.143")
        return value

    @model_validator(mode="after")
    def _fields_match_model(self) -> Wind:
        problems: list[tuple[Loc, str]] = []
        given = self.model_fields_set
        for model, fields in _WIND_MODEL_FIELDS.items():
            if model != self.model:
                for name in sorted((fields - _WIND_MODEL_FIELDS[self.model]) & given):
                    problems.append(((name,), _not_used("wind.model", self.model, model)))
        if self.model == "layers" and not self.layers:
            problems.append(
                (
                    ("layers",),
                    'required when wind.model is "layers"; expected at least one [[wind.layers]] table '
                    'with height_agl, speed and direction_from, such as height_agl = "10 m", '
                    'speed = "5 m/s", direction_from = "270 deg"',
                )
            )
        if self.model == "power_law":
            if self.reference_speed is None:
                problems.append(
                    (("reference_speed",), 'required when wind.model is "power_law"; expected a speed such as "8 m/s"')
                )
            if self.direction_from is None:
                problems.append(
                    (
                        ("direction_from",),
                        'required when wind.model is "power_law"; expected the direction the wind blows from, '
                        'clockwise from true north, such as "270 deg"',
                    )
                )
        if problems:
            raise SectionProblems(problems)
        return self


# --------------------------------------------------------------------------- [terrain]
@dataclass(frozen=True, eq=False)
class ElevationGrid:
    """A terrain grid read from a file: read-only elevations [m MSL].

    Attributes
    ----------
    elevation_msl : numpy.ndarray
        Read-only float64 array, rows = north index, columns = east index,
        elevation above mean sea level [m].
    digest : str
        sha256 of the array bytes; equality and hashing use it.
    """

    elevation_msl: np.ndarray
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        array = np.ascontiguousarray(self.elevation_msl, dtype=np.float64)
        if array.flags.writeable:
            array = array.copy()
            array.setflags(write=False)
        object.__setattr__(self, "elevation_msl", array)
        digest = hashlib.sha256(repr(array.shape).encode() + array.tobytes()).hexdigest()
        object.__setattr__(self, "digest", digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElevationGrid) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"ElevationGrid(shape={self.elevation_msl.shape}, digest={self.digest[:12]})"


_TERRAIN_KIND_FIELDS: dict[str, frozenset[str]] = {
    "flat": frozenset({"elevation_msl"}),
    "profile": frozenset({"points", "file"}),
    "grid": frozenset({"file", "spacing", "origin_east", "origin_north", "elevation_unit"}),
}


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    return Path(context.get("base_dir", "."))


class Terrain(Section):
    """``[terrain]``: flat ground, a profile along the jump heading, or a grid.

    Attributes
    ----------
    kind : {"flat", "profile", "grid"}
        Which representation.
    elevation_msl : float or None
        For ``"flat"``: ground elevation above mean sea level [m].
    points : tuple of (float, float) or None
        For ``"profile"``: (distance along the jump heading from the datum [m],
        elevation above mean sea level [m]), distances strictly increasing, at
        least two. Given inline or read from ``file``.
    file : str or None
        For ``"profile"`` (CSV) or ``"grid"`` (``.npz`` or ``.csv``): path
        relative to the scenario file, kept as written.
    spacing : float or None
        For ``"grid"``: distance between grid nodes, east and north [m].
    origin_east, origin_north : float
        For ``"grid"``: position of node [0, 0] relative to the datum [m].
    elevation_unit : str
        For ``"grid"``: unit of the numbers in the grid file (``"m"``, ``"ft"``).
    grid : ElevationGrid or None
        For ``"grid"``: the elevations read from ``file`` [m MSL]; filled in on
        validation, never written in a scenario file.

    Notes
    -----
    Files are read while the model validates, relative to the validation
    context's ``base_dir`` (the loader passes the scenario file's folder; the
    current directory otherwise). The grid is held as a read-only numpy array
    inside :class:`ElevationGrid`, so that the frozen model stays comparable.
    """

    internal_fields: ClassVar[frozenset[str]] = frozenset({"grid"})
    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: Literal["flat", "profile", "grid"] = Field(description='one of "flat", "profile", "grid"')
    elevation_msl: Length | None = None
    points: tuple[tuple[Length, Length], ...] | None = Field(
        default=None,
        description='an array of [distance, elevation MSL] pairs, such as [["0 m", "1200 m"], ["300 m", "700 m"]]',
    )
    file: str | None = Field(default=None, description='a file name relative to the scenario file, such as "profile.csv"')
    spacing: PositiveLength | None = None
    origin_east: Length = "0 m"
    origin_north: Length = "0 m"
    elevation_unit: str = Field(default="m", description='a length unit such as "m" or "ft"')
    grid: ElevationGrid | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if "grid" in data and not isinstance(data["grid"], ElevationGrid):
            raise SectionProblems([(("grid",), "unknown key; the grid is read from terrain.file")])
        kind, file = data.get("kind"), data.get("file")
        if kind not in ("profile", "grid") or not isinstance(file, str):
            return data
        if kind == "profile" and "points" in data:
            raise SectionProblems(
                [(("file",), 'give either terrain.points or terrain.file for a "profile", not both')]
            )
        path = _base_dir(info) / file
        data = dict(data)
        try:
            if kind == "profile":
                points = read_profile_csv(path)
                data["points"] = tuple((si_float(distance), si_float(height)) for distance, height in points)
            elif "grid" not in data:
                metres_per_unit = 1.0
                unit = data.get("elevation_unit", "m")
                if isinstance(unit, str):
                    try:
                        metres_per_unit = parse_quantity(f"1 {unit}", "length")
                    except ValueError:
                        pass  # reported by the elevation_unit check
                data["grid"] = ElevationGrid(read_elevation_grid(path, metres_per_unit))
        except TerrainFileError as error:
            raise SectionProblems([(("file",), f"{describe_value(file)}: {error}")]) from None
        return data

    @field_validator("points")
    @classmethod
    def _points_increase(cls, points: tuple[tuple[float, float], ...] | None) -> tuple[tuple[float, float], ...] | None:
        if points is None:
            return None
        if len(points) < 2:
            raise FieldValueError(
                "", f"{len(points)} point(s)", f"{len(points)} point(s)", "at least 2 [distance, elevation MSL] pairs"
            )
        problems: list[tuple[Loc, str]] = []
        for index in range(1, len(points)):
            if points[index][0] <= points[index - 1][0]:
                problems.append(
                    (
                        (index, 0),
                        f"got {_show(points[index][0], 'm')}, not beyond the "
                        f"{_show(points[index - 1][0], 'm')} of terrain.points[{index - 1}]; "
                        "expected distances that increase strictly",
                    )
                )
        if problems:
            raise SectionProblems(problems)
        return tuple((float(distance), float(height)) for distance, height in points)

    @field_validator("elevation_unit")
    @classmethod
    def _length_unit(cls, unit: Any) -> str:
        try:
            parse_quantity(f"1 {unit}", "length")
        except ValueError:
            raise FieldValueError("", unit, describe_value(unit), 'a length unit such as "m" or "ft"') from None
        return unit

    @model_validator(mode="after")
    def _fields_match_kind(self) -> Terrain:
        problems: list[tuple[Loc, str]] = []
        given = self.model_fields_set - {"kind", "grid"}
        for name in sorted(given - _TERRAIN_KIND_FIELDS[self.kind]):
            owner = next(kind for kind, fields in _TERRAIN_KIND_FIELDS.items() if name in fields)
            problems.append(((name,), _not_used("terrain.kind", self.kind, owner)))
        if self.kind == "flat" and self.elevation_msl is None:
            problems.append(
                (("elevation_msl",), 'required when terrain.kind is "flat"; expected a length such as "700 m"')
            )
        if self.kind == "profile" and self.points is None:
            problems.append(
                (
                    ("points",),
                    'required when terrain.kind is "profile" (or give terrain.file); expected an array of '
                    '[distance, elevation MSL] pairs such as [["0 m", "1200 m"], ["300 m", "700 m"]]',
                )
            )
        if self.kind == "grid":
            if self.file is None:
                problems.append(
                    (("file",), 'required when terrain.kind is "grid"; expected a .npz or .csv file such as "dem.npz"')
                )
            if self.spacing is None:
                problems.append(
                    (("spacing",), 'required when terrain.kind is "grid"; expected a positive length such as "10 m"')
                )
        if problems:
            raise SectionProblems(problems)
        return self


# --------------------------------------------------------------------------- [performer]
class Performer(Section):
    """``[performer]``: the jumper with the rig.

    Attributes
    ----------
    name : str
        Who (or which role).
    mass : float
        Mass with rig and clothing [kg].
    drag_areas : dict of str to float
        Drag area C_D*A per body configuration (``"belly"``, ``"head_down"``) [m2].
    freefall_configuration : str
        The configuration used in freefall; a key of ``drag_areas``.
    """

    name: _text('a name in quotes, such as "performer"') = "performer"
    mass: PositiveMass
    drag_areas: dict[str, PositiveArea] = Field(
        description='a table of configuration = drag area, such as { belly = "0.48 m^2" }'
    )
    freefall_configuration: _text('the name of one of the performer.drag_areas, such as "belly"')

    @field_validator("drag_areas")
    @classmethod
    def _at_least_one(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise FieldValueError(
                "", value, "an empty table", 'at least one configuration with its drag area, such as belly = "0.48 m^2"'
            )
        return value

    @field_validator("freefall_configuration")
    @classmethod
    def _known_configuration(cls, value: str, info: ValidationInfo) -> str:
        drag_areas = info.data.get("drag_areas")
        if drag_areas is not None and value not in drag_areas:
            names = ", ".join(f'"{name}"' for name in drag_areas)
            raise FieldValueError(
                "", value, describe_value(value), f"one of the configurations in performer.drag_areas: {names}"
            )
        return value


# --------------------------------------------------------------------------- [exit]
class Exit(Section):
    """``[exit]``: the state at the moment of leaving (ramp lip, cliff edge, aircraft door).

    Attributes
    ----------
    height : float
        Height of the exit point above the datum [m].
    speed : float
        Ground speed at exit [m s-1].
    flight_path_angle : float
        Angle of the velocity above horizontal, -pi/2 to pi/2 [rad].
    heading_true : float or None
        Direction of the horizontal velocity, clockwise from true north [rad];
        ``None`` means ``site.heading_true`` (see ``Scenario.exit_heading_true``).
    """

    height: Length = "0 m"
    speed: NonNegativeSpeed = "0 m/s"
    flight_path_angle: quantity_type(
        "angle",
        ge=-math.pi / 2,
        le=math.pi / 2,
        expected='an angle above horizontal from -90 deg to 90 deg, such as "-6 deg"',
    ) = "0 deg"
    heading_true: Bearing | None = None


# --------------------------------------------------------------------------- [simulation]
class Simulation(Section):
    """``[simulation]``: integration settings.

    Attributes
    ----------
    time_step : float
        Integration step [s].
    max_time : float
        Time after which a run stops [s].
    """

    time_step: PositiveDuration = "0.01 s"
    max_time: PositiveDuration = "600 s"

    @model_validator(mode="after")
    def _step_below_max(self) -> Simulation:
        if self.time_step >= self.max_time:
            raise SectionProblems(
                [
                    (
                        ("time_step",),
                        f"got {_show(self.time_step, 's')}, not shorter than simulation.max_time "
                        f"({_show(self.max_time, 's')}); expected a step shorter than max_time",
                    )
                ]
            )
        return self


# --------------------------------------------------------------------------- root
class Scenario(Section):
    """A whole scenario: one field per TOML section.

    Attributes
    ----------
    scenario, site, atmosphere, wind, terrain, performer, exit, simulation
        The sections. ``[atmosphere]`` and ``[simulation]`` default to their
        defaults; ``[exit]`` is optional (``None``: standing start at the datum).
    source_path : str or None
        The file the scenario was loaded from (``None`` if built in Python).
    scenario_hash : str
        sha256 (hex) of the scenario file's bytes, or of a built-in's text with
        ``\\n`` line ends; ``""`` if built in Python. Filled in by the loader.
    """

    internal_fields: ClassVar[frozenset[str]] = frozenset({"source_path", "scenario_hash"})

    scenario: ScenarioInfo
    site: Site
    atmosphere: Atmosphere = Field(default_factory=Atmosphere)
    wind: Wind
    terrain: Terrain
    performer: Performer
    exit: Exit | None = None
    simulation: Simulation = Field(default_factory=Simulation)
    source_path: str | None = Field(default=None, exclude=True)
    scenario_hash: str = Field(default="", exclude=True)

    @property
    def exit_heading_true(self) -> float:
        """Heading of the exit velocity, clockwise from true north [rad] (the site heading by default)."""
        if self.exit is not None and self.exit.heading_true is not None:
            return self.exit.heading_true
        return self.site.heading_true

    @classmethod
    def from_toml(cls, name_or_path: str | PathLike[str]) -> Scenario:
        """Load a built-in scenario by name or a TOML file (see ``stuntsim.scenario.load_scenario``)."""
        from stuntsim.scenario.loader import load_scenario  # noqa: PLC0415 (the loader imports this module)

        return load_scenario(name_or_path)
