"""Plots of a plan: interactive (plotly) for the HTML report, static (matplotlib) as PNG.

Views only (STYLE.md 1.4): everything drawn here is selected, projected or
reformatted from a :class:`~stuntsim.analysis.plan.PlanResult`; no physics is
computed. The one geometric step is projecting east/north onto the jump heading,
``along = east sin(heading) + north cos(heading)``, and sampling the scenario's
terrain below that line for the side view.

Time is after the datum event (the ramp lip or the exit), negative on the ramp.
Every axis carries its unit.
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stuntsim.io.export import write_bytes_atomic
from stuntsim.simulate.flight import slug
from stuntsim.simulate.phases import Kind

__all__ = ["FIGURE_KEYS", "PNG_KEYS", "plan_figures", "save_pngs"]

#: Keys of :func:`plan_figures`, in the order the report shows them.
FIGURE_KEYS = ("side_view", "plan_view", "time_series", "window", "separation", "wind")
#: Figures :func:`save_pngs` writes.
PNG_KEYS = FIGURE_KEYS

#: What each phase entry means to a reader (rider phases; the bike's impact too).
EVENT_LABELS = {
    "launch": "launch",
    "separation": "separation",
    "pilot chute": "pull",
    "inflation": "line stretch",
    "canopy": "full canopy",
    "touchdown": "touchdown",
    "impact": "impact",
}
#: The rider's events marked on the side view and the time series.
MARKED_RIDER_EVENTS = ("launch", "separation", "pilot chute", "inflation", "canopy", "touchdown", "impact")

RIDER_COLOUR = "#1f5fbf"
OFF_HEADING_COLOURS = ("#8e44ad", "#e67e22")
SECOND_BODY_COLOUR = "#c0392b"
TERRAIN_COLOUR = "#b59b72"
LANDING_ZONE_COLOUR = "#27ae60"
EXCLUSION_COLOUR = "#c0392b"
PLANNED_COLOUR = "#111111"
REPORTED_COLOUR = "#d35400"
WINDOW_COLOUR = "#2ecc71"
LIMIT_COLOUR = "#c0392b"
CRITERION_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#637939",
)
RELATIVE_MARGIN_CLIP = (-1.0, 3.0)
#: Seconds shown after the last departure event (full canopy, second body's impact) in "departure" views.
DEPARTURE_TAIL = 2.0


# --------------------------------------------------------------------------- data selection (shared)
@dataclass(frozen=True)
class Path2:
    """One body's recorded path, as columns [SI]."""

    label: str
    body: str
    colour: str
    dash: bool
    time: np.ndarray  # [s] after the datum
    east: np.ndarray  # [m]
    north: np.ndarray  # [m]
    along: np.ndarray  # [m] along the jump heading from the datum
    altitude_msl: np.ndarray  # [m]
    height_agl: np.ndarray  # [m]
    speed: np.ndarray  # [m s-1], NaN once the body is at rest
    load: np.ndarray  # [g], NaN once the body is at rest


@dataclass(frozen=True)
class Mark:
    """An event to mark: a label and the event's data."""

    label: str
    body: str
    time: float
    east: float
    north: float
    along: float
    altitude_msl: float
    height_agl: float
    speed: float


def _heading(result) -> float:
    return float(result.scenario.site.heading_true)


def _along(result, east, north):
    """Distance along the jump heading from the datum [m] (a projection)."""
    psi = _heading(result)
    return np.asarray(east) * math.sin(psi) + np.asarray(north) * math.cos(psi)


def _rider(result) -> str:
    return result.compiled.body_names[0]


def _second_body(result) -> str | None:
    names = result.compiled.body_names
    return names[1] if len(names) > 1 else None


def _escape(text: object) -> str:
    """Text from the scenario for plotly, which reads a subset of HTML in labels."""
    return html.escape(str(text), quote=False)


def _off_heading_labels(result) -> list[str]:
    deg = math.degrees(result.scenario.parachute.off_heading_check)
    signs = ["+", "-"] + [""] * max(0, len(result.off_heading) - 2)
    return [f"{_rider(result)}, canopy opening {s}{deg:.0f} deg off heading" for s in signs[: len(result.off_heading)]]


def _path(result, flight, body: str, label: str, colour: str, dash: bool) -> Path2:
    cols = flight.trajectory()
    pre = slug(body)
    east, north = cols[f"{pre}_east_m"], cols[f"{pre}_north_m"]
    # a body at rest (touchdown, impact) keeps its contact state in the record: its speed series
    # ends at the contact speed (the first sample at rest) and its load series at the last sample
    # in motion, rather than showing the contact speed, and 1 g, for the rest of the flight
    frozen = {p.name for p in result.compiled.bodies[result.compiled.body_index(body)].phases if p.kind == Kind.FROZEN}
    at_rest = np.isin(cols[f"{pre}_phase"], list(frozen))
    after_rest = at_rest & np.r_[False, at_rest[:-1]]
    speed = np.where(after_rest, np.nan, cols[f"{pre}_speed_m_s"])
    load = np.where(at_rest, np.nan, cols[f"{pre}_felt_load_g"])
    return Path2(
        label, body, colour, dash, cols["time_s"], east, north, _along(result, east, north),
        cols[f"{pre}_altitude_msl_m"], cols[f"{pre}_height_agl_m"], speed, load,
    )


def _paths(result) -> list[Path2]:
    """Nominal rider, off-heading riders, then the second body (the bike), if any (legend order)."""
    rider = _rider(result)
    out = [_path(result, result.nominal, rider, f"{rider} (on heading)", RIDER_COLOUR, False)]
    for flight, label, colour in zip(result.off_heading, _off_heading_labels(result), OFF_HEADING_COLOURS * 4):
        out.append(_path(result, flight, rider, label, colour, True))
    second = _second_body(result)
    if second is not None:
        out.append(_path(result, result.nominal, second, second, SECOND_BODY_COLOUR, False))
    return out


def _marks(result) -> list[Mark]:
    """The rider's key events and the second body's impact, from the nominal flight."""
    rider, second = _rider(result), _second_body(result)
    out = []
    for e in result.nominal.events():
        if e.body == rider and e.phase in MARKED_RIDER_EVENTS:
            label = EVENT_LABELS[e.phase]
        elif e.body == second and e.phase == "impact":
            label = f"{second} impact"
        else:
            continue
        if e.body == rider and e.phase == "impact":
            label = f"{rider} impact"
        out.append(Mark(label, e.body, e.time, e.east, e.north, float(_along(result, e.east, e.north)),
                        e.altitude_msl, e.height_agl, e.speed))
    return out


def _mark_hover(m: Mark) -> str:
    return (f"<b>{_escape(m.label)}</b> ({_escape(m.body)})<br>t = {m.time:.3f} s<br>"
            f"altitude {m.altitude_msl:.1f} m MSL, {m.height_agl:.1f} m AGL<br>speed {m.speed:.1f} m/s")


