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

from stuntsim.scenario.terrain_files import TerrainFileError, read_elevation_grid, read_geotiff, read_profile_csv
from stuntsim.scenario.uncertain_inputs import (
    DISTRIBUTION_PARAMETERS,
    NORMAL_REACH,
    OPTIONAL_PARAMETERS,
    PLAIN_PARAMETERS,
    SUPPORTED_INPUTS,
    InputSpec,
    distribution_support,
)
from stuntsim.scenario.units import (
    DIMENSIONS,
    DISPLAY_UNITS,
    Angle,
    Bearing,
    FieldValueError,
    Length,
    NonNegativeDuration,
    NonNegativeLength,
    NonNegativeSpeed,
    PositiveArea,
    PositiveDuration,
    PositiveLength,
    PositiveMass,
    PositivePower,
    PositiveSpeed,
    TemperatureDifference,
    describe_value,
    parse_quantity,
    quantity_type,
    si_float,
    unit_registry,
)

if TYPE_CHECKING:
    from os import PathLike

__all__ = [
    "Atmosphere",
    "Bike",
    "Canopy",
    "Criteria",
    "Parachute",
    "Ramp",
    "Separation",
    "Zone",
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
    "UncertainInput",
    "Uncertainty",
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
                if path.suffix.lower() in (".tif", ".tiff"):
                    pixel = read_geotiff(path)[1]
                    spacing = data.get("spacing")
                    try:
                        spacing_m = parse_quantity(spacing, "length") if isinstance(spacing, str) else None
                    except ValueError:
                        spacing_m = None  # reported by the spacing check
                    if spacing_m is not None and abs(spacing_m - pixel) > 1e-6 * pixel:
                        raise SectionProblems([(("spacing",), f"got {_show(spacing_m, 'm')}, but the GeoTIFF's "
                                                f"pixels are {_show(pixel, 'm')}; expected the file's pixel size")])
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


# --------------------------------------------------------------------------- stunt sections
_Fraction = quantity_type("dimensionless", gt=0.0, le=2.0, expected="a plain number such as 0.6")
_PositiveNumber = quantity_type("dimensionless", gt=0.0, expected="a positive plain number such as 8")


class Bike(Section):
    """``[bike]``: the motorcycle.

    Attributes
    ----------
    mass : float
        Wet mass [kg].
    drag_area : float
        Drag area C_D*A of the bike alone, tumbling after the rider lets go [m2].
    drive_power : float
        Power at the rear wheel [W].
    """

    mass: PositiveMass
    drag_area: PositiveArea
    drive_power: PositivePower


class Ramp(Section):
    """``[ramp]``: the launch ramp, straight along ``site.heading_true``, its lip at the datum.

    Attributes
    ----------
    length : float
        Length of the ramp deck up to the lip [m].
    slope : float
        Angle of the deck below horizontal, positive downhill toward the lip [rad].
    lip_angle : float
        Angle of the kicker at the lip above horizontal [rad].
    width : float
        Width of the deck [m] (reported; the crosswind criterion is the tyre limit).
    entry_speed : float
        Speed at the top of the ramp [m s-1].
    target_speed : float
        The launch speed the rider aims for [m s-1].
    launch_speed_min, launch_speed_max : float
        The band of launch speeds the plan accepts [m s-1].
    traction_coefficient : float
        Tyre-deck friction coefficient mu [-].
    rolling_resistance : float
        Rolling-resistance coefficient C_rr [-].
    side_drag_area : float
        Side-on drag area of rider and bike for the crosswind force [m2].
    on_bike_configuration : str
        Key of ``performer.drag_areas`` for rider and bike flying together.
    time_step : float
        Integration step on the ramp [s].
    """

    length: PositiveLength
    slope: quantity_type("angle", ge=-math.pi / 4, le=math.pi / 4, expected='an angle from -45 deg to 45 deg, such as "10 deg"')
    lip_angle: quantity_type("angle", ge=-math.pi / 4, le=math.pi / 3, expected='an angle from -45 deg to 60 deg, such as "15 deg"')
    width: PositiveLength
    entry_speed: NonNegativeSpeed = "0 m/s"
    target_speed: PositiveSpeed
    launch_speed_min: NonNegativeSpeed
    launch_speed_max: PositiveSpeed
    traction_coefficient: _Fraction
    rolling_resistance: quantity_type("dimensionless", ge=0.0, lt=0.5, expected="a plain number such as 0.02")
    side_drag_area: PositiveArea
    on_bike_configuration: _text('the name of one of the performer.drag_areas, such as "on_bike"')
    time_step: PositiveDuration = "0.01 s"

    @model_validator(mode="after")
    def _band(self) -> Ramp:
        if self.launch_speed_min >= self.launch_speed_max:
            raise SectionProblems([(("launch_speed_min",), f"got {_show(self.launch_speed_min, 'm/s')}, not below "
                                   f"ramp.launch_speed_max ({_show(self.launch_speed_max, 'm/s')}); expected min < max")])
        return self


class Separation(Section):
    """``[separation]``: the rider letting go of the bike in the air.

    Attributes
    ----------
    time : float
        Time after the lip when the rider pushes off [s].
    impulse : float
        Push-off impulse between rider and bike [N s]; rider and bike get equal and
        opposite momentum changes.
    push_elevation : float
        Direction of the rider's push-off above horizontal [rad].
    push_azimuth : float
        Direction of the rider's push-off relative to the heading, clockwise [rad]
        (180 deg = backward).
    """

    time: PositiveDuration
    impulse: quantity_type("impulse", ge=0.0, expected='an impulse such as "100 N*s"')
    push_elevation: quantity_type("angle", ge=-math.pi / 2, le=math.pi / 2, expected='an angle from -90 deg to 90 deg, such as "45 deg"') = "45 deg"
    push_azimuth: Angle = "180 deg"


class Parachute(Section):
    """``[parachute]``: pull, pilot chute, line stretch and inflation (see physics.canopy).

    Attributes
    ----------
    pull_time : float
        Time of the pull after the datum event (ramp lip or exit) [s].
    throw_delay : float
        From the pull to the pilot chute leaving the hand [s].
    pilot_chute_diameter : float
        [m]
    pilot_chute_fill_constant : float
        Pilot-chute inflation distance in diameters [-].
    bridle_length, line_length : float
        [m]
    canopy_area : float
        Canopy planform area S0 [m2]; sets the nominal diameter of the fill time.
    fill_constant : float
        Knacke's canopy fill constant n in t_f = n D0 / v [-].
    growth_exponent : int
        Exponent j of the drag-area growth (t / t_f)^j during inflation [-].
    opening_heading_error : float
        Canopy heading at opening minus the intended heading [rad] (nominal case).
    off_heading_check : float
        The off-heading opening the plan also checks, both ways (+/-) [rad].
    turn_reaction_time : float
        From full canopy to the performer steering [s].
    reported_pull_time : float or None
        A pull time reported for the real stunt, which reports compare with the
        solved window [s].
    reported_pull_time_source : str
        Where that figure comes from.
    """

    pull_time: PositiveDuration
    throw_delay: NonNegativeDuration = "0.3 s"
    pilot_chute_diameter: PositiveLength
    pilot_chute_fill_constant: _PositiveNumber
    bridle_length: PositiveLength
    line_length: PositiveLength
    canopy_area: PositiveArea
    fill_constant: _PositiveNumber
    growth_exponent: Annotated[int, Field(ge=1, le=6, description="an integer from 1 to 6, such as 2")] = 2
    opening_heading_error: Angle = "0 deg"
    off_heading_check: quantity_type("angle", ge=0.0, le=math.pi, expected='an angle from 0 to 180 deg, such as "90 deg"') = "90 deg"
    turn_reaction_time: NonNegativeDuration = "1.5 s"
    reported_pull_time: PositiveDuration | None = None
    reported_pull_time_source: str = ""


class Canopy(Section):
    """``[canopy]``: the ram-air canopy's glide polar and the landing.

    Attributes
    ----------
    forward_speed, sink_rate : float
        Full-glide airspeed components at ``reference_density`` [m s-1].
    flare_forward_speed, flare_sink_rate : float
        The same in the flare (brakes) [m s-1].
    reference_density : float
        Air density the polar is stated for [kg m-3].
    flare_height_agl : float
        Height above ground where the flare starts [m].
    flare_time : float
        Time over which the brakes go down, lift and drag areas moving linearly
        from the glide to the flare polar [s].
    bank_gain : float
        Bank angle per heading error toward the landing zone [-].
    max_bank : float
        [rad]
    """

    forward_speed: PositiveSpeed
    sink_rate: PositiveSpeed
    flare_forward_speed: PositiveSpeed
    flare_sink_rate: PositiveSpeed
    reference_density: quantity_type("density", gt=0.0, expected='a density such as "1.225 kg/m^3"') = "1.225 kg/m^3"
    flare_height_agl: PositiveLength = "6 m"
    flare_time: PositiveDuration = "1 s"
    bank_gain: _PositiveNumber = 1.0
    max_bank: quantity_type("angle", gt=0.0, lt=math.pi / 2, expected='an angle between 0 and 90 deg, such as "30 deg"') = "30 deg"


class Zone(Section):
    """A circle on the ground, centred relative to the datum.

    Attributes
    ----------
    name : str
    east, north : float
        Centre relative to the datum [m].
    radius : float
        [m]
    """

    name: _text('a name in quotes, such as "camera 2"') = "zone"
    east: Length
    north: Length
    radius: PositiveLength


class Criteria(Section):
    """``[criteria]``: the limits each margin is measured against.

    Attributes
    ----------
    min_separation_at_line_stretch : float
        Rider-bike distance at line stretch [m].
    min_terrain_clearance : float
        Distance to terrain from separation to full glide, including off-heading openings [m].
    min_full_canopy_height_agl : float
        [m]
    max_opening_load : float
        Peak aerodynamic load during opening [g] (a plain number).
    max_touchdown_vertical_speed : float
        [m s-1]
    crosswind_gust_factor : float
        Gust-to-mean ratio applied to the crosswind on the ramp [-].
    clearance_watch_time : float
        How long after full canopy terrain clearance still counts as object
        clearance [s]; after it the canopy is on its approach, where nearing the
        ground is the landing.
    """

    min_separation_at_line_stretch: PositiveLength
    min_terrain_clearance: PositiveLength
    min_full_canopy_height_agl: PositiveLength
    max_opening_load: _PositiveNumber
    max_touchdown_vertical_speed: PositiveSpeed
    crosswind_gust_factor: quantity_type("dimensionless", ge=1.0, le=5.0, expected="a plain number from 1 to 5, such as 1.5") = 1.5
    clearance_watch_time: PositiveDuration = "15 s"


# --------------------------------------------------------------------------- [uncertainty]
_UNCERTAIN_PARAMETERS = ("mean", "sd", "low", "high", "median", "sigma", "mode", "values", "weights")


def _show_dimension(value_si: float, dimension: str) -> str:
    """An SI value in the dimension's display unit for a message: ``(0.0, "time")`` -> ``"0 s"``."""
    if dimension == "dimensionless":
        return f"{value_si:,.4g}"
    unit = DISPLAY_UNITS[dimension].unit
    factor = float(unit_registry.Quantity(1, unit).to_base_units().magnitude)
    return f"{value_si / factor:,.4g} {unit}"


def _dimension_expected(dimension: str) -> str:
    if dimension == "dimensionless":
        return "a plain number without quotes or unit, such as 0.5"
    spec = DIMENSIONS[dimension]
    return f'{spec.noun} such as "{spec.example}" or "{spec.alternative}"'


def _noun(dimension: str) -> str:
    return "a plain number" if dimension == "dimensionless" else DIMENSIONS[dimension].noun


def _listing(names: Any) -> str:
    return ", ".join(f'"{name}"' for name in names)


class UncertainInput(Section):
    """One ``[[uncertainty.inputs]]`` table: a scenario value and its distribution.

    Attributes
    ----------
    name : str
        A key of :data:`stuntsim.scenario.uncertain_inputs.SUPPORTED_INPUTS`
        (``"parachute.pull_time"``, ``"wind.speed_factor"``, ...).
    distribution : {"normal", "truncated_normal", "uniform", "lognormal", "triangular", "choice"}
        The distribution; only its own parameters may be given.
    mean, sd : float or None
        normal and truncated_normal [SI unit of the input]; sd > 0.
    low, high : float or None
        truncated_normal, uniform, triangular: the bounds, low < high [SI].
    median : float or None
        lognormal: the median, positive [SI].
    sigma : float or None
        lognormal: standard deviation of ln X, positive [-].
    mode : float or None
        triangular: the most likely value, low <= mode <= high [SI].
    values : tuple of float or None
        choice: the values to choose from [SI].
    weights : tuple of float or None
        choice: relative weights (>= 0, positive sum; normalised when drawn) [-];
        equal weights when omitted.

    Notes
    -----
    Dimensional parameters are strings with the unit of the named input
    (``mean = "4 s"`` for ``parachute.pull_time``); plain-number inputs
    (``wind.speed_factor``, ``ramp.traction_coefficient``) and ``sigma`` and
    ``weights`` are plain numbers. The values the sampler can reach
    (:func:`~stuntsim.scenario.uncertain_inputs.distribution_support`) must lie
    inside the input's physical domain: a normal reaches about 8.2 sd from its
    mean, so a wide normal of a positive quantity must be a truncated_normal.
    """

    name: str = Field(description="the name of a supported uncertain input, such as \"parachute.pull_time\"")
    distribution: Literal["normal", "truncated_normal", "uniform", "lognormal", "triangular", "choice"] = Field(
        description='one of "normal", "truncated_normal", "uniform", "lognormal", "triangular", "choice"'
    )
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    median: float | None = None
    sigma: float | None = None
    mode: float | None = None
    values: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters given (SI), by name."""
        return {key: getattr(self, key) for key in _UNCERTAIN_PARAMETERS if getattr(self, key) is not None}

    @property
    def support(self) -> tuple[float, float]:
        """The least and greatest value the sampler can draw [SI]."""
        return distribution_support(self.distribution, self.parameters)

    @model_validator(mode="before")
    @classmethod
    def _parse_parameters(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        context = info.context if isinstance(info.context, dict) else {}
        problems: list[tuple[Loc, str]] = []
        allowed_keys = cls.toml_keys()
        for key in data:
            if key not in allowed_keys:
                close = difflib.get_close_matches(str(key), allowed_keys, n=1)
                hint = f' Did you mean "{close[0]}"?' if close else ""
                problems.append(((key,), f'unknown key "{key}".{hint} The keys allowed in each '
                                 f"[[uncertainty.inputs]] table are: {', '.join(allowed_keys)}"))
        name, distribution = data.get("name"), data.get("distribution")
        spec = None
        if name is not None:
            spec = SUPPORTED_INPUTS.get(name) if isinstance(name, str) else None
            if spec is None:
                close = difflib.get_close_matches(str(name), list(SUPPORTED_INPUTS), n=1, cutoff=0.5)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                problems.append((("name",), f"got {describe_value(name)}{hint}; expected one of the supported "
                                 f"inputs: {_listing(SUPPORTED_INPUTS)}"))
        if distribution is not None and distribution not in DISTRIBUTION_PARAMETERS:
            problems.append((("distribution",), f"got {describe_value(distribution)}; expected one of "
                             f"{_listing(DISTRIBUTION_PARAMETERS)}"))
            distribution = None
        if name is None or distribution is None:  # pydantic reports a missing key
            if problems:
                raise SectionProblems(problems)
            return data
        takes = DISTRIBUTION_PARAMETERS[distribution]
        takes_text = " and ".join(takes)
        for key in _UNCERTAIN_PARAMETERS:
            if key in data and key not in takes:
                owners = [d for d, keys in DISTRIBUTION_PARAMETERS.items() if key in keys]
                problems.append(((key,), f'not used when distribution is "{distribution}" (it takes {takes_text}; '
                                 f"{key} belongs to {' or '.join(owners)}); remove it or change distribution"))
        if spec is None:
            raise SectionProblems(problems)
        parsed: dict[str, Any] = {}
        for key in takes:
            dimension = "dimensionless" if key in PLAIN_PARAMETERS else spec.dimension
            if key not in data:
                if key not in OPTIONAL_PARAMETERS:
                    expected = (f"an array of values, each {_dimension_expected(dimension)}" if key == "values"
                                else _dimension_expected(dimension))
                    problems.append(((key,), f'required when distribution is "{distribution}"; expected {expected}'))
                continue
            if key in ("values", "weights"):
                raw = data[key]
                if not isinstance(raw, (list, tuple)) or not raw:
                    problems.append(((key,), f"got {describe_value(raw)}; expected a non-empty array, each element "
                                     f"{_dimension_expected(dimension)}"))
                    continue
                items = []
                for index, item in enumerate(raw):
                    try:
                        items.append(_parse_uncertain_parameter(item, dimension, context))
                    except FieldValueError as error:
                        problems.append(((key, index), f"{error.detail} ({name} is {_noun(dimension)})"))
                parsed[key] = tuple(items)
            else:
                try:
                    parsed[key] = _parse_uncertain_parameter(data[key], dimension, context)
                except FieldValueError as error:
                    what = "" if key in PLAIN_PARAMETERS else f" ({name} is {_noun(dimension)})"
                    problems.append(((key,), f"{error.detail}{what}"))
        if problems:
            raise SectionProblems(problems)
        problems.extend(_parameter_order_problems(distribution, parsed, data))
        if not problems:
            problems.extend(_domain_problems(name, spec, distribution, parsed, data))
        if problems:
            raise SectionProblems(problems)
        return {**data, **parsed}


def _parse_uncertain_parameter(value: Any, dimension: str, context: dict) -> float:
    if (
        context.get("numbers_are_si")
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    ):
        return float(value)
    return parse_quantity(value, dimension)


def _parameter_order_problems(distribution: str, p: dict[str, Any], raw: dict) -> list[tuple[Loc, str]]:
    """sd, sigma and median positive; low < high; low <= mode <= high; weights usable."""
    problems: list[tuple[Loc, str]] = []
    shown = {key: describe_value(raw[key]) for key in p if key in raw and key not in ("values", "weights")}
    for key in ("sd", "sigma", "median"):
        if key in p and not p[key] > 0.0:
            problems.append(((key,), f"got {shown[key]}; expected a positive {key}"))
    if "low" in p and "high" in p and not p["low"] < p["high"]:
        problems.append((("low",), f"got {shown['low']}, not below high = {shown['high']}; expected low < high"))
    elif "mode" in p and not p["low"] <= p["mode"] <= p["high"]:
        problems.append((("mode",), f"got {shown['mode']}, outside low = {shown['low']} to high = {shown['high']}; "
                         "expected low <= mode <= high"))
    if "weights" in p:
        weights, values = p["weights"], p["values"]
        if len(weights) != len(values):
            problems.append((("weights",), f"got {len(weights)} weights for {len(values)} values; expected one "
                             "weight per value"))
        for index, weight in enumerate(weights):
            if weight < 0.0:
                problems.append((("weights", index), f"got {describe_value(raw['weights'][index])}; expected a "
                                 "weight of zero or more"))
        if all(weight >= 0.0 for weight in weights) and not sum(weights) > 0.0:
            problems.append((("weights",), "got weights that sum to zero; expected at least one positive weight"))
    return problems


def _domain_problems(
    name: str, spec: InputSpec, distribution: str, p: dict[str, Any], raw: dict
) -> list[tuple[Loc, str]]:
    """The values the sampler can reach must lie inside the input's physical domain."""
    low, high = distribution_support(distribution, p)

    def show(value: float) -> str:
        return _show_dimension(value, spec.dimension)

    below = spec.minimum is not None and (low < spec.minimum or (low == spec.minimum and not spec.minimum_inclusive))
    above = spec.maximum is not None and high > spec.maximum
    if not (below or above):
        return []
    domain = spec.domain_text(show)
    reach = f"down to {show(low)}" if below else f"up to {show(high)}"
    if distribution == "normal":
        return [(("sd",), f"got {describe_value(raw['sd'])} with mean = {describe_value(raw['mean'])}: the sampler "
                 f"reaches {NORMAL_REACH:.1f} sd from the mean, {reach}, but {name} must be {domain}; expected a "
                 'smaller sd, or distribution = "truncated_normal" with low and high inside that range')]
    if distribution == "lognormal":
        return [(("median",), f"got {describe_value(raw['median'])}: the sampler reaches {reach}, but {name} must be "
                 f"{domain}; expected a median and sigma that stay inside that range")]
    if distribution == "choice":
        return [(("values",), f"the values reach {reach}, but {name} must be {domain}; expected values inside "
                 "that range")]
    key = "low" if below else "high"
    return [((key,), f"got {describe_value(raw[key])}, but {name} must be {domain}; expected a bound inside that "
             "range")]


def _power_of_two_chunk(value: Any) -> int:
    expected = "a power of two from 1024 to 1048576, such as 65536 (Sobol points balance in powers of two)"
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 1048576 or value & (value - 1):
        raise FieldValueError("", value, describe_value(value), expected)
    return value


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldValueError("", value, describe_value(value), "a whole number of zero or more, such as 2020")
    return value


class Uncertainty(Section):
    """``[uncertainty]``: the uncertain inputs of a risk analysis and how they are sampled.

    Attributes
    ----------
    method : {"mc", "sobol"}
        Plain Monte Carlo (independent chunks from ``numpy.random.SeedSequence``)
        or a scrambled Sobol sequence.
    seed : int
        Seed of the draws (>= 0); the same seed gives the same samples.
    chunk_size : int
        Samples per chunk, a power of two from 1024 to 1048576 (Sobol balance).
    inputs : tuple of UncertainInput
        At least one, each name at most once.
    """

    method: Literal["mc", "sobol"] = Field(default="mc", description='one of "mc", "sobol"')
    seed: Annotated[int, BeforeValidator(_seed), Field(description="a whole number of zero or more, such as 2020")] = 2020
    chunk_size: Annotated[
        int,
        BeforeValidator(_power_of_two_chunk),
        Field(description="a power of two from 1024 to 1048576, such as 65536"),
    ] = 65536
    inputs: tuple[UncertainInput, ...] = Field(
        description='one [[uncertainty.inputs]] table per uncertain input, each with name, distribution and its '
        'parameters, such as name = "parachute.pull_time", distribution = "normal", mean = "4 s", sd = "0.3 s"'
    )

    @field_validator("inputs")
    @classmethod
    def _each_once(cls, inputs: tuple[UncertainInput, ...]) -> tuple[UncertainInput, ...]:
        if not inputs:
            raise FieldValueError(
                "", inputs, "an empty array", "at least one [[uncertainty.inputs]] table with name and distribution"
            )
        problems: list[tuple[Loc, str]] = []
        first: dict[str, int] = {}
        for index, item in enumerate(inputs):
            if item.name in first:
                problems.append(((index, "name"), f'got "{item.name}" again (already uncertainty.inputs'
                                 f"[{first[item.name]}]); expected each input at most once"))
            first.setdefault(item.name, index)
        if problems:
            raise SectionProblems(problems)
        return inputs

    @property
    def names(self) -> list[str]:
        """The input names in file order."""
        return [item.name for item in self.inputs]


# --------------------------------------------------------------------------- root
class Scenario(Section):
    """A whole scenario: one field per TOML section.

    Attributes
    ----------
    scenario, site, atmosphere, wind, terrain, performer, exit, simulation
        The sections. ``[atmosphere]`` and ``[simulation]`` default to their
        defaults; ``[exit]`` is optional (``None``: standing start at the datum).
    uncertainty : Uncertainty or None
        The uncertain inputs of a risk analysis; the nominal plan ignores it.
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
    ramp: Ramp | None = None
    bike: Bike | None = None
    separation: Separation | None = None
    parachute: Parachute | None = None
    canopy: Canopy | None = None
    landing_zone: Zone | None = None
    exclusion_zones: tuple[Zone, ...] = ()
    criteria: Criteria | None = None
    uncertainty: Uncertainty | None = None
    simulation: Simulation = Field(default_factory=Simulation)
    source_path: str | None = Field(default=None, exclude=True)
    scenario_hash: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _sections_fit_together(self) -> Scenario:
        problems: list[tuple[Loc, str]] = []

        def require(section: str, because: str) -> None:
            if getattr(self, section) is None:
                problems.append(((section,), f"missing section [{section}]; required {because}"))

        if self.ramp is not None:
            for name in ("bike", "separation", "parachute"):
                require(name, "when the scenario has a [ramp] (a motorcycle launch)")
            if self.exit is not None:
                problems.append((("exit",), "give either [ramp] (a motorcycle launch) or [exit] (a jump), not both"))
            if self.ramp.on_bike_configuration not in self.performer.drag_areas:
                names = ", ".join(f'"{n}"' for n in self.performer.drag_areas)
                problems.append((("ramp", "on_bike_configuration"), f'got "{self.ramp.on_bike_configuration}"; '
                                 f"expected one of the configurations in performer.drag_areas: {names}"))
            problems.extend(self._ramp_above_ground())
        if self.parachute is not None:
            for name in ("canopy", "landing_zone", "criteria"):
                require(name, "when the scenario has a [parachute]")
            if self.separation is not None and self.parachute.pull_time <= self.separation.time:
                problems.append((("parachute", "pull_time"), f"got {_show(self.parachute.pull_time, 's')}, not after "
                                 f"separation.time ({_show(self.separation.time, 's')}); expected a pull after the "
                                 "rider has let go of the bike"))
        if problems:
            raise SectionProblems(problems)
        return self

    @model_validator(mode="after")
    def _uncertain_inputs_apply(self) -> Scenario:
        """Each uncertain input needs its section; every sampled pull comes after every sampled separation."""
        if self.uncertainty is None:
            return self
        problems: list[tuple[Loc, str]] = []
        applicable = [name for name, spec in SUPPORTED_INPUTS.items() if spec.unavailable(self) is None]
        where: dict[str, int] = {}
        for index, item in enumerate(self.uncertainty.inputs):
            where[item.name] = index
            reason = SUPPORTED_INPUTS[item.name].unavailable(self)
            if reason is not None:
                problems.append((("uncertainty", "inputs", index, "name"), f'got "{item.name}", but {reason}; '
                                 f"expected an input this scenario has: {_listing(applicable)}"))
        pull, sep = where.get("parachute.pull_time"), where.get("separation.time")
        if not problems and self.parachute is not None and self.separation is not None and (pull, sep) != (None, None):
            inputs = self.uncertainty.inputs
            earliest_pull = self.parachute.pull_time if pull is None else inputs[pull].support[0]
            latest_separation = self.separation.time if sep is None else inputs[sep].support[1]
            if not earliest_pull > latest_separation:
                index = pull if pull is not None else sep
                problems.append((("uncertainty", "inputs", index), f"the sampled pull times reach down to "
                                 f"{_show(earliest_pull, 's')}, not after the latest sampled separation.time "
                                 f"({_show(latest_separation, 's')}); expected every sampled pull after the rider "
                                 "has let go of the bike (narrow the distributions or bound them with "
                                 "truncated_normal, uniform or triangular)"))
        if problems:
            raise SectionProblems(problems)
        return self

    def _ramp_above_ground(self) -> list[tuple[Loc, str]]:
        """The ramp deck must stay above the terrain (profile or flat) over its whole length."""
        if self.terrain.kind == "grid":
            return []
        distance = np.linspace(-self.ramp.length * math.cos(self.ramp.slope), 0.0, 201)
        deck = self.site.datum_elevation_msl - distance * math.tan(self.ramp.slope)
        if self.terrain.kind == "flat":
            ground = np.full_like(distance, self.terrain.elevation_msl)
        else:
            d, z = np.array(self.terrain.points, dtype=float).T
            ground = np.interp(distance, d, z)
        below = np.nonzero(deck < ground)[0]
        if below.size == 0:
            return []
        i = below[0]
        return [(("ramp", "length"), f"got {_show(self.ramp.length, 'm')}, but the deck would run into the ground "
                 f"{_show(-distance[i], 'm')} before the lip (deck {_show(deck[i], 'm')} MSL, ground "
                 f"{_show(ground[i], 'm')} MSL); expected a ramp that stays above the terrain, i.e. shorter or "
                 "less steep")]

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
