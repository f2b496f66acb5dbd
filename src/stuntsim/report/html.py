"""The plan as one self-contained HTML page: verdict, criteria, window, events, wind, plots, sources.

A view of a :class:`~stuntsim.analysis.plan.PlanResult` (STYLE.md 1.4): this module
formats numbers and text and lays out the figures of :mod:`stuntsim.report.plots`;
it computes no physics. The page needs no network: plotly.js is embedded once,
inline, and there are no external stylesheets, fonts or scripts. All text is
escaped (jinja2 autoescape).
"""

from __future__ import annotations

import math
import os
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from stuntsim import DISCLAIMER, __version__
from stuntsim.io.export import write_text_atomic
from stuntsim.report.plots import EVENT_LABELS, FIGURE_KEYS, direction_name, plan_figures

__all__ = ["render_plan_html", "write_plan_report", "scenario_source_lines"]

TEMPLATE = "plan.html.j2"

#: What each figure shows, under it in the page.
CAPTIONS = {
    "side_view": "Paths projected on the vertical plane of the jump heading, over the terrain below the heading line "
                 "through the datum. Dashed: the canopy opening off heading. Buttons switch between the whole flight "
                 "and the departure.",
    "plan_view": "Paths seen from above with the landing zone and the exclusion zones (circles).",
    "time_series": "Altitude and height, speed and aerodynamic load against time, with the pull, line stretch and "
                   "full canopy marked. On the ramp the load includes the ramp's contact force; each body's speed "
                   "and load end when it comes to rest.",
    "window": "Each criterion's margin relative to its scale over the coarse grid of pull times (>= 0 holds); the "
              "shaded band is the solved window, whose ends are refined more finely than the grid.",
    "separation": "Distance between rider and bike; the criterion is read at line stretch.",
    "wind": "The strongest uniform wind every criterion tolerates, by the direction it blows from relative to the "
            "jump heading.",
}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _template_text() -> str:
    return (resources.files("stuntsim.report") / "templates" / TEMPLATE).read_text(encoding="utf-8")


def _num(value, digits: int = 2, signed: bool = False) -> str:
    v = float(value)
    if math.isnan(v):
        return "n/a"
    text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if float(text) == 0.0:  # no "-0.0"
        text = f"{0.0:+.{digits}f}" if signed else f"{0.0:.{digits}f}"
    return text


def _with_unit(value, unit: str, digits: int = 2, signed: bool = False) -> str:
    text = _num(value, digits, signed)
    return text if text == "n/a" else f"{text} {unit}"


def _criteria_rows(result) -> list[dict]:
    m = result.margins
    binding = result.binding
    rows = []
    for key in m.keys:
        info = m.info[key]
        margin = float(m.margin[key][0])
        rows.append({
            "key": key,
            "title": info.title,
            "unit": info.unit,
            "value": _with_unit(m.value[key][0], info.unit),
            "limit": info.limit_text,
            "margin": _with_unit(margin, info.unit, signed=True) if not math.isnan(margin) else "n/a (fails)",
            "relative": _num(m.relative(key)[0], 3, signed=True),
            "passed": bool(m.passed(key)[0]),
            "binding": key == binding,
        })
    return rows


def _title_of(result, key: str | None) -> str:
    if key is None:
        return "none: the end of the pull-time grid"
    for margins in (result.margins, result.window.margins):
        if key in margins.info:
            return margins.info[key].title
    return key


def _inside(t: float, w) -> bool:
    return w.earliest is not None and w.earliest <= t <= w.latest


def _where(t: float, w, datum: str) -> str:
    """Where a pull time lies against the window, in words (differences of the result's numbers)."""
    if w.earliest is None:
        return "no window to compare with"
    if _inside(t, w):
        return (f"INSIDE the window ({t - w.earliest:.3f} s after the earliest, {w.latest - t:.3f} s before "
                f"the latest)")
    if t < w.earliest:
        return f"OUTSIDE the window: {w.earliest - t:.3f} s before the earliest safe pull"
    return f"OUTSIDE the window: {t - w.latest:.3f} s after the latest safe pull"