def _departure_end(result) -> float:
    """Time [s] by which the departure is over: full canopy or the second body's impact, plus a tail."""
    times = [m.time for m in _marks(result) if m.label in ("full canopy", "line stretch", "pull")
             or m.label.endswith("impact")]
    first_landing = [m.time for m in _marks(result) if m.label == "touchdown"]
    end = max(times) if times else 10.0
    if first_landing:
        end = min(end, first_landing[0])
    return end + DEPARTURE_TAIL


def _span(values, pad_fraction=0.05, pad_min=5.0) -> list[float]:
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max((hi - lo) * pad_fraction, pad_min)
    return [lo - pad, hi + pad]


def _terrain_along(result, lo: float, hi: float, samples: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """The scenario's terrain sampled below the jump heading line through the datum: (along [m], elevation MSL [m])."""
    psi = _heading(result)
    d = np.linspace(lo, hi, samples)
    return d, result.compiled.terrain.height(d * math.sin(psi), d * math.cos(psi))


def _circle(east: float, north: float, radius: float, n: int = 121) -> tuple[np.ndarray, np.ndarray]:
    a = np.linspace(0.0, 2.0 * math.pi, n)
    return east + radius * np.sin(a), north + radius * np.cos(a)


def _heading_deg(result) -> float:
    return math.degrees(_heading(result)) % 360.0


def _datum(result) -> str:
    return str(result.scenario.site.datum)


def _window_ends(result) -> tuple[float | None, float | None]:
    w = result.window
    return w.earliest, w.latest


def _criterion_title(result, key: str | None) -> str:
    if key is None:
        return "none (end of the grid)"
    info = result.margins.info.get(key) or result.window.margins.info.get(key)
    return info.title if info is not None else key


def _reported(result) -> tuple[float | None, str]:
    p = result.scenario.parachute
    return p.reported_pull_time, (p.reported_pull_time_source or "source not given")


def _wind_rows(result) -> list[tuple[float, float, str]]:
    """(direction relative to the heading [deg], max tolerated speed [m s-1] or NaN, closed-by text)."""
    w = result.wind
    top = float(w.speeds[-1])
    rows = []
    for d, s, k in zip(w.directions_deg, w.max_speed, w.closed_by):
        if k is None:
            text = f"no failure up to {top:.0f} m/s (end of the sweep)"
        elif math.isnan(s):
            text = f"fails even in calm air: {_criterion_title(result, k)}"
        else:
            text = _criterion_title(result, k)
        rows.append((float(d), float(s), text))
    return rows


def direction_name(direction_deg: float) -> str:
    """A reader's name for a wind direction relative to the heading (wind FROM, clockwise)."""
    names = {0: "headwind", 45: "from front right", 90: "from the right", 135: "from behind right", 180: "tailwind",
             225: "from behind left", 270: "from the left", 315: "from front left"}
    return names.get(int(round(direction_deg)) % 360, "")


# --------------------------------------------------------------------------- plotly
def _go():
    import plotly.graph_objects as go

    return go


def _view_buttons(views: list[tuple[str, dict]]) -> list[dict]:
    """Plotly buttons that switch axis ranges (``views``: label, relayout arguments)."""
    return [dict(
        type="buttons", direction="right", x=0.0, xanchor="left", y=1.0, yanchor="bottom", pad={"b": 6},
        showactive=True, buttons=[dict(label=label, method="relayout", args=[args]) for label, args in views],
    )]


def _side_view(result, paths: list[Path2], marks: list[Mark]):
    go = _go()
    fig = go.Figure()
    lo, hi = _span(np.concatenate([p.along for p in paths]), 0.03, 20.0)
    d, ground = _terrain_along(result, lo, hi)
    base = float(np.nanmin(ground)) - 50.0
    fig.add_trace(go.Scatter(
        x=np.r_[d, d[::-1]], y=np.r_[ground, np.full(d.size, base)], fill="toself", mode="lines",
        line=dict(color="#7d6446", width=1), fillcolor=TERRAIN_COLOUR, name="terrain below the heading line",
        hoverinfo="skip",
    ))
    for rank, p in reversed(list(enumerate(paths))):  # the rider drawn last, on top; listed first
        fig.add_trace(go.Scatter(
            x=p.along, y=p.altitude_msl, mode="lines", name=_escape(p.label), legendrank=100 + rank,
            line=dict(color=p.colour, width=1.5 if p.dash else 2.2, dash="dash" if p.dash else "solid"),
            customdata=np.c_[p.time, p.height_agl],
            hovertemplate="t = %{customdata[0]:.2f} s<br>along %{x:.1f} m<br>%{y:.1f} m MSL, "
                          "%{customdata[1]:.1f} m AGL<extra>" + _escape(p.label) + "</extra>",
        ))
    far = lo + 0.85 * (hi - lo)  # labels near the right edge go to the left of their marker
    positions = ["middle left" if m.along > far else ("middle right", "middle left")[i % 2]
                 for i, m in enumerate(marks)]
    fig.add_trace(go.Scatter(
        x=[m.along for m in marks], y=[m.altitude_msl for m in marks], mode="markers+text", name="events",
        text=[_escape(m.label) for m in marks], textposition=positions,
        marker=dict(size=9, color="#000", symbol="diamond", line=dict(color="#fff", width=1)),
        hovertext=[_mark_hover(m) for m in marks], hoverinfo="text", textfont=dict(size=11),
    ))
    # the departure: everything up to full canopy / the bike's impact
    t_end = _departure_end(result)
    sel = [(p.along[p.time <= t_end], p.altitude_msl[p.time <= t_end]) for p in paths]
    dx = _span(np.concatenate([s[0] for s in sel] + [[0.0]]), 0.1, 10.0)
    dy = _span(np.concatenate([s[1] for s in sel]), 0.1, 10.0)
    whole_y = [base, float(max(np.nanmax(ground), max(np.nanmax(p.altitude_msl) for p in paths))) + 30.0]
    fig.update_layout(
        title=dict(text=f"Side view along the jump heading ({_heading_deg(result):.0f} deg true); "
                        f"origin at the {_escape(_datum(result))}"),
        xaxis=dict(title=dict(text=f"distance along the jump heading from the {_escape(_datum(result))} [m]"),
                   range=[lo, hi], constrain="domain"),
        yaxis=dict(title=dict(text="altitude MSL [m]"), range=whole_y, scaleanchor="x", scaleratio=1.0),
        updatemenus=_view_buttons([
            ("whole flight", {"xaxis.range": [lo, hi], "yaxis.range": whole_y}),
            ("departure (to full canopy and impact)", {"xaxis.range": dx, "yaxis.range": dy}),
        ]),
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0.0),
        height=820, margin=dict(t=90),
    )
    return fig


