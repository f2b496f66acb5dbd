"""Self-contained HTML pages: the plan, the Monte Carlo risk and the wind envelope.

The plan page shows the verdict, criteria, window, events, wind, plots and sources of a
:class:`~stuntsim.analysis.plan.PlanResult`; the risk page the failure probabilities of a
:class:`~stuntsim.analysis.risk.RiskResult`; the envelope page the go/no-go map of an
:class:`~stuntsim.analysis.envelope.Envelope`. Each is a view (STYLE.md 1.4): this module
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
import numpy as np

from stuntsim import DISCLAIMER, __version__
from stuntsim.io.export import write_text_atomic
from stuntsim.report.plots import (
    EVENT_LABELS,
    FIGURE_KEYS,
    direction_name,
    envelope_figure,
    plan_figures,
    risk_figures,
)

__all__ = [
    "render_plan_html", "write_plan_report", "scenario_source_lines", "render_risk_html", "write_risk_report",
    "render_envelope_html", "write_envelope_report",
]

TEMPLATE = "plan.html.j2"
RISK_TEMPLATE = "risk.html.j2"
ENVELOPE_TEMPLATE = "envelope.html.j2"

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


def _template_text(name: str = TEMPLATE) -> str:
    return (resources.files("stuntsim.report") / "templates" / name).read_text(encoding="utf-8")


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
        "opening": "",
    }
    if result.opening is not None:
        o = result.opening
        ctx["opening"] = (f"{o['altitude_loss_m']:.1f} m of altitude lost in {o['time_s']:.2f} s from the pull to full "
                          f"canopy, {o['full_canopy_height_agl_m']:.1f} m above the ground")
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
def _figure_div(fig, div_id: str, caption: str) -> Markup:
    """A plotly figure as a div (no plotly.js; the page embeds it once) with its escaped caption."""
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                      config={"displaylogo": False, "responsive": True})
    return (Markup('<div class="figure">') + Markup(div) + Markup('<p class="caption">{}</p>').format(caption)
            + Markup("</div>"))


def _plot_divs(result) -> dict[str, Markup]:
    figures = plan_figures(result)
    return {key: _figure_div(figures[key], f"plot-{key}", CAPTIONS.get(key, "")) for key in FIGURE_KEYS}


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


# --------------------------------------------------------------------------- Monte Carlo risk
def _probability(p: float) -> str:
    """A probability as printed on the risk and envelope pages: three significant digits."""
    p = float(p)
    if math.isnan(p):
        return "n/a"
    return "0" if p == 0 else f"{p:.3g}"


def _interval(low: float, high: float) -> str:
    return f"{_probability(low)} to {_probability(high)}"


def _quantile_label(q: float) -> str:
    return f"{100 * q:g}%"


def _top_drivers(drivers: dict[str, float], k: int = 3) -> list[dict]:
    ranked = sorted(((name, rho) for name, rho in drivers.items() if not math.isnan(rho)),
                    key=lambda item: -abs(item[1]))
    return [{"name": name, "rho": _num(rho, 2, signed=True)} for name, rho in ranked[:k]]


def _risk_mode_rows(result, summary: dict) -> list[dict]:
    rows = []
    for key, entry in summary["failure_modes"].items():
        unit = entry["margin_unit"]
        cp = entry.get("clopper_pearson_high")
        rows.append({
            "key": key,
            "title": entry["title"],
            "unit": unit,
            "failures": f"{entry['failures']:,}",
            "failing": entry["failures"] > 0,
            "probability": _probability(entry["probability"]),
            "interval": _interval(entry["wilson_low"], entry["wilson_high"]),
            "clopper_pearson": _probability(cp) if cp is not None else "",
            "quantiles": [_num(v, 2) for v in entry["margin_quantiles"].values()],
            "drivers": _top_drivers(entry["rank_correlation_with_margin"]),
        })
    return rows


def _histogram_caption(result, key: str) -> str:
    from stuntsim.analysis.risk import HISTOGRAM_BINS, HISTOGRAM_SPAN

    unit = result.units.get(key, "")
    scale = float(result.scales[key])
    counts = result.histograms[key]
    text = (f"{result.titles.get(key, key)}: margin over {result.n_samples:,} samples, from the streamed "
            f"histogram ({HISTOGRAM_BINS:,} bins of {2 * HISTOGRAM_SPAN * scale / HISTOGRAM_BINS:.3g} {unit} over "
            f"+/-{HISTOGRAM_SPAN * scale:.4g} {unit}, adjacent bins summed into the bars shown). Red bars fail "
            "(margin < 0); the dashed line is the limit. Buttons switch the count axis between linear and log (log is "
            "chosen when the failing bars would be too small to see).")
    if counts[0] > 0:
        text += (f" The lowest bar also holds every margin below -{HISTOGRAM_SPAN * scale:.4g} {unit} and every "
                 f"margin that could not be evaluated ({int(counts[0]):,} samples in the lowest bin).")
    if counts[-1] > 0:
        text += (f" The highest bar also holds every margin above {HISTOGRAM_SPAN * scale:.4g} {unit} "
                 f"({int(counts[-1]):,} samples in the highest bin).")
    return text


def _inputs_rows(result, scenario) -> list[dict]:
    from stuntsim.analysis.risk import input_column
    from stuntsim.scenario.uncertain_inputs import SUPPORTED_INPUTS

    distributions = {}
    if scenario is not None and scenario.uncertainty is not None:
        distributions = {i.name: i.distribution for i in scenario.uncertainty.inputs}
    rows = []
    for name in result.input_names:
        spec = SUPPORTED_INPUTS.get(name)
        rows.append({"name": name, "description": spec.description if spec else "",
                     "distribution": distributions.get(name, ""), "column": input_column(name)})
    return rows


def risk_context(result, scenario=None) -> dict:
    """Everything the risk page shows, formatted (strings, lists, dicts); no physics."""
    from stuntsim.analysis.risk import CONFIDENCE

    done = result.n_samples > 0
    summary = result.summary() if done else None
    sc_info = scenario.scenario if scenario is not None else None
    if scenario is not None:
        _, scenario_file = scenario_text(scenario)
    else:
        scenario_file = ""
    mismatch = scenario is not None and scenario.scenario_hash and scenario.scenario_hash != result.scenario_hash
    rate = result.n_samples / result.elapsed_s if result.elapsed_s > 0 else math.nan
    quantile_levels = []
    if done:
        first = next(iter(summary["failure_modes"].values()), None)
        quantile_levels = [_quantile_label(float(q)) for q in first["margin_quantiles"]] if first else []
    overall = {}
    if done:
        o = summary["overall"]
        overall = {"failures": f"{o['failures']:,}", "probability": _probability(o["probability"]),
                   "interval": _interval(o["wilson_low"], o["wilson_high"])}
    return {
        "title": sc_info.title if sc_info is not None else result.scenario_name,
        "scenario_name": result.scenario_name,
        "site": scenario.site.name if scenario is not None else "",
        "date": scenario.site.date.isoformat() if scenario is not None else "",
        "disclaimer": DISCLAIMER,
        "done": done,
        "confidence": f"{100 * CONFIDENCE:g}",
        "overall": overall,
        "modes": _risk_mode_rows(result, summary) if done else [],
        "quantile_levels": quantile_levels,
        "quantile_resolution": summary["quantile_resolution"] if done else "",
        "drivers_from": f"{summary['drivers_from_samples']:,}" if done else "0",
        "inputs": _inputs_rows(result, scenario),
        "parquet_dir": result.parquet_dir or "",
        "meta": {
            "version": __version__,
            "scenario_hash": result.scenario_hash,
            "scenario_file": scenario_file,
            "hash_mismatch": bool(mismatch),
            "given_hash": scenario.scenario_hash if scenario is not None else "",
            "method": {"mc": "mc (pseudo-random Monte Carlo)", "sobol": "sobol (scrambled Sobol sequence)"}.get(
                result.method, result.method),
            "seed": result.seed,
            "chunk_size": f"{result.chunk_size:,}",
            "samples": f"{result.n_samples:,}",
            "requested": f"{result.n_requested:,}",
            "chunks": f"{len(result.chunks_done):,}",
            "interrupted": bool(result.interrupted),
            "elapsed": _num(result.elapsed_s, 1),
            "rate": _num(rate, 0) if not math.isnan(rate) else "n/a",
        },
    }


def _risk_plot_divs(result) -> dict[str, Markup]:
    figures = risk_figures(result)
    return {key: _figure_div(fig, f"plot-risk-{key}", _histogram_caption(result, key)) for key, fig in figures.items()}


def render_risk_html(result, scenario=None) -> str:
    """The Monte Carlo risk report as one self-contained HTML document (plotly.js inline, once).

    Parameters
    ----------
    result : stuntsim.analysis.risk.RiskResult
    scenario : Scenario, optional
        The scenario that was run; adds its title, site, file and the inputs' distributions,
        and a warning if its hash differs from the result's.

    Returns
    -------
    str
    """
    context = risk_context(result, scenario)
    template = _environment().from_string(_template_text(RISK_TEMPLATE))
    return template.render(**context, plots=_risk_plot_divs(result), plotly_js=_plotly_js())


def write_risk_report(result, path: str | os.PathLike[str], scenario=None) -> Path:
    """Render the risk report and write it atomically (temporary file, then rename); returns the path."""
    return write_text_atomic(path, render_risk_html(result, scenario))


# --------------------------------------------------------------------------- wind envelope
def _envelope_rows(env) -> list[dict]:
    rows = []
    n = env.n_per_cell
    top = len(env.speeds) - 1
    for i, d in enumerate(env.directions_deg):
        name = direction_name(float(d))
        v = float(env.max_go_speed[i])
        if math.isnan(v):
            j = 0
            speed = "none: NO-GO"
            at = f"NO-GO at the lowest wind swept, {_num(env.speeds[0], 1)} m/s"
        else:
            j = int(np.nonzero(env.speeds == v)[0][0])
            speed = _num(v, 1)
            at = ("GO at every speed swept (the end of the sweep)" if j == top and bool(env.go[i].all())
                  else f"NO-GO from {_num(env.speeds[j + 1], 1)} m/s" if j < top else "")
        rows.append({
            "direction": f"{float(d):.0f}" + (f" ({name})" if name else ""),
            "speed": speed,
            "go": not math.isnan(v),
            "at_speed": _num(env.speeds[j], 1),
            "probability": _probability(env.probability[i, j]),
            "interval": _interval(env.low[i, j], env.high[i, j]),
            "failures": f"{int(env.failures[i, j]):,} of {n:,}",
            "note": at,
        })
    return rows


def _envelope_grid(env) -> dict:
    return {
        "speeds": [_num(s, 1) for s in env.speeds],
        "rows": [{
            "direction": f"{float(d):.0f}" + (f" ({direction_name(float(d))})" if direction_name(float(d)) else ""),
            "cells": [{"probability": _probability(env.probability[i, j]), "high": _probability(env.high[i, j]),
                       "go": bool(env.go[i, j])} for j in range(len(env.speeds))],
        } for i, d in enumerate(env.directions_deg)],
    }


def envelope_context(env, scenario) -> dict:
    """Everything the envelope page shows, formatted (strings, lists, dicts); no physics."""
    from stuntsim.analysis.risk import CONFIDENCE

    _, scenario_file = scenario_text(scenario)
    step = float(env.speeds[1] - env.speeds[0]) if len(env.speeds) > 1 else 0.0
    return {
        "title": scenario.scenario.title,
        "scenario_name": scenario.scenario.name,
        "site": scenario.site.name,
        "date": scenario.site.date.isoformat(),
        "disclaimer": DISCLAIMER,
        "confidence": f"{100 * CONFIDENCE:g}",
        "acceptable_risk": f"{env.acceptable_risk:g}",
        "n_per_cell": f"{env.n_per_cell:,}",
        "boundary": _envelope_rows(env),
        "grid": _envelope_grid(env),
        "any_go": bool(env.go.any()),
        "meta": {
            "version": __version__,
            "scenario_hash": scenario.scenario_hash,
            "scenario_file": scenario_file,
            "seed": env.seed,
            "directions": ", ".join(f"{float(d):g}" for d in env.directions_deg),
            "speeds": (f"{_num(env.speeds[0], 1)} to {_num(env.speeds[-1], 1)} m/s in steps of {step:g} m/s"
                       if len(env.speeds) > 1 else f"{_num(env.speeds[0], 1)} m/s"),
            "cells": f"{env.probability.size:,}",
            "flights": f"{env.probability.size * env.n_per_cell:,}",
        },
    }


def render_envelope_html(env, scenario) -> str:
    """The wind envelope report as one self-contained HTML document (plotly.js inline, once).

    Parameters
    ----------
    env : stuntsim.analysis.envelope.Envelope
    scenario : Scenario
        The scenario the envelope was flown for (title, hash, file).

    Returns
    -------
    str
    """
    context = envelope_context(env, scenario)
    caption = ("P(failure) of each cell: the share of its samples in which any criterion fails, in a uniform wind "
               "of that mean speed from that direction. Hover a cell for its 95% Wilson interval and counts. The "
               "green line is the GO boundary; it runs along the left edge for a direction that is NO-GO in calm.")
    plot = _figure_div(envelope_figure(env), "plot-envelope", caption)
    template = _environment().from_string(_template_text(ENVELOPE_TEMPLATE))
    return template.render(**context, plot=plot, plotly_js=_plotly_js())


def write_envelope_report(env, path: str | os.PathLike[str], scenario) -> Path:
    """Render the envelope report and write it atomically (temporary file, then rename); returns the path."""
    return write_text_atomic(path, render_envelope_html(env, scenario))