def _window_context(result, datum: str) -> dict:
    from stuntsim.analysis.plan import WINDOW_RESOLUTION  # a constant of the analysis, shown for the reader

    w = result.window
    para = result.scenario.parachute
    planned = float(para.pull_time)
    reported = para.reported_pull_time
    grid = (f"{w.pull_times[0]:.3f} to {w.pull_times[-1]:.3f} s" if len(w.pull_times) else "empty")
    ctx = {
        "found": w.earliest is not None,
        "earliest": _num(w.earliest, 3) if w.earliest is not None else "",
        "latest": _num(w.latest, 3) if w.latest is not None else "",
        "earliest_closed_by": _title_of(result, w.earliest_closed_by),
        "latest_closed_by": _title_of(result, w.latest_closed_by),
        "width": _num(w.width, 3),
        "resolution": f"{WINDOW_RESOLUTION:g}",
        "grid": grid,
        "planned": _num(planned, 3),
        "planned_status": _where(planned, w, datum),
        "reported": _num(reported, 3) if reported is not None else "",
        "reported_source": para.reported_pull_time_source or "source not given",
        "reported_status": _where(float(reported), w, datum) if reported is not None else "",
        "answer": "",
    }
    if reported is not None and w.earliest is not None:
        verdict = "lies inside" if _inside(float(reported), w) else "lies OUTSIDE"
        ctx["answer"] = (
            f"The reported pull time of {reported:.3f} s ({ctx['reported_source']}) {verdict} the solved window "
            f"{w.earliest:.3f} to {w.latest:.3f} s after the {datum} for this scenario's assumptions; "
            f"the plan's own pull is {planned:.3f} s ({'inside' if _inside(planned, w) else 'OUTSIDE'} the window)."
        )
    elif reported is not None:
        ctx["answer"] = (f"The reported pull time of {reported:.3f} s ({ctx['reported_source']}) cannot be placed: "
                         "no pull time passes every criterion.")
    return ctx


def _event_rows(result) -> list[dict]:
    rows = []
    for e in result.nominal.events():
        label = EVENT_LABELS.get(e.phase)
        event = e.phase if label is None or label == e.phase else f"{label} ({e.phase} entered)"
        if e.phase in ("ramp",):
            event = "ramp (start)"
        rows.append({
            "body": e.body, "event": event, "time": _num(e.time, 3), "altitude_msl": _num(e.altitude_msl, 1),
            "height_agl": _num(e.height_agl, 1), "speed": _num(e.speed, 1), "vertical_speed": _num(e.vertical_speed, 1,
                                                                                                 signed=True),
        })
    return rows


def _wind_context(result) -> tuple[list[dict], str]:
    w = result.wind
    top = float(w.speeds[-1])
    rows = []
    for d, s, k in zip(w.directions_deg, w.max_speed, w.closed_by):
        name = direction_name(float(d))
        if k is None:
            speed, closed = f">= {top:.1f}", f"nothing fails up to {top:.1f} m/s (the end of the sweep)"
        elif math.isnan(float(s)):
            speed, closed = "none", f"fails even in calm air: {_title_of(result, k)}"
        else:
            speed, closed = _num(s, 1), _title_of(result, k)
        rows.append({"direction": f"{float(d):.0f}" + (f" ({name})" if name else ""), "speed": speed,
                     "closed_by": closed})
    step = float(w.speeds[1] - w.speeds[0]) if len(w.speeds) > 1 else 0.0
    sweep = f"{float(w.speeds[0]):.0f} to {top:.0f} m/s in steps of {step:g} m/s"
    return rows, sweep


