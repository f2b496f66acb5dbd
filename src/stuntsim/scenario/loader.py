"""Load scenarios: built-in names or TOML files, with one clear message per user error.

Every problem a user can cause (a missing file, malformed TOML, an unknown key,
a missing field, a bare number, a wrong unit, a value out of range) raises
:class:`ScenarioError`, a ``ValueError`` whose message lists each problem on its
own line with the dotted path of the field, the value given and what was
expected. Pydantic's own error text is never shown.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from stuntsim.scenario.model import Scenario, Section, SectionProblems
from stuntsim.scenario.units import FieldValueError, QuantityField, describe_value

__all__ = [
    "ScenarioError",
    "ScenarioProblem",
    "list_builtin_scenarios",
    "load_scenario",
    "load_scenario_text",
]

_LIBRARY_PACKAGE = "stuntsim.scenario.library"


@dataclass(frozen=True)
class ScenarioProblem:
    """One problem in a scenario.

    Attributes
    ----------
    field : str
        Dotted path of the field (``"wind.layers[2].speed"``); ``""`` for the file itself.
    message : str
        What is wrong and what was expected, without the field name.
    value : object
        The offending value (``None`` when there is none, e.g. a missing field).
    expected : str
        What was expected (``""`` when the message says it another way).
    """

    field: str
    message: str
    value: object = None
    expected: str = ""

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return text if text.endswith((".", "?", "!")) else text + "."


class ScenarioError(ValueError):
    """A scenario the user must fix: one or more problems, one per line.

    Attributes
    ----------
    problems : tuple of ScenarioProblem
        Every problem found.
    source : str
        The file or built-in name ("" if unknown).
    field, value, expected
        Those of the first problem.
    """

    def __init__(self, problems: Sequence[ScenarioProblem], source: str = "") -> None:
        if not problems:
            raise ValueError("ScenarioError needs at least one problem")
        self.problems = tuple(problems)
        self.source = source
        where = f"scenario {source}" if source else "the scenario"
        if len(self.problems) == 1:
            header = f"1 problem in {where}:"
        else:
            header = f"{len(self.problems)} problems in {where}:"
        super().__init__("\n".join([header, *(f"  {problem}" for problem in self.problems)]))

    @property
    def field(self) -> str:
        return self.problems[0].field

    @property
    def value(self) -> object:
        return self.problems[0].value

    @property
    def expected(self) -> str:
        return self.problems[0].expected


# --------------------------------------------------------------------------- built-ins
def _library() -> Any:
    return resources.files(_LIBRARY_PACKAGE)


def _builtin_files() -> dict[str, Any]:
    return {
        entry.name.removesuffix(".toml"): entry
        for entry in _library().iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    }


def list_builtin_scenarios() -> list[tuple[str, str]]:
    """The built-in scenarios as ``(name, title)`` pairs, sorted by name."""
    listing = []
    for name, entry in sorted(_builtin_files().items()):
        try:
            title = tomllib.loads(entry.read_text(encoding="utf-8"))["scenario"]["title"]
        except (tomllib.TOMLDecodeError, KeyError, TypeError):
            title = "(unreadable: run `stuntsim plan " + name + "` for the problems)"
        listing.append((name, str(title)))
    return listing


# --------------------------------------------------------------------------- loading
def _looks_like_path(text: str) -> bool:
    return text.endswith(".toml") or "/" in text or "\\" in text or text.startswith(".")


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario TOML file.

    Parameters
    ----------
    name_or_path : str or Path
        A built-in name (``"freefall-demo"``; ``stuntsim scenarios`` lists them)
        or the path of a TOML file. A ``Path``, or a string ending in ``.toml``
        or holding a path separator, is always a file path.

    Returns
    -------
    Scenario
        The frozen, validated scenario in SI units, with ``source_path`` and
        ``scenario_hash`` (sha256 of the file's bytes; for a built-in, of its
        text with ``\\n`` line ends) filled in.

    Raises
    ------
    ScenarioError
        For every problem the user can fix, each with its dotted field.
    """
    if isinstance(name_or_path, str) and not _looks_like_path(name_or_path):
        builtins = _builtin_files()
        if name_or_path in builtins:
            with resources.as_file(builtins[name_or_path]) as path:
                text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
                scenario = load_scenario_text(
                    text,
                    source=f"{name_or_path} (built-in)",
                    base_dir=path.parent,
                    source_path=str(path),
                    scenario_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                )
            if scenario.scenario.name != name_or_path:
                raise ScenarioError(
                    [
                        ScenarioProblem(
                            "scenario.name",
                            f'got "{scenario.scenario.name}"; expected "{name_or_path}", the name of the built-in file',
                            scenario.scenario.name,
                            f'"{name_or_path}"',
                        )
                    ],
                    source=f"{name_or_path} (built-in)",
                )
            return scenario
        if not Path(name_or_path).exists():
            close = difflib.get_close_matches(name_or_path, list(builtins), n=1)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            raise ScenarioError(
                [
                    ScenarioProblem(
                        "",
                        f'there is no built-in scenario named "{name_or_path}" and no file of that name.{hint} '
                        "Run `stuntsim scenarios` to list the built-in scenarios, or give the path of a .toml file",
                        name_or_path,
                        "a built-in scenario name or a scenario file",
                    )
                ],
                source=f'"{name_or_path}"',
            )
    path = Path(name_or_path)
    source = f'"{path}"'
    if not path.exists():
        raise ScenarioError(
            [
                ScenarioProblem(
                    "",
                    f'the scenario file "{path}" does not exist (looked for {path.absolute()}). '
                    "For a built-in scenario give its name; `stuntsim scenarios` lists them",
                    str(path),
                    "an existing scenario file",
                )
            ],
            source=source,
        )
    if not path.is_file():
        raise ScenarioError([ScenarioProblem("", f'"{path}" is not a file', str(path), "a scenario file")], source)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as error:
        raise ScenarioError(
            [ScenarioProblem("", f'the scenario file "{path}" cannot be read ({error.strerror})', str(path))], source
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError(
            [ScenarioProblem("", f'the scenario file "{path}" is not UTF-8 text', str(path), "a UTF-8 TOML file")],
            source,
        ) from None
    return load_scenario_text(
        text,
        source=source,
        base_dir=path.parent,
        source_path=str(path.resolve()),
        scenario_hash=hashlib.sha256(data).hexdigest(),
    )


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def load_scenario_text(
    text: str,
    *,
    source: str = "<text>",
    base_dir: str | Path = ".",
    source_path: str | None = None,
    scenario_hash: str | None = None,
) -> Scenario:
    """Validate scenario TOML text.

    Parameters
    ----------
    text : str
        The TOML text.
    source : str
        How to name the text in messages.
    base_dir : str or Path
        Folder that relative terrain file names start from.
    source_path : str, optional
        Stored on the scenario as ``source_path``.
    scenario_hash : str, optional
        Stored as ``scenario_hash``; sha256 of ``text`` (UTF-8) when omitted.

    Raises
    ------
    ScenarioError
        For malformed TOML (with line and column) and every invalid field.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([_toml_problem(error, text)], source) from None
    problems = [
        _unknown_key_problem((key,), Scenario)
        for key in raw
        if key in Scenario.internal_fields
    ]
    if problems:
        raise ScenarioError(problems, source)
    payload = dict(raw)
    payload["source_path"] = source_path
    payload["scenario_hash"] = (
        scenario_hash if scenario_hash is not None else hashlib.sha256(text.encode("utf-8")).hexdigest()
    )
    try:
        return Scenario.model_validate(payload, context={"base_dir": Path(base_dir)})
    except ValidationError as error:
        raise ScenarioError(problems_from_validation_error(error, Scenario, raw), source) from None


def _toml_problem(error: tomllib.TOMLDecodeError, text: str) -> ScenarioProblem:
    message = str(error)
    match = _TOML_POSITION.search(message)
    if match is None:
        return ScenarioProblem("", f"malformed TOML: {message}", None, "valid TOML")
    reason = message[: match.start()].rstrip(". ")
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.splitlines()
    shown = f': {lines[line - 1].strip()}' if 0 < line <= len(lines) and lines[line - 1].strip() else ""
    return ScenarioProblem(
        "",
        f"malformed TOML at line {line}, column {column}{shown} ({reason[:1].lower() + reason[1:]})",
        lines[line - 1] if 0 < line <= len(lines) else None,
        "valid TOML",
    )


# --------------------------------------------------------------------------- pydantic errors
_PYDANTIC_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dotted_path(loc: Iterable[str | int]) -> str:
    """``("wind", "layers", 2, "speed")`` -> ``"wind.layers[2].speed"`` (TOML quoting for odd keys)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.match(part) else describe_value(part)
            text += f".{key}" if text else key
    return text


def _unwrap(annotation: Any) -> list[Any]:
    """The candidate types inside an annotation (through Optional, Annotated and unions)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [inner for arg in typing.get_args(annotation) if arg is not type(None) for inner in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one location step further in, or None."""
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            if isinstance(part, str) and part in candidate.model_fields:
                return candidate.model_fields[part].annotation
            continue
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin in (list, tuple) and isinstance(part, int) and args:
            return args[0] if origin is list or (len(args) == 2 and args[1] is Ellipsis) else args[min(part, len(args) - 1)]
        if origin is dict and isinstance(part, str) and len(args) == 2:
            return args[1]
    return None


def _annotation_at(root: type[BaseModel], loc: Sequence[str | int]) -> Any:
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return annotation


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    annotation = _annotation_at(root, loc)
    for candidate in _unwrap(annotation) if annotation is not None else []:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _quantity_marker(annotation: Any) -> QuantityField | None:
    """The QuantityField inside an annotation (through Optional and unions), if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        for item in typing.get_args(annotation)[1:]:
            if isinstance(item, QuantityField):
                return item
        return _quantity_marker(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            marker = _quantity_marker(arg)
            if marker is not None:
                return marker
    return None


def _expected_at(root: type[BaseModel], loc: Sequence[str | int]) -> str:
    """What a field expects, from its quantity marker, its description or its type."""
    if not loc:
        return ""
    parent = _model_at(root, loc[:-1])
    if parent is not None and isinstance(loc[-1], str) and loc[-1] in parent.model_fields:
        info = parent.model_fields[loc[-1]]
        for item in info.metadata:
            if isinstance(item, QuantityField):
                return item.expected
        if info.description:
            return info.description
    annotation = _annotation_at(root, loc)
    marker = _quantity_marker(annotation)
    if marker is not None:
        return marker.expected
    for candidate in _unwrap(annotation) if annotation is not None else []:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return f"a [{dotted_path(loc)}] table with the keys {', '.join(_keys_of(candidate))}"
    if len(loc) > 1 and isinstance(loc[-1], int):  # an array element: say what the array holds
        return _expected_at(root, loc[:-1])
    return "a value"


def _keys_of(model: type[BaseModel]) -> list[str]:
    if issubclass(model, Section):
        return model.toml_keys()
    return list(model.model_fields)


def _section_name(loc: Sequence[str | int]) -> str:
    if not loc:
        return "at the top level"
    if isinstance(loc[-1], int):
        return f"in each [[{dotted_path(loc[:-1])}]] table"
    return f"in [{dotted_path(loc)}]"


def _unknown_key_problem(loc: Sequence[str | int], root: type[BaseModel]) -> ScenarioProblem:
    key = str(loc[-1])
    parent = _model_at(root, loc[:-1]) if len(loc) > 1 else root
    allowed = _keys_of(parent) if parent is not None else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    listing = ", ".join(allowed)
    what = "section or key" if len(loc) == 1 else "key"
    return ScenarioProblem(
        dotted_path(loc),
        f'unknown {what} "{key}".{hint} The keys allowed {_section_name(loc[:-1])} are: {listing}',
        key,
        f"one of: {listing}",
    )


def _value_at(raw: Any, loc: Sequence[str | int]) -> tuple[bool, Any]:
    value = raw
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, value


def problems_from_validation_error(
    error: ValidationError, root: type[BaseModel], raw: Any = None
) -> list[ScenarioProblem]:
    """Turn pydantic's errors into full-sentence problems with dotted paths."""
    problems: list[ScenarioProblem] = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and _PYDANTIC_TAG.match(part)))
        kind = item["type"]
        value = item.get("input")
        context = item.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, SectionProblems):
            for sub_loc, message in cause.problems:
                full = loc + tuple(sub_loc)
                found, sub_value = _value_at(raw, full)
                problems.append(ScenarioProblem(dotted_path(full), message, sub_value if found else None))
            continue
        if isinstance(cause, FieldValueError):
            problems.append(ScenarioProblem(dotted_path(loc), cause.detail, cause.value, cause.expected))
            continue
        if kind == "extra_forbidden":
            problems.append(_unknown_key_problem(loc, root))
            continue
        if kind == "missing":
            expected = _expected_at(root, loc)
            if loc and len(loc) == 1:
                message = f"the section [{loc[0]}] is missing; expected {expected}"
            elif loc and isinstance(loc[-1], int):
                message = f"this array has no element {loc[-1]}; expected {expected}"
            else:
                message = f"this required key is missing; expected {expected}"
            problems.append(ScenarioProblem(dotted_path(loc), message, None, expected))
            continue
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            problems.append(
                ScenarioProblem(dotted_path(loc[:-1]), f"the key {describe_value(loc[-1])} is not valid: {item['msg']}")
            )
            continue
        if kind == "literal_error":
            expected = f"one of {context.get('expected', '')}".replace("'", '"')
            problems.append(
                ScenarioProblem(dotted_path(loc), f"got {describe_value(value)}; expected {expected}", value, expected)
            )
            continue
        expected = _expected_at(root, loc)
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            detail = f"got {describe_value(value)}; expected {expected}"
        elif kind in ("list_type", "tuple_type"):
            detail = f"got {describe_value(value)}; expected {expected}"
        elif kind in ("too_short", "too_long"):
            detail = f"{item['msg'].lower()}; expected {expected}"
        elif kind == "value_error" and cause is not None:
            detail = f"got {describe_value(value)}; {cause}"
        else:
            detail = f"got {describe_value(value)}; expected {expected} ({item['msg'][:1].lower() + item['msg'][1:]})"
        problems.append(ScenarioProblem(dotted_path(loc), detail, value, expected))
    return problems