def _zone_traces(result, go):
    traces = []
    lz = result.scenario.landing_zone
    if lz is not None:
        x, y = _circle(lz.east, lz.north, lz.radius)
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", fill="toself", line=dict(color=LANDING_ZONE_COLOUR, width=2),
            fillcolor="rgba(39,174,96,0.15)", name=f"landing zone: {_escape(lz.name)} (r = {lz.radius:.0f} m)",
            hoverinfo="name",
        ))
    for i, z in enumerate(result.scenario.exclusion_zones):
        x, y = _circle(z.east, z.north, z.radius)
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", fill="toself", line=dict(color=EXCLUSION_COLOUR, width=1.5, dash="dot"),
            fillcolor="rgba(192,57,43,0.08)", name=f"exclusion zone: {_escape(z.name)} (r = {z.radius:.0f} m)",
            hoverinfo="name", legendgroup="exclusion",
        ))
        traces.append(go.Scatter(
            x=[z.east], y=[z.north + z.radius], mode="text", text=[_escape(z.name)], textposition="top center",
            textfont=dict(color=EXCLUSION_COLOUR, size=11), showlegend=False, hoverinfo="skip",
        ))
    return traces


def _plan_view(result, paths: list[Path2], marks: list[Mark]):
    go = _go()
    fig = go.Figure()
    for t in _zone_traces(result, go):
        fig.add_trace(t)
    for rank, p in reversed(list(enumerate(paths))):
        fig.add_trace(go.Scatter(
            x=p.east, y=p.north, mode="lines", name=_escape(p.label), legendrank=100 + rank,
            line=dict(color=p.colour, width=1.5 if p.dash else 2.2, dash="dash" if p.dash else "solid"),
            customdata=np.c_[p.time, p.altitude_msl],
            hovertemplate="t = %{customdata[0]:.2f} s<br>east %{x:.1f} m, north %{y:.1f} m<br>"
                          "%{customdata[1]:.1f} m MSL<extra>" + _escape(p.label) + "</extra>",
        ))
    fig.add_trace(go.Scatter(
        x=[0.0], y=[0.0], mode="markers+text", text=[_escape(_datum(result))], textposition="top right",
        marker=dict(symbol="square", size=9, color="#000"), name=f"datum: {_escape(_datum(result))}",
        hovertemplate="datum (0, 0)<extra></extra>",
    ))
    shown = [m for m in marks if m.label.endswith("impact") or m.label in ("touchdown", "full canopy")]
    fig.add_trace(go.Scatter(
        x=[m.east for m in shown], y=[m.north for m in shown], mode="markers+text",
        text=[_escape(m.label) for m in shown], textposition="bottom center", name="events",
        marker=dict(size=10, symbol="x", color=[SECOND_BODY_COLOUR if m.body != _rider(result) else "#000"
                                                 for m in shown]),
        hovertext=[_mark_hover(m) for m in shown], hoverinfo="text",
    ))
    fig.update_layout(
        title=dict(text=f"Plan view (east, north about the {_escape(_datum(result))}; "
                        f"jump heading {_heading_deg(result):.0f} deg true)"),
        xaxis=dict(title=dict(text="east [m]"), constrain="domain"),
        yaxis=dict(title=dict(text="north [m]"), scaleanchor="x", scaleratio=1.0),
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0.0), height=650,
    )
    return fig


def _event_lines(result) -> list[Mark]:
    return [m for m in _marks(result) if m.label in ("pull", "line stretch", "full canopy")]


def _time_series(result, paths: list[Path2]):
    go = _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
        subplot_titles=("altitude MSL (solid) and height AGL (dotted)",
                        "speed (each body's series ends when it comes to rest)",
                        "aerodynamic load (on the ramp: with the ramp's contact force)"),
    )
    shown = [p for p in paths if not p.dash]
    for rank, p in reversed(list(enumerate(shown))):  # the rider drawn last, on top; listed first
        hover = "t = %{x:.2f} s<br>%{y:.1f} "
        fig.add_trace(go.Scatter(x=p.time, y=p.altitude_msl, name=f"{_escape(p.label)}: altitude MSL",
                                 line=dict(color=p.colour, width=2), legendgroup=p.label, legendrank=100 + 2 * rank,
                                 hovertemplate=hover + "m MSL<extra>" + _escape(p.label) + "</extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=p.time, y=p.height_agl, name=f"{_escape(p.label)}: height AGL",
                                 line=dict(color=p.colour, width=1.5, dash="dot"), legendgroup=p.label,
                                 legendrank=100 + 2 * rank + 1,
                                 hovertemplate=hover + "m AGL<extra>" + _escape(p.label) + "</extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=p.time, y=p.speed, name=f"{_escape(p.label)}: speed", showlegend=False,
                                 line=dict(color=p.colour, width=2), legendgroup=p.label,
                                 hovertemplate=hover + "m/s<extra>" + _escape(p.label) + "</extra>"), row=2, col=1)
        fig.add_trace(go.Scatter(x=p.time, y=p.load, name=f"{_escape(p.label)}: load", showlegend=False,
                                 line=dict(color=p.colour, width=2), legendgroup=p.label,
                                 hovertemplate="t = %{x:.2f} s<br>%{y:.2f} g<extra>" + _escape(p.label) + "</extra>"),
                      row=3, col=1)
    limit = float(result.scenario.criteria.max_opening_load)
    t_all = np.concatenate([p.time for p in shown])
    fig.add_trace(go.Scatter(
        x=[float(np.nanmin(t_all)), float(np.nanmax(t_all))], y=[limit, limit], mode="lines",
        line=dict(color=LIMIT_COLOUR, dash="dash", width=1.5), name=f"opening-load limit {limit:.1f} g",
        hovertemplate=f"opening-load limit {limit:.1f} g (applies during inflation)<extra></extra>",
    ), row=3, col=1)
    if "opening_load" in result.margins.keys:
        peak = float(result.margins.value["opening_load"][0])
        stretch = next((m for m in _marks(result) if m.label == "line stretch"), None)
        full = next((m for m in _marks(result) if m.label == "full canopy"), None)
        if stretch is not None and full is not None:
            fig.add_trace(go.Scatter(
                x=[stretch.time, full.time], y=[peak, peak], mode="lines+text", text=["", f"{peak:.2f} g"],
                textposition="top right", line=dict(color="#000", width=1), name="criterion: peak opening load",
                hovertemplate=f"peak opening load {peak:.2f} g (line stretch to full canopy)<extra></extra>",
            ), row=3, col=1)
    for m in _event_lines(result):
        fig.add_vline(x=m.time, line=dict(color="#888", width=1, dash="dot"), row="all", col=1)
        fig.add_annotation(x=m.time, y=0.98, yref="y domain", xref="x", text=_escape(m.label), showarrow=False,
                           textangle=-90, xanchor="right", yanchor="top", font=dict(size=10, color="#555"))
    first = float(np.nanmin(t_all))
    whole = [first, float(np.nanmax(t_all))]
    departure = [first, _departure_end(result)]
    fig.update_xaxes(title_text=f"time after the {_escape(_datum(result))} [s]", row=3, col=1)
    fig.update_yaxes(title_text="altitude MSL, height AGL [m]", row=1, col=1)
    fig.update_yaxes(title_text="speed [m/s]", row=2, col=1)
    fig.update_yaxes(title_text="aerodynamic load [g]", row=3, col=1, rangemode="tozero")
    views = [(label, {f"xaxis{s}.range": rng for s in ("", "2", "3")})
             for label, rng in (("departure", departure), ("whole flight", whole))]
    fig.update_xaxes(range=departure)
    fig.update_layout(
        title=dict(text=f"Time series (t = 0 at the {_escape(_datum(result))}; negative on the ramp)"),
        updatemenus=_view_buttons(views), height=850, margin=dict(t=110),
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0.0), hovermode="x unified",
    )
    return fig