# --------------------------------------------------------------------------- the scenario file's comments
def _split_comment(line: str) -> tuple[str, str] | None:
    """(setting, comment) of a TOML line with a ``#`` comment outside strings, else None."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip(), line[i + 1 :].strip()
        i += 1
    return None


def scenario_text(scenario) -> tuple[str | None, str]:
    """The scenario file's text and where it came from (the built-in library if no path is known)."""
    path = getattr(scenario, "source_path", None)
    if path:
        try:
            return Path(path).read_text(encoding="utf-8"), str(path)
        except OSError:
            pass
    name = scenario.scenario.name
    try:
        resource = resources.files("stuntsim.scenario.library") / f"{name}.toml"
        return resource.read_text(encoding="utf-8"), f"built-in scenario {name}.toml ({path or 'stuntsim library'})"
    except (FileNotFoundError, OSError):
        return None, str(path) if path else f"{name} (no file found)"


def scenario_source_lines(text: str) -> list[dict]:
    """The comment lines of a scenario file that state an ASSUMPTION or cite REFERENCE, with line numbers."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        split = _split_comment(line)
        if split is None:
            continue
        setting, comment = split
        if "ASSUMPTION" in comment or "REFERENCE" in comment:
            out.append({"number": number, "setting": setting.strip(), "comment": comment,
                        "assumption": "ASSUMPTION" in comment})
    return out


def _sources_context(result) -> dict:
    text, where = scenario_text(result.scenario)
    lines = scenario_source_lines(text) if text is not None else []
    return {
        "path": where,
        "lines": lines,
        "n_assumption": sum(1 for s in lines if s["assumption"]),
        "n_reference": sum(1 for s in lines if "REFERENCE" in s["comment"]),
        "note": "The scenario file's text could not be read." if text is None else "No marked comment lines found.",
    }


# --------------------------------------------------------------------------- page
def _plot_divs(result) -> dict[str, Markup]:
    figures = plan_figures(result)
    out = {}
    for key in FIGURE_KEYS:
        div = figures[key].to_html(
            full_html=False, include_plotlyjs=False, div_id=f"plot-{key}",
            config={"displaylogo": False, "responsive": True},
        )
        caption = Markup('<p class="caption">{}</p>').format(CAPTIONS.get(key, ""))
        out[key] = Markup('<div class="figure">') + Markup(div) + caption + Markup("</div>")
    return out


def _plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    return Markup(get_plotlyjs())


def plan_context(result) -> dict:
    """Everything the page shows, formatted (strings, lists, dicts); no physics."""
    sc = result.scenario
    datum = str(sc.site.datum)
    criteria = _criteria_rows(result)
    binding = next(c for c in criteria if c["binding"])
    wind, sweep = _wind_context(result)
    meta = dict(result.meta or {})
    return {
        "title": sc.scenario.title,
        "scenario_name": sc.scenario.name,
        "site": sc.site.name,
        "date": sc.site.date.isoformat(),
        "datum": datum,
        "disclaimer": DISCLAIMER,
        "verdict": result.verdict,
        "go": bool(result.go),
        "binding": binding,
        "failing": [c["title"] for c in criteria if not c["passed"]],
        "criteria": criteria,
        "window": _window_context(result, datum),
        "events": _event_rows(result),
        "completed": bool(result.nominal.completed),
        "wind": wind,
        "wind_sweep": sweep,
        "sources": _sources_context(result),
        "meta": {
            "version": meta.get("stuntsim_version", __version__),
            "scenario_hash": meta.get("scenario_hash", getattr(sc, "scenario_hash", "")),
            "seed": "none (deterministic plan)" if meta.get("seed") is None else meta.get("seed"),
            "frame": meta.get("frame", ""),
        },
    }


def render_plan_html(result) -> str:
    """The plan report as one self-contained HTML document (plotly.js inline, once).

    Parameters
    ----------
    result : stuntsim.analysis.plan.PlanResult

    Returns
    -------
    str
    """
    context = plan_context(result)
    template = _environment().from_string(_template_text())
    return template.render(**context, plots=_plot_divs(result), plotly_js=_plotly_js())


def write_plan_report(result, path: str | os.PathLike[str]) -> Path:
    """Render the plan report and write it atomically (temporary file, then rename); returns the path."""
    return write_text_atomic(path, render_plan_html(result))
