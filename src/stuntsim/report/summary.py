"""Machine-readable plan summary (JSON): the verdict, margins, window and provenance."""

from __future__ import annotations

import json
import math

from stuntsim import DISCLAIMER


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def plan_summary(result) -> dict:
    """A JSON-ready dict; every number in SI with its unit in the key name."""
    m, w, para = result.margins, result.window, result.scenario.parachute
    return {
        "disclaimer": DISCLAIMER,
        "meta": result.meta,
        "verdict": result.verdict,
        "binding_criterion": result.binding,
        "opening": result.opening,
        "criteria": {
            k: {
                "title": m.info[k].title,
                "unit": m.info[k].unit,
                "limit": m.info[k].limit_text,
                "value": _num(m.value[k][0]),
                "margin": _num(m.margin[k][0]),
                "passed": bool(m.passed(k)[0]),
            }
            for k in m.keys
        },
        "deployment_window": {
            "earliest_pull_s": w.earliest,
            "latest_pull_s": w.latest,
            "earliest_closed_by": w.earliest_closed_by,
            "latest_closed_by": w.latest_closed_by,
            "planned_pull_s": para.pull_time,
            "reported_pull_s": para.reported_pull_time,
            "reported_pull_source": para.reported_pull_time_source or None,
        },
        "wind_sensitivity": {
            "directions_from_relative_to_heading_deg": [float(d) for d in result.wind.directions_deg],
            "max_uniform_wind_m_s": [_num(v) for v in result.wind.max_speed],
            "closed_by": result.wind.closed_by,
        },
        "events": [
            {
                "body": e.body, "phase": e.phase, "time_s": e.time, "east_m": e.east, "north_m": e.north,
                "altitude_msl_m": e.altitude_msl, "height_agl_m": e.height_agl, "speed_m_s": e.speed,
            }
            for e in result.nominal.events()
        ],
    }


def plan_summary_json(result) -> str:
    return json.dumps(plan_summary(result), indent=2)


def envelope_summary_json(env, scenario) -> str:
    """The wind envelope as JSON, with provenance."""
    from stuntsim import __version__

    return json.dumps({
        "disclaimer": DISCLAIMER,
        "stuntsim_version": __version__,
        "scenario": scenario.scenario.name,
        "scenario_hash": scenario.scenario_hash,
        "seed": env.seed,
        "samples_per_cell": env.n_per_cell,
        "acceptable_risk": env.acceptable_risk,
        "directions_from_relative_to_heading_deg": env.directions_deg.tolist(),
        "mean_wind_speeds_m_s": env.speeds.tolist(),
        "failures": env.failures.tolist(),
        "probability": env.probability.tolist(),
        "wilson_low": env.low.tolist(),
        "wilson_high": env.high.tolist(),
        "go": env.go.tolist(),
        "max_go_wind_m_s": [_num(v) for v in env.max_go_speed],
    }, indent=2)