def _window_title(result) -> str:
    w = result.window
    if w.earliest is None:
        return "Deployment window: no pull time on the grid passes every criterion"
    return (f"Deployment window {w.earliest:.3f} to {w.latest:.3f} s after the {_escape(_datum(result))}<br>"
            f"<sup>earliest closed by: {_escape(_criterion_title(result, w.earliest_closed_by))}; "
            f"latest closed by: {_escape(_criterion_title(result, w.latest_closed_by))}</sup>")


def _window(result):
    go = _go()
    w = result.window
    m = w.margins
    lo, hi = RELATIVE_MARGIN_CLIP
    fig = go.Figure()
    if w.earliest is not None:
        fig.add_vrect(x0=w.earliest, x1=w.latest, fillcolor=WINDOW_COLOUR, opacity=0.15, line_width=0, layer="below")
        fig.add_trace(go.Scatter(  # a legend entry for the shaded band
            x=[None], y=[None], mode="markers", marker=dict(size=14, symbol="square", color=WINDOW_COLOUR, opacity=0.4),
            name=f"window {w.earliest:.3f} to {w.latest:.3f} s (shaded)", hoverinfo="skip",
        ))
    for i, key in enumerate(m.keys):
        rel = np.asarray(m.relative(key), float)
        info = m.info[key]
        fig.add_trace(go.Scatter(
            x=w.pull_times, y=np.clip(rel, lo, hi), mode="lines", name=_escape(info.title),
            line=dict(color=CRITERION_COLOURS[i % len(CRITERION_COLOURS)], width=2),
            customdata=np.c_[rel, m.value[key], m.margin[key]],
            hovertemplate=("pull %{x:.2f} s<br>relative margin %{customdata[0]:.3f}<br>value %{customdata[1]:.2f} "
                           f"{_escape(info.unit)}<br>margin %{{customdata[2]:.2f}} {_escape(info.unit)} "
                           f"(limit {_escape(info.limit_text)})<extra>{_escape(info.title)}</extra>"),
        ))
    fig.add_hline(y=0.0, line=dict(color="#000", width=1))
    planned = float(result.scenario.parachute.pull_time)
    fig.add_trace(go.Scatter(
        x=[planned, planned], y=[lo, hi], mode="lines", line=dict(color=PLANNED_COLOUR, width=2.5),
        name=f"planned pull {planned:.3f} s", hovertemplate=f"planned pull {planned:.3f} s<extra></extra>",
    ))
    reported, source = _reported(result)
    if reported is not None:
        wrapped = "<br>".join(textwrap.wrap(_escape(source), 60))
        fig.add_trace(go.Scatter(
            x=[reported, reported], y=[lo, hi], mode="lines", line=dict(color=REPORTED_COLOUR, width=2.5, dash="dash"),
            name=f"reported pull {reported:.3f} s:<br>{wrapped}",
            hovertemplate=f"reported pull {reported:.3f} s<br>{wrapped}<extra></extra>",
        ))
    fig.update_layout(
        title=dict(text=_window_title(result)),
        xaxis=dict(title=dict(text=f"pull time after the {_escape(_datum(result))} [s]")),
        yaxis=dict(title=dict(text="relative margin = margin / scale [-] (clipped to -1 ... 3)"),
                   range=[lo - 0.1, hi + 0.1]),
        height=600, legend=dict(font=dict(size=11)), margin=dict(t=90),
    )
    return fig


