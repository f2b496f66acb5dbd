"""Units at the edge: parse unit strings into SI floats, format SI floats for people.

Scenario files give every dimensional value as a string with its unit
(``"1200 ft"``, ``"45 kn"``, ``"-6 deg"``). This module parses them once, with
pint, into plain SI floats (metres, seconds, kilograms, radians, kelvin for
temperature differences). No pint object leaves this module.

The registry uses exact rational arithmetic (``non_int_type=Fraction``), so the
exact definitions (1 ft = 0.3048 m, 1 kn = 1852/3600 m/s, 1 lb = 0.45359237 kg,
1 mph = 0.44704 m/s) give correctly rounded floats: ``"1200 ft"`` is exactly
``365.76``.

Bare numbers are refused for dimensional values, so feet and metres can never
be mixed silently. Errors are :class:`QuantityError` (a ``ValueError``) whose
message names the field, the value and what was expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from tokenize import TokenError
from typing import Annotated, Any, NamedTuple

import pint
from pydantic import BeforeValidator, ValidationInfo

__all__ = [
    "DIMENSIONS",
    "DISPLAY_UNITS",
    "Acceleration",
    "Angle",
    "Area",
    "Bearing",
    "DimensionSpec",
    "DisplayUnit",
    "Duration",
    "FieldValueError",
    "Force",
    "Impulse",
    "Length",
    "Mass",
    "NonNegativeDuration",
    "NonNegativeLength",
    "NonNegativeSpeed",
    "PositiveArea",
    "PositiveDuration",
    "PositiveForce",
    "PositiveImpulse",
    "PositiveLength",
    "PositiveMass",
    "PositivePower",
    "PositiveSpeed",
    "Power",
    "QuantityError",
    "QuantityField",
    "SI_NUMBERS_CONTEXT",
    "Speed",
    "TemperatureDifference",
    "describe_value",
    "format_quantity",
    "parse_quantity",
    "quantity_type",
    "si_float",
    "unit_registry",
]

#: The one unit registry of the package (exact rational arithmetic, no cache files).
unit_registry = pint.UnitRegistry(non_int_type=Fraction, cache_folder=None)

#: Validation context under which bare numbers are accepted as SI values. Only for
#: Python callers building models from SI floats; scenario files never get it.
SI_NUMBERS_CONTEXT = {"numbers_are_si": True}

_ANGLE_UNITS = frozenset(
    {"radian", "degree", "arcminute", "arcsecond", "turn", "gradian", "milliradian", "microradian"}
)


@dataclass(frozen=True)
class DimensionSpec:
    """What one dimension name means: its pint dimensionality, SI unit and examples."""

    name: str
    noun: str  # with its article: "a length", "an area"
    pint_dimensionality: str
    si_unit: str
    example: str  # example string in the primary unit
    alternative: str  # the same example in another common unit
    example_unit: str  # primary unit for examples built from a bare number
    alternative_unit: str


DIMENSIONS: dict[str, DimensionSpec] = {
    spec.name: spec
    for spec in (
        DimensionSpec("length", "a length", "[length]", "m", "120 m", "394 ft", "m", "ft"),
        DimensionSpec("speed", "a speed", "[length]/[time]", "m/s", "23 m/s", "45 kn", "m/s", "kn"),
        DimensionSpec("mass", "a mass", "[mass]", "kg", "85 kg", "187 lb", "kg", "lb"),
        DimensionSpec("area", "an area", "[length]**2", "m**2", "0.5 m^2", "5.4 ft^2", "m^2", "ft^2"),
        DimensionSpec("angle", "an angle", "", "rad", "-6 deg", "-0.105 rad", "deg", "rad"),
        DimensionSpec("time", "a duration", "[time]", "s", "6 s", "0.1 min", "s", "min"),
        DimensionSpec(
            "temperature_difference",
            "a temperature difference",
            "[temperature]",
            "K",
            "-5 K",
            "-5 delta_degC",
            "K",
            "delta_degC",
        ),
        DimensionSpec("power", "a power", "[power]", "W", "30 kW", "40 hp", "W", "hp"),
        DimensionSpec("impulse", "an impulse", "[force]*[time]", "N*s", "500 N*s", "112 lbf*s", "N*s", "lbf*s"),
        DimensionSpec("force", "a force", "[force]", "N", "4000 N", "899 lbf", "N", "lbf"),
        DimensionSpec(
            "density", "a density", "[mass]/[length]**3", "kg/m**3", "1.225 kg/m^3", "0.00238 slug/ft^3", "kg/m^3", "slug/ft^3"
        ),
        DimensionSpec(
            "acceleration", "an acceleration", "[acceleration]", "m/s**2", "9.8 m/s^2", "1 g0", "m/s^2", "g0"
        ),
    )
}

_DIMENSIONALITIES = {
    name: unit_registry.get_dimensionality(spec.pint_dimensionality)
    for name, spec in DIMENSIONS.items()
    if spec.pint_dimensionality
}


class DisplayUnit(NamedTuple):
    """A unit and a number of decimal places for showing a value to people."""

    unit: str
    digits: int


#: Default display unit per dimension, for reports: ``format_quantity(v, *DISPLAY_UNITS["speed"])``.
DISPLAY_UNITS: dict[str, DisplayUnit] = {
    "length": DisplayUnit("m", 0),
    "speed": DisplayUnit("m/s", 1),
    "mass": DisplayUnit("kg", 1),
    "area": DisplayUnit("m^2", 2),
    "angle": DisplayUnit("deg", 1),
    "time": DisplayUnit("s", 2),
    "temperature_difference": DisplayUnit("K", 1),
    "power": DisplayUnit("kW", 1),
    "impulse": DisplayUnit("N*s", 0),
    "force": DisplayUnit("N", 0),
    "acceleration": DisplayUnit("m/s^2", 2),
}


class FieldValueError(ValueError):
    """A value a field cannot take, with what was expected.

    Attributes
    ----------
    field : str
        Dotted name of the field ("" when not known yet; the loader adds it).
    value : object
        The offending value as given.
    expected : str
        What was expected, e.g. ``'a mass such as "85 kg" or "187 lb"'``.
    detail : str
        The message without the field name.
    """

    def __init__(self, field: str, value: object, got: str, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.detail = f"got {got}; expected {expected}"
        super().__init__(f"{field}: {self.detail}" if field else self.detail)


class QuantityError(FieldValueError):
    """A value that is not the quantity a field expects (bare number, wrong dimension, ...)."""


def describe_value(value: object) -> str:
    """Show a value as it would appear in a TOML file (strings quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    return str(value)


_LEADING_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_UNIT_TEXT = re.compile(r"^[\w\s*/^().°Δµμ²³%+\-]*$")
_GROUPED_NUMBER = re.compile(r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?")


def _significant(value: float, figures: int = 3) -> str:
    """Format with about ``figures`` significant figures, thousands grouped."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return "0" if float(text.replace(",", "")) == 0 else text


def _examples(spec: DimensionSpec, number: float | None = None) -> str:
    """``'"120 m" or "394 ft"'``, built from ``number`` when given."""
    if number is None:
        return f'"{spec.example}" or "{spec.alternative}"'
    primary = unit_registry.Quantity(number, spec.example_unit)
    converted = float(primary.to(spec.alternative_unit).magnitude)
    return f'"{number:,.12g} {spec.example_unit}" or "{_significant(converted)} {spec.alternative_unit}"'


def _describe_dimension(quantity: Any) -> str:
    """Name the dimension of a parsed quantity ("a speed"), for error messages."""
    names = {name for name, _ in quantity.unit_items()}
    if quantity.dimensionless:
        if names and names <= _ANGLE_UNITS:
            return DIMENSIONS["angle"].noun
        return "a dimensionless number"
    for name, dimensionality in _DIMENSIONALITIES.items():
        if quantity.dimensionality == dimensionality:
            return DIMENSIONS[name].noun
    terms = []
    for name, power in sorted(quantity.dimensionality.items()):
        power = float(power)
        terms.append(name if power == 1 else f"{name}^{power:g}")
    return "something of dimension " + " ".join(terms)


def _is_offset_unit(units: Any) -> bool:
    """True for scales with an offset (degC, degF), whose zero is not zero kelvin."""
    return unit_registry.Quantity(0, units).to_base_units().magnitude != 0


def parse_quantity(value: object, dimension: str, field: str = "") -> float:
    """Parse a value with its unit into its SI magnitude.

    Parameters
    ----------
    value : str
        The value as written, e.g. ``"1200 ft"``. For ``dimension="dimensionless"``
        a plain number instead.
    dimension : str
        One of ``DIMENSIONS`` (``"length"``, ``"speed"``, ``"mass"``, ``"area"``,
        ``"angle"``, ``"time"``, ``"temperature_difference"``, ``"power"``,
        ``"impulse"``, ``"force"``, ``"acceleration"``) or ``"dimensionless"``.
    field : str
        Dotted name of the field, used in the error message.

    Returns
    -------
    float
        The SI magnitude (m, m s-1, kg, m2, rad, s, K, W, N s, N, m s-2).

    Raises
    ------
    QuantityError
        A ``ValueError`` naming the field, the value and what was expected:
        a bare number, a wrong dimension, an unknown unit, a malformed string,
        a non-finite value, or a temperature on an offset scale.
    """
    if dimension == "dimensionless":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise QuantityError(field, value, describe_value(value), "a plain number without quotes or unit, such as 0.5")
        if not math.isfinite(value):
            raise QuantityError(field, value, describe_value(value), "a finite number")
        return float(value)
    try:
        spec = DIMENSIONS[dimension]
    except KeyError:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {sorted(DIMENSIONS)}") from None
    expected = f"{spec.noun} such as {_examples(spec)}"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError(field, value, describe_value(value), f"{spec.noun} as a string with its unit, such as {_examples(spec)}")
    if isinstance(value, (int, float)):
        example_number = float(value) if math.isfinite(value) else None
        raise QuantityError(
            field,
            value,
            f"the bare number {value}",
            f"{spec.noun} with its unit, such as {_examples(spec, example_number)}",
        )
    text = value.strip()
    grouped = _GROUPED_NUMBER.match(text)
    if grouped:
        text = grouped.group(0).replace(",", "") + text[grouped.end() :]
    number = _LEADING_NUMBER.match(text)
    if number is None:
        raise QuantityError(field, value, describe_value(value), f"{spec.noun} written as a number and a unit, such as {_examples(spec)}")
    if not text[number.end() :].strip():
        example_number = float(number.group(0))
        raise QuantityError(
            field,
            value,
            f"{describe_value(value)} with no unit",
            f"{spec.noun} with its unit, such as {_examples(spec, example_number)}",
        )
    if not _UNIT_TEXT.match(text[number.end() :]):
        raise QuantityError(field, value, f"{describe_value(value)}, which is not a number and a unit", expected)
    try:
        quantity = unit_registry.Quantity(text)
    except pint.errors.OffsetUnitCalculusError:
        if dimension == "temperature_difference":
            raise QuantityError(
                field,
                value,
                f"{describe_value(value)}, a temperature on an offset scale",
                f"{spec.noun} such as {_examples(spec)} (use delta_degC or K for a temperature offset)",
            ) from None
        raise QuantityError(field, value, f"{describe_value(value)} (a temperature)", expected) from None
    except pint.errors.UndefinedUnitError as error:
        unknown = ", ".join(sorted(str(name) for name in error.args)) if error.args else "?"
        raise QuantityError(field, value, f"{describe_value(value)} with the unknown unit {unknown}", expected) from None
    except (pint.errors.PintError, TokenError, SyntaxError, ValueError, TypeError, AttributeError, AssertionError, ZeroDivisionError):
        raise QuantityError(field, value, f"{describe_value(value)}, which is not a number and a unit", expected) from None
    if not isinstance(quantity, unit_registry.Quantity):  # a bare number inside an expression
        raise QuantityError(field, value, f"{describe_value(value)} with no unit", expected)
    names = {name for name, _ in quantity.unit_items()}
    if dimension == "angle":
        matches = quantity.dimensionless and bool(names) and names <= _ANGLE_UNITS
    else:
        matches = quantity.dimensionality == _DIMENSIONALITIES[dimension]
    if not matches:
        if not names:
            raise QuantityError(field, value, f"{describe_value(value)} with no unit", expected)
        raise QuantityError(field, value, f"{describe_value(value)} ({_describe_dimension(quantity)})", expected)
    if dimension == "temperature_difference" and _is_offset_unit(quantity.units):
        raise QuantityError(
            field,
            value,
            f"{describe_value(value)}, a temperature on an offset scale",
            f"{spec.noun} such as {_examples(spec)} (use delta_degC or K for a temperature offset)",
        )
    try:
        magnitude = float(quantity.to(spec.si_unit).magnitude)
    except (pint.errors.PintError, TypeError, ValueError, OverflowError):
        raise QuantityError(field, value, describe_value(value), expected) from None
    if not math.isfinite(magnitude):
        raise QuantityError(field, value, describe_value(value), f"a finite {spec.noun.split(' ', 1)[1]}")
    return magnitude


def format_quantity(value_si: float, unit: str, digits: int = 0) -> str:
    """Format an SI value in a display unit, e.g. ``format_quantity(365.76, "ft")`` -> ``"1,200 ft"``.

    Parameters
    ----------
    value_si : float
        The value in SI units (m, m s-1, kg, rad, s, K, ...) [SI].
    unit : str
        The display unit, e.g. ``"m"``, ``"ft"``, ``"kn"``, ``"deg"``. Its SI
        counterpart is implied by its dimension. Offset temperature scales
        (``degC``) are refused: SI temperatures here are differences.
    digits : int
        Decimal places. ``DISPLAY_UNITS`` holds a default per dimension.

    Returns
    -------
    str
        The number with thousands separators, a space and the unit. The result
        parses back with :func:`parse_quantity`.
    """
    display = unit_registry.Quantity(1, unit)
    if _is_offset_unit(display.units):
        raise ValueError(f"cannot format in {unit!r}, an offset temperature scale; use 'K' or 'delta_degC'")
    if not math.isfinite(value_si):
        return f"{value_si} {unit}"
    factor = float(display.to_base_units().magnitude)  # size of one display unit in SI
    number = value_si / factor
    text = f"{number:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return f"{text} {unit}"


@dataclass(frozen=True)
class QuantityField:
    """Annotation marker: the dimension and the expectation of a quantity field."""

    dimension: str
    expected: str


def quantity_type(
    dimension: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    bearing: bool = False,
    expected: str | None = None,
) -> Any:
    """Build a pydantic ``Annotated[float, ...]`` type for one dimension, with bounds in SI.

    Parameters
    ----------
    dimension : str
        A key of ``DIMENSIONS``.
    gt, ge, lt, le : float, optional
        Bounds on the SI value (inclusive bounds allow a relative slack of 1e-12).
    bearing : bool
        Normalise an angle into [0, 2 pi) (a direction clockwise from true north).
    expected : str, optional
        Text for "expected ..." in error messages; built from the bounds otherwise.

    Notes
    -----
    Inside a validation context equal to ``SI_NUMBERS_CONTEXT`` a bare number is
    taken as already SI; elsewhere it is an error.
    """
    if dimension == "dimensionless":
        if expected is None:
            raise ValueError("a dimensionless quantity_type needs its `expected` text")
        spec = None
    else:
        spec = DIMENSIONS[dimension]
    if expected is None:
        noun = spec.noun.split(" ", 1)[1]
        if gt == 0 and ge is None and lt is None and le is None:
            described = f"a positive {noun}"
        elif ge == 0 and gt is None and lt is None and le is None:
            described = f"a {noun} of zero or more"
        else:
            bounds = []
            display = DISPLAY_UNITS[dimension].unit
            for word, bound in (("above", gt), ("at least", ge), ("below", lt), ("at most", le)):
                if bound is not None:
                    bounds.append(f"{word} {format_quantity(bound, display, 6).rstrip('0').rstrip('.')}")
            described = spec.noun + (" " + " and ".join(bounds) if bounds else "")
        expected = f"{described}, such as {_examples(spec)}"

    def slack(bound: float) -> float:
        return 1e-12 * max(1.0, abs(bound))

    def validate(value: Any, info: ValidationInfo) -> float:
        context = info.context if isinstance(info.context, dict) else {}
        if (
            context.get("numbers_are_si")
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
        ):
            number = float(value)
        elif type(value) is _SIFloat:
            number = float(value)
        else:
            number = parse_quantity(value, dimension)
        out_of_range = (
            (gt is not None and not number > gt)
            or (ge is not None and number < ge - slack(ge))
            or (lt is not None and not number < lt)
            or (le is not None and number > le + slack(le))
        )
        if out_of_range:
            raise QuantityError("", value, describe_value(value), expected)
        if ge is not None and number < ge:
            number = ge
        if le is not None and number > le:
            number = le
        if bearing:
            number = math.fmod(number, 2.0 * math.pi)
            if number < 0.0:
                number += 2.0 * math.pi
            if number >= 2.0 * math.pi:
                number = 0.0
        return number

    return Annotated[float, BeforeValidator(validate), QuantityField(dimension, expected)]


class _SIFloat(float):
    """A float already in SI, made by this package (e.g. read from a data file)."""


def si_float(value: float) -> float:
    """Mark a float as already SI so quantity fields accept it (for file readers)."""
    return _SIFloat(value)


Length = quantity_type("length")
PositiveLength = quantity_type("length", gt=0.0)
NonNegativeLength = quantity_type("length", ge=0.0)
Speed = quantity_type("speed")
PositiveSpeed = quantity_type("speed", gt=0.0)
NonNegativeSpeed = quantity_type("speed", ge=0.0)
Mass = quantity_type("mass")
PositiveMass = quantity_type("mass", gt=0.0)
Area = quantity_type("area")
PositiveArea = quantity_type("area", gt=0.0)
Angle = quantity_type("angle")
Bearing = quantity_type(
    "angle",
    bearing=True,
    expected='a direction clockwise from true north, such as "270 deg" or "4.71 rad"',
)
Duration = quantity_type("time")
PositiveDuration = quantity_type("time", gt=0.0)
NonNegativeDuration = quantity_type("time", ge=0.0)
TemperatureDifference = quantity_type("temperature_difference")
Power = quantity_type("power")
PositivePower = quantity_type("power", gt=0.0)
Impulse = quantity_type("impulse")
PositiveImpulse = quantity_type("impulse", gt=0.0)
Force = quantity_type("force")
PositiveForce = quantity_type("force", gt=0.0)
Acceleration = quantity_type("acceleration")