def _separation(result, marks: list[Mark]):
    go = _go()
    fig = go.Figure()
    rider, second = _rider(result), _second_body(result)
    if second is None:
        fig.add_annotation(text="single-body scenario: no separation to plot", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        fig.update_layout(xaxis=dict(title=dict(text="time after the datum [s]")),
                          yaxis=dict(title=dict(text="distance [m]")))
        return fig
    t, gap = result.nominal.distance_between(rider, second)
    fig.add_trace(go.Scatter(
        x=t, y=gap, mode="lines", line=dict(color=RIDER_COLOUR, width=2), name=f"{_escape(rider)} to {_escape(second)}",
        hovertemplate="t = %{x:.2f} s<br>%{y:.1f} m<extra></extra>",
    ))
    limit = float(result.scenario.criteria.min_separation_at_line_stretch)
    fig.add_trace(go.Scatter(
        x=[float(t[0]), float(t[-1])], y=[limit, limit], mode="lines", line=dict(color=LIMIT_COLOUR, dash="dash"),
        name=f"minimum at line stretch {limit:.1f} m", hovertemplate=f"limit {limit:.1f} m<extra></extra>",
    ))
    stretch = next((m for m in marks if m.label == "line stretch"), None)
    if stretch is not None and "separation" in result.margins.keys:
        value = float(result.margins.value["separation"][0])
        margin = float(result.margins.margin["separation"][0])
        fig.add_trace(go.Scatter(
            x=[stretch.time], y=[value], mode="markers+text", text=[f"line stretch: {value:.1f} m"],
            textposition="middle left", marker=dict(size=11, color="#000", symbol="diamond"),
            name=f"at line stretch ({stretch.time:.3f} s): {value:.1f} m, margin {margin:+.1f} m",
            hovertemplate=(f"line stretch t = {stretch.time:.3f} s<br>{value:.2f} m (margin {margin:+.2f} m)"
                           "<extra></extra>"),
        ))
    for m in marks:
        if m.label in ("separation", "pull", "full canopy") or m.label.endswith("impact"):
            fig.add_vline(x=m.time, line=dict(color="#999", width=1, dash="dot"))
            fig.add_annotation(x=m.time, y=1.0, yref="paper", text=_escape(m.label), showarrow=False, textangle=-90,
                               xanchor="right", yanchor="top", font=dict(size=10, color="#555"))
    t_end = _departure_end(result)
    sel = (t >= -1.0) & (t <= t_end)
    departure_x = [-1.0, t_end]
    departure_y = [0.0, float(max(np.nanmax(gap[sel]) if sel.any() else limit, limit)) * 1.1]
    whole_x, whole_y = [float(t[0]), float(t[-1])], [0.0, float(np.nanmax(gap)) * 1.05]
    fig.update_layout(
        title=dict(text=f"Separation: distance between {_escape(rider)} and {_escape(second)}"),
        xaxis=dict(title=dict(text=f"time after the {_escape(_datum(result))} [s]"), range=departure_x),
        yaxis=dict(title=dict(text=f"{_escape(rider)} to {_escape(second)} distance [m]"), range=departure_y),
        updatemenus=_view_buttons([
            ("departure", {"xaxis.range": departure_x, "yaxis.range": departure_y}),
            ("whole flight", {"xaxis.range": whole_x, "yaxis.range": whole_y}),
        ]),
        height=500, margin=dict(t=90), legend=dict(orientation="h", yanchor="top", y=-0.2, x=0.0),
    )
    return fig


def _wind(result):
    go = _go()
    rows = _wind_rows(result)
    labels = [f"{d:.0f} ({direction_name(d)})" for d, _, _ in rows]
    speeds = [0.0 if math.isnan(s) else s for _, s, _ in rows]
    top = float(result.wind.speeds[-1])
    fig = go.Figure(go.Bar(
        x=labels, y=speeds, marker_color=["#c0392b" if math.isnan(s) else RIDER_COLOUR for _, s, _ in rows],
        text=[f"{s:.0f} m/s" if not math.isnan(s) else "fails in calm" for _, s, _ in rows], textposition="outside",
        customdata=[_escape(c) for _, _, c in rows], name="max tolerated uniform wind",
        hovertemplate="wind from %{x} deg<br>max %{y:.0f} m/s<br>closed by: %{customdata}<extra></extra>",
    ))
    closing = sorted({c for _, _, c in rows})
    fig.update_layout(
        title=dict(text=("Wind sensitivity: the strongest uniform wind every criterion tolerates<br>"
                         f"<sup>closed by: {_escape('; '.join(closing))}</sup>")),
        xaxis=dict(title=dict(text="wind from, relative to the jump heading, clockwise [deg]")),
        yaxis=dict(title=dict(text="max tolerated uniform wind speed [m/s]"), range=[0, top * 1.1]),
        height=480, margin=dict(t=90), showlegend=False,
    )
    fig.add_hline(y=top, line=dict(color="#888", dash="dot", width=1), annotation_text=f"sweep limit {top:.0f} m/s",
                  annotation_position="top left")
    return fig


def plan_figures(result) -> dict:
    """Interactive figures of a plan, keyed ``side_view``, ``plan_view``, ``time_series``, ``window``,
    ``separation``, ``wind``.

    Parameters
    ----------
    result : stuntsim.analysis.plan.PlanResult

    Returns
    -------
    dict of str to plotly.graph_objects.Figure
    """
    paths = _paths(result)
    marks = _marks(result)
    figures = {
        "side_view": _side_view(result, paths, marks),
        "plan_view": _plan_view(result, paths, marks),
        "time_series": _time_series(result, paths),
        "window": _window(result),
        "separation": _separation(result, marks),
        "wind": _wind(result),
    }
    for fig in figures.values():
        fig.update_layout(template="plotly_white", font=dict(family="sans-serif"))
    return figures


#: Most bars drawn in a risk margin histogram; adjacent streamed bins are merged to stay below it.
RISK_HISTOGRAM_MAX_BARS = 120
FAIL_COLOUR = "#c0392b"
PASS_COLOUR = "#2e86c1"
GO_BOUNDARY_COLOUR = "#1e8449"


def _probability_text(p: float) -> str:
    """A probability for a title or label: three significant digits."""
    return "0" if p == 0 else f"{p:.3g}"


def merged_histogram(counts, edges, max_bars: int = RISK_HISTOGRAM_MAX_BARS) -> tuple[np.ndarray, np.ndarray]:
    """The used span of a streamed histogram with adjacent bins summed into at most ``max_bars`` bars.

    Bins are merged in groups aligned on the bin edge nearest zero, so no bar straddles
    the pass/fail boundary (margin 0) when zero is a bin edge. A view of the counts:
    the sum over the bars equals the sum over the bins.

    Returns
    -------
    (counts, edges) : ndarray, ndarray
        ``len(edges) == len(counts) + 1``; both empty when every count is zero.
    """
    counts = np.asarray(counts)
    edges = np.asarray(edges, float)
    used = np.nonzero(counts)[0]
    if used.size == 0:
        return np.zeros(0, counts.dtype), np.zeros(0)
    zero = int(np.argmin(np.abs(edges)))
    lo, hi = int(used[0]), int(used[-1]) + 1
    group = max(1, math.ceil((hi - lo) / max_bars))
    # group boundaries at zero + k * group, widened to cover [lo, hi)
    first = zero + math.floor((lo - zero) / group) * group
    last = zero + math.ceil((hi - zero) / group) * group
    bounds = np.arange(first, last + 1, group)
    inner = np.clip(bounds, 0, len(counts))
    merged = np.add.reduceat(counts, inner[:-1]) if len(inner) > 1 else counts[lo:hi].sum(keepdims=True)
    merged = np.where(np.diff(inner) > 0, merged, 0)
    merged_edges = edges[inner]
    return merged, merged_edges


def _risk_histogram(result, key: str, edges: np.ndarray):
    go = _go()
    counts, bar_edges = merged_histogram(result.histograms[key], edges)
    unit = result.units.get(key, "")
    title = result.titles.get(key, key)
    centres = 0.5 * (bar_edges[:-1] + bar_edges[1:])
    fails = centres < 0
    fig = go.Figure()
    for failing, name, colour in ((False, "holds (margin >= 0)", PASS_COLOUR), (True, "fails (margin < 0)", FAIL_COLOUR)):
        pick = fails == failing
        if not pick.any():
            continue
        fig.add_trace(go.Bar(
            x=centres[pick], y=counts[pick], width=np.diff(bar_edges)[pick], marker_color=colour, name=name,
            customdata=np.column_stack([bar_edges[:-1][pick], bar_edges[1:][pick]]),
            hovertemplate=(f"margin %{{customdata[0]:.3g}} to %{{customdata[1]:.3g}} {_escape(unit)}"
                           "<br>%{y:,} samples<extra>" + name + "</extra>"),
        ))
    p, low, high = result.probability(key)
    fig.add_vline(x=0.0, line=dict(color="#111", width=1.5, dash="dash"), annotation_text="margin 0 (limit)",
                  annotation_position="top left")
    # a failing tail too small to see on a linear count axis is shown on a log axis (a button switches back)
    peak = counts.max() if counts.size else 0
    log = bool(fails.any() and counts[fails].max() < 0.05 * peak)
    buttons = _view_buttons([("linear count", {"yaxis.type": "linear"}), ("log count", {"yaxis.type": "log"})])
    buttons[0].update(x=1.0, xanchor="right", active=1 if log else 0)
    fig.update_layout(
        title=dict(text=(f"{_escape(title)}<br><sup>P(fail) = {_probability_text(p)} "
                         f"(95% Wilson interval {_probability_text(low)} to {_probability_text(high)}), "
                         f"{result.failures[key]:,} of {result.n_samples:,} samples</sup>")),
        xaxis=dict(title=dict(text=f"margin [{_escape(unit)}] (negative = fails)")),
        yaxis=dict(title=dict(text="samples per bar [-]"), type="log" if log else "linear"),
        bargap=0.0, height=400, margin=dict(t=100), showlegend=True,
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0.0),
        updatemenus=buttons,
    )
    return fig


def risk_figures(result) -> dict:
    """Interactive margin histograms of a Monte Carlo run, one per criterion, keyed by criterion.

    Bars are the streamed histogram bins of :mod:`stuntsim.analysis.risk` (merged in
    adjacent groups for display); the failing side (margin < 0) is red, the limit is
    the dashed line at zero, and the title gives P(fail) with its Wilson interval.

    Parameters
    ----------
    result : stuntsim.analysis.risk.RiskResult

    Returns
    -------
    dict of str to plotly.graph_objects.Figure
        Empty when no sample finished.
    """
    from stuntsim.analysis.risk import HISTOGRAM_BINS, HISTOGRAM_SPAN

    figures = {}
    if result.n_samples == 0:
        return figures
    for key in result.histograms:
        edges = np.linspace(-HISTOGRAM_SPAN, HISTOGRAM_SPAN, HISTOGRAM_BINS + 1) * result.scales[key]
        fig = _risk_histogram(result, key, edges)
        fig.update_layout(template="plotly_white", font=dict(family="sans-serif"))
        figures[key] = fig
    return figures


def _direction_label(direction_deg: float) -> str:
    name = direction_name(direction_deg)
    return f"{direction_deg:.0f} deg" + (f" ({name})" if name else "")


def _go_boundary(env) -> tuple[list[float], list[float]]:
    """A staircase between each direction's last GO cell and the next speed (left edge if NO-GO in calm)."""
    half = 0.5 * _step(env.speeds)
    xs, ys = [], []
    for i, v in enumerate(env.max_go_speed):
        x = float(env.speeds[0] - half) if math.isnan(float(v)) else float(v + half)
        xs += [x, x]
        ys += [i - 0.5, i + 0.5]
    return xs, ys


def envelope_figure(env):
    """Interactive wind envelope: P(failure) per (direction, mean wind) cell with the GO boundary.

    Hovering a cell shows P(failure), its Wilson interval, the failures out of the
    samples per cell, and GO / NO-GO. Cells read ``GO`` or their probability.

    Parameters
    ----------
    env : stuntsim.analysis.envelope.Envelope

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go = _go()
    rows = np.arange(len(env.directions_deg))
    labels = [_direction_label(float(d)) for d in env.directions_deg]
    n = env.n_per_cell
    custom = np.dstack([env.low, env.high, env.failures, np.where(env.go, "GO", "NO-GO").astype(object),
                        np.broadcast_to(np.array(labels, dtype=object)[:, None], env.probability.shape)])
    text = np.where(env.go, np.char.add("GO ", np.char.mod("%.2f", env.probability)),
                    np.char.mod("%.2f", env.probability))
    top = max(float(np.nanmax(env.probability)) if env.probability.size else 0.0, 2 * env.acceptable_risk)
    fig = go.Figure(go.Heatmap(
        x=env.speeds, y=rows, z=env.probability, zmin=0.0, zmax=top, colorscale="Magma", reversescale=True,
        colorbar=dict(title=dict(text="P(failure) [-]")), customdata=custom, text=text, texttemplate="%{text}",
        xgap=1, ygap=1, name="P(failure)",
        hovertemplate=("wind from %{customdata[4]}<br>mean wind %{x:.1f} m/s<br>P(failure) = %{z:.3f} "
                       "(95% Wilson %{customdata[0]:.3f} to %{customdata[1]:.3f})<br>"
                       f"%{{customdata[2]}} failures of {n} samples<br>%{{customdata[3]}}<extra></extra>"),
    ))
    xs, ys = _go_boundary(env)
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines", line=dict(color=GO_BOUNDARY_COLOUR, width=4), hoverinfo="skip",
        name=f"GO boundary (upper 95% bound <= {env.acceptable_risk:g})",
    ))
    half = 0.5 * _step(env.speeds)
    fig.update_layout(
        title=dict(text=(f"Wind envelope: P(failure) per cell, {n} samples per cell (seed {env.seed})<br>"
                         f"<sup>GO where the upper end of the 95% Wilson interval is at most {env.acceptable_risk:g}; "
                         "GO cells read 'GO'</sup>")),
        xaxis=dict(title=dict(text="mean wind speed [m/s]"), range=[float(env.speeds[0] - half),
                                                                    float(env.speeds[-1] + half)],
                   **(dict(tickmode="array", tickvals=env.speeds.tolist()) if len(env.speeds) <= 25 else {})),
        yaxis=dict(title=dict(text="wind from, relative to the jump heading, clockwise [deg]"), tickmode="array",
                   tickvals=rows.tolist(), ticktext=labels, range=[-0.5, len(rows) - 0.5]),
        height=max(420, 70 * len(rows) + 200), margin=dict(t=100, l=200), showlegend=True,
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0),
        template="plotly_white", font=dict(family="sans-serif"),
    )
    return fig


# --------------------------------------------------------------------------- matplotlib (PNG)
def _figure(nrows=1, ncols=1, *, figsize, dpi=110, **kw):
    """A matplotlib Figure outside pyplot (no global state, no backend switch; PNG through Agg)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    return fig, fig.subplots(nrows, ncols, **kw)


def _mpl_marks(ax, marks: list[Mark], x_of, y_of, fontsize=8):
    """Event markers labelled alternately right and left of the point."""
    for i, m in enumerate(marks):
        x, y = x_of(m), y_of(m)
        ax.plot(x, y, marker="D", color="k", markersize=4, zorder=5)
        right = i % 2 == 0
        ax.annotate(m.label, (x, y), textcoords="offset points", xytext=(7 if right else -7, 0), fontsize=fontsize,
                    ha="left" if right else "right", va="center", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7))


def _png_side_view(result, paths, marks):
    fig, (ax, dep) = _figure(1, 2, figsize=(15, 7.5), dpi=100, gridspec_kw={"width_ratios": [2.6, 1.0]})
    lo, hi = _span(np.concatenate([p.along for p in paths]), 0.03, 20.0)
    t_end = _departure_end(result)
    sel = [(p.along[p.time <= t_end], p.altitude_msl[p.time <= t_end]) for p in paths]
    dx = _span(np.concatenate([s[0] for s in sel] + [[0.0]]), 0.1, 10.0)
    dy = _span(np.concatenate([s[1] for s in sel]), 0.1, 10.0)
    d, ground = _terrain_along(result, lo, hi)
    base = float(np.nanmin(ground)) - 50.0
    top = max(float(np.nanmax(ground)), max(float(np.nanmax(p.altitude_msl)) for p in paths)) + 30.0
    for axis, (x0, x1), (y0, y1), shown in (
        (ax, (lo, hi), (base, top), [m for m in marks if m.label == "touchdown" or m.label.endswith("impact")]),
        (dep, dx, dy, [m for m in marks if m.time <= t_end]),
    ):
        dd, gg = _terrain_along(result, x0, x1, 600)
        axis.fill_between(dd, min(y0, base), gg, color=TERRAIN_COLOUR, alpha=0.8,
                          label="terrain below the heading line")
        for i, p in enumerate(paths):
            axis.plot(p.along, p.altitude_msl, color=p.colour, lw=1.2 if p.dash else 1.8, ls="--" if p.dash else "-",
                      label=p.label, zorder=3 + len(paths) - i)
        _mpl_marks(axis, shown, lambda m: m.along, lambda m: m.altitude_msl)
        axis.set_xlim(x0, x1)
        axis.set_ylim(y0, y1)
        axis.set_aspect("equal", adjustable="box")
        axis.set_xlabel(f"distance along the jump heading from the {_datum(result)} [m]")
        axis.set_ylabel("altitude MSL [m]")
        axis.grid(alpha=0.25)
    ax.set_title(f"Side view along the jump heading ({_heading_deg(result):.0f} deg true), whole flight")
    dep.set_title(f"departure, to {t_end:.1f} s after the {_datum(result)}", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def _png_plan_view(result, paths, marks):
    fig, ax = _figure(figsize=(12, 6.5), dpi=110)
    lz = result.scenario.landing_zone
    if lz is not None:
        x, y = _circle(lz.east, lz.north, lz.radius)
        ax.fill(x, y, color=LANDING_ZONE_COLOUR, alpha=0.2, label=f"landing zone: {lz.name} (r = {lz.radius:.0f} m)")
        ax.plot(x, y, color=LANDING_ZONE_COLOUR)
    for z in result.scenario.exclusion_zones:
        x, y = _circle(z.east, z.north, z.radius)
        ax.plot(x, y, color=EXCLUSION_COLOUR, ls=":", lw=1.5)
        ax.fill(x, y, color=EXCLUSION_COLOUR, alpha=0.06)
        ax.annotate(f"exclusion: {z.name}", (z.east, z.north + z.radius), ha="center", va="bottom", fontsize=8,
                    color=EXCLUSION_COLOUR)
    for i, p in enumerate(paths):
        ax.plot(p.east, p.north, color=p.colour, lw=1.2 if p.dash else 1.8, ls="--" if p.dash else "-", label=p.label,
                zorder=3 + len(paths) - i)
    ax.plot(0.0, 0.0, "ks", markersize=5, label=f"datum: {_datum(result)}")
    _mpl_marks(ax, [m for m in marks if m.label.endswith("impact") or m.label == "touchdown"],
               lambda m: m.east, lambda m: m.north)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("east [m]")
    ax.set_ylabel("north [m]")
    ax.set_title(f"Plan view about the {_datum(result)} (jump heading {_heading_deg(result):.0f} deg true)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _png_time_series(result, paths):
    fig, axes = _figure(3, 2, figsize=(14, 9.5), dpi=100, sharex="col")
    shown = [p for p in paths if not p.dash]
    t_all = np.concatenate([p.time for p in shown])
    limit = float(result.scenario.criteria.max_opening_load)
    z = {p.label: 3 + len(shown) - i for i, p in enumerate(shown)}  # the rider on top
    spans = [(float(np.nanmin(t_all)), _departure_end(result), "departure"),
             (float(np.nanmin(t_all)), float(np.nanmax(t_all)), "whole flight")]
    for col, (t0, t1, name) in enumerate(spans):
        a0, a1, a2 = axes[:, col]
        for p in shown:
            a0.plot(p.time, p.altitude_msl, color=p.colour, lw=1.6, label=f"{p.label}: altitude MSL", zorder=z[p.label])
            a0.plot(p.time, p.height_agl, color=p.colour, lw=1.2, ls=":", label=f"{p.label}: height AGL",
                    zorder=z[p.label])
            a1.plot(p.time, p.speed, color=p.colour, lw=1.6, label=p.label, zorder=z[p.label])
            a2.plot(p.time, p.load, color=p.colour, lw=1.6, label=p.label, zorder=z[p.label])
        a2.axhline(limit, color=LIMIT_COLOUR, ls="--", lw=1.2, label=f"opening-load limit {limit:.1f} g")
        for m in _event_lines(result):
            if t0 <= m.time <= t1:
                for a in (a0, a1, a2):
                    a.axvline(m.time, color="#888", ls=":", lw=0.9)
                if col == 0:
                    a0.annotate(m.label, (m.time, 1.0), xycoords=("data", "axes fraction"), rotation=90, va="top",
                                ha="right", fontsize=7, color="#555")
        a0.set_title(name)
        a0.set_ylabel("altitude MSL, height AGL [m]")
        a1.set_ylabel("speed [m/s]")
        a2.set_ylabel("aerodynamic load [g]")
        a2.set_xlabel(f"time after the {_datum(result)} [s]")
        a2.set_xlim(t0, t1)
        a2.set_ylim(bottom=0.0)
        for a in (a0, a1, a2):
            a.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    axes[2, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Time series (t = 0 at the {_datum(result)}; negative on the ramp)")
    fig.text(0.01, 0.005, "Load on the ramp includes the ramp's contact force; each body's speed and load end when it "
             "comes to rest.", fontsize=8, color="#555")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def _png_window(result):
    w = result.window
    m = w.margins
    lo, hi = RELATIVE_MARGIN_CLIP
    fig, ax = _figure(figsize=(12, 6.5), dpi=110)
    if w.earliest is not None:
        ax.axvspan(w.earliest, w.latest, color=WINDOW_COLOUR, alpha=0.15,
                   label=f"window {w.earliest:.3f} to {w.latest:.3f} s")
    for i, key in enumerate(m.keys):
        ax.plot(w.pull_times, np.clip(m.relative(key), lo, hi), color=CRITERION_COLOURS[i % len(CRITERION_COLOURS)],
                lw=1.6, label=m.info[key].title)
    ax.axhline(0.0, color="k", lw=0.8)
    planned = float(result.scenario.parachute.pull_time)
    ax.axvline(planned, color=PLANNED_COLOUR, lw=2.0, label=f"planned pull {planned:.3f} s")
    reported, source = _reported(result)
    if reported is not None:
        ax.axvline(reported, color=REPORTED_COLOUR, lw=2.0, ls="--",
                   label="\n".join(textwrap.wrap(f"reported pull {reported:.3f} s: {source}", 48)))
    ax.set_ylim(lo - 0.1, hi + 0.1)
    ax.set_xlabel(f"pull time after the {_datum(result)} [s]")
    ax.set_ylabel("relative margin = margin / scale [-] (clipped)")
    if w.earliest is None:
        ax.set_title("Deployment window: no pull time on the grid passes every criterion")
    else:
        ax.set_title(f"Deployment window {w.earliest:.3f} to {w.latest:.3f} s\n"
                     f"earliest closed by: {_criterion_title(result, w.earliest_closed_by)}; "
                     f"latest closed by: {_criterion_title(result, w.latest_closed_by)}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def _png_separation(result, marks):
    fig, ax = _figure(figsize=(10, 5), dpi=110)
    rider, second = _rider(result), _second_body(result)
    ax.set_xlabel(f"time after the {_datum(result)} [s]")
    ax.set_ylabel("distance [m]")
    if second is None:
        ax.text(0.5, 0.5, "single-body scenario: no separation to plot", ha="center", transform=ax.transAxes)
        return fig
    t, gap = result.nominal.distance_between(rider, second)
    t_end = _departure_end(result)
    sel = (t >= -1.0) & (t <= t_end)
    limit = float(result.scenario.criteria.min_separation_at_line_stretch)
    ax.plot(t[sel], gap[sel], color=RIDER_COLOUR, lw=1.8, label=f"{rider} to {second}")
    ax.axhline(limit, color=LIMIT_COLOUR, ls="--", label=f"minimum at line stretch {limit:.1f} m")
    stretch = next((m for m in marks if m.label == "line stretch"), None)
    if stretch is not None and "separation" in result.margins.keys:
        value = float(result.margins.value["separation"][0])
        ax.plot(stretch.time, value, "kD", label=f"line stretch ({stretch.time:.3f} s): {value:.1f} m")
    ax.set_ylabel(f"{rider} to {second} distance [m]")
    ax.set_title(f"Separation (departure, to {t_end:.1f} s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _png_wind(result):
    rows = _wind_rows(result)
    fig, ax = _figure(figsize=(10, 5.5), dpi=110)
    x = np.arange(len(rows))
    speeds = [0.0 if math.isnan(s) else s for _, s, _ in rows]
    ax.bar(x, speeds, color=[("#c0392b" if math.isnan(s) else RIDER_COLOUR) for _, s, _ in rows])
    for i, (_, s, c) in enumerate(rows):
        ax.annotate(f"{s:.0f} m/s\n" + "\n".join(textwrap.wrap(c, 20)) if not math.isnan(s) else "fails in calm",
                    (i, speeds[i]), ha="center", va="bottom", fontsize=7, textcoords="offset points", xytext=(0, 2))
    ax.set_xticks(x, [f"{d:.0f}\n{direction_name(d)}" for d, _, _ in rows], fontsize=8)
    ax.set_xlabel("wind from, relative to the jump heading, clockwise [deg]")
    ax.set_ylabel("max tolerated uniform wind speed [m/s]")
    ax.set_ylim(0, float(result.wind.speeds[-1]) * 1.15)
    ax.axhline(float(result.wind.speeds[-1]), color="#888", ls=":", lw=1)
    ax.annotate(f"sweep limit {float(result.wind.speeds[-1]):.0f} m/s", (0.0, float(result.wind.speeds[-1])),
                xycoords=("axes fraction", "data"), va="bottom", fontsize=8, color="#555")
    ax.set_title("Wind sensitivity: the strongest uniform wind every criterion tolerates")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def save_pngs(result, folder) -> list[Path]:
    """Write static PNGs of the plan (matplotlib, Agg) atomically to ``folder/<key>.png``.

    Parameters
    ----------
    result : stuntsim.analysis.plan.PlanResult
    folder : path-like
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in :data:`PNG_KEYS` order.
    """
    folder = Path(folder)
    paths = _paths(result)
    marks = _marks(result)
    makers = {
        "side_view": lambda: _png_side_view(result, paths, marks),
        "plan_view": lambda: _png_plan_view(result, paths, marks),
        "time_series": lambda: _png_time_series(result, paths),
        "window": lambda: _png_window(result),
        "separation": lambda: _png_separation(result, marks),
        "wind": lambda: _png_wind(result),
    }
    written = []
    for key in PNG_KEYS:
        fig = makers[key]()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        fig.clear()
        written.append(write_bytes_atomic(folder / f"{key}.png", buffer.getvalue()))
    return written


def _png_bytes(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    fig.clear()
    return buffer.getvalue()


def save_envelope_png(env, path) -> Path:
    """Wind envelope map: P(failure) per (direction, mean wind) cell, GO cells outlined, the boundary drawn."""
    fig, ax = _figure(figsize=(10, 5.5), dpi=110)
    extent = (env.speeds[0] - 0.5 * _step(env.speeds), env.speeds[-1] + 0.5 * _step(env.speeds),
              -0.5, len(env.directions_deg) - 0.5)
    image = ax.imshow(env.probability, origin="lower", aspect="auto", extent=extent, cmap="magma_r", vmin=0.0,
                      vmax=max(float(env.probability.max()), env.acceptable_risk * 2))
    fig.colorbar(image, ax=ax, label="P(failure) [-]")
    rows = np.arange(len(env.directions_deg))
    ax.step(np.nan_to_num(env.max_go_speed, nan=extent[0]) + 0.5 * _step(env.speeds), rows, where="mid",
            color="#2ca02c", lw=2.5, label=f"GO boundary (upper 95% bound <= {env.acceptable_risk:g})")
    ax.set_yticks(rows, [direction_name(d) for d in env.directions_deg])
    ax.set_xlabel("mean wind speed [m/s]")
    ax.set_ylabel("wind from, relative to the jump heading")
    ax.set_title(f"Wind envelope, {env.n_per_cell} samples per cell (seed {env.seed})")
    ax.legend(loc="upper right", fontsize=8)
    return write_bytes_atomic(path, _png_bytes(fig))


def save_risk_pngs(result, folder) -> list[Path]:
    """Margin histograms per failure mode (from the streamed bins), failures shaded."""
    from stuntsim.analysis.risk import HISTOGRAM_BINS, HISTOGRAM_SPAN

    written = []
    for key, counts in result.histograms.items():
        edges = np.linspace(-HISTOGRAM_SPAN, HISTOGRAM_SPAN, HISTOGRAM_BINS + 1) * result.scales[key]
        used = np.nonzero(counts)[0]
        if used.size == 0:
            continue
        lo, hi = used[0], used[-1] + 1
        fig, ax = _figure(figsize=(8, 4), dpi=100)
        # failing bins (centre below zero) red, the rest blue; filled steps, not one bar per bin
        centres = 0.5 * (edges[:-1] + edges[1:])
        split = int(np.clip(np.searchsorted(centres, 0.0), lo, hi))
        for a, b, colour in ((lo, split, "#d62728"), (split, hi, "#1f77b4")):
            if b > a:
                ax.stairs(counts[a:b], edges[a : b + 1], fill=True, color=colour)
        p, low, high = result.probability(key)
        ax.set_title(f"{result.titles.get(key, key)}: P(fail) {p:.2e} (95% {low:.1e} to {high:.1e})", fontsize=10)
        ax.set_xlabel(f"margin [{result.units.get(key, '')}] (negative = fails)")
        ax.set_ylabel("samples [-]")
        written.append(write_bytes_atomic(Path(folder) / f"risk_{key}.png", _png_bytes(fig)))
    return written


def _step(values) -> float:
    return float(values[1] - values[0]) if len(values) > 1 else 1.0
