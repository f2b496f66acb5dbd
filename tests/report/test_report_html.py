"""The HTML plan report and its figures, built once from the built-in Helsetkopen plan.

The report is a view of the PlanResult: these tests check that the page carries
the result's numbers and text (verdict, criteria, window, disclaimer), that it is
self-contained (no external script or stylesheet, plotly.js inline exactly once),
that every figure has its div, and that files are written atomically.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from html_parsing import HtmlCollector, parse_html

from stuntsim import DISCLAIMER
from stuntsim.analysis.plan import plan
from stuntsim.report.html import (
    render_plan_html,
    scenario_source_lines,
    write_plan_report,
)
from stuntsim.report.plots import FIGURE_KEYS, plan_figures, save_pngs
from stuntsim.scenario import load_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_KEYS = {"side_view", "plan_view", "time_series", "window", "separation", "wind"}


@pytest.fixture(scope="module")
def result():
    """One deterministic plan of the built-in Helsetkopen scenario."""
    return plan(load_scenario("helsetkopen"))


@pytest.fixture(scope="module")
def page(result) -> str:
    return render_plan_html(result)


@pytest.fixture(scope="module")
def parsed(page) -> HtmlCollector:
    return parse_html(page)


def test_plan_figures_helsetkopen_has_exactly_the_six_keys(result):
    """plan_figures returns exactly the six documented figures, each with data."""
    figures = plan_figures(result)
    assert set(figures) == EXPECTED_KEYS == set(FIGURE_KEYS)
    for key, fig in figures.items():
        assert len(fig.data) > 0, key


def test_plan_figures_every_axis_has_a_unit_in_its_title(result):
    """Every titled cartesian axis of every figure names its unit in brackets."""
    for key, fig in plan_figures(result).items():
        layout = fig.to_plotly_json()["layout"]
        axes = [v for k, v in layout.items() if re.fullmatch(r"[xy]axis\d*", k)]
        titled = [a["title"]["text"] for a in axes if a.get("title", {}).get("text")]
        assert titled, key
        for text in titled:
            assert re.search(r"\[[^\]]+\]", text), f"{key}: axis title without a unit: {text!r}"


def test_render_plan_html_parses_with_balanced_blocks_and_a_div_per_figure(parsed):
    """The page parses, its div/section/table tags balance, and each figure has a div plot-<key>."""
    assert all(v == 0 for v in parsed.depth.values()), parsed.depth
    assert not parsed.negative
    div_ids = parsed.ids("div")
    for key in EXPECTED_KEYS:
        assert f"plot-{key}" in div_ids


def test_render_plan_html_helsetkopen_shows_verdict_and_disclaimer(result, page, parsed):
    """The verdict (GO / NO-GO) and the disclaimer appear in the page's text."""
    text = parsed.text
    assert result.verdict in text
    assert f">{result.verdict}<" in page
    assert " ".join(DISCLAIMER.split()) in text


def test_render_plan_html_helsetkopen_shows_window_ends_to_three_decimals(result, parsed):
    """The window's earliest and latest pull times appear with three decimals, with their closing criteria."""
    text = parsed.text
    w = result.window
    assert w.earliest is not None
    assert f"{w.earliest:.3f}" in text and f"{w.latest:.3f}" in text
    for key in (w.earliest_closed_by, w.latest_closed_by):
        if key is not None:
            assert w.margins.info[key].title in text


def test_render_plan_html_reported_pull_is_placed_against_the_window(result, parsed):
    """The reported pull time, its source and whether it lies inside the window are stated."""
    text = parsed.text
    para, w = result.scenario.parachute, result.window
    assert para.reported_pull_time is not None
    assert f"{para.reported_pull_time:.3f}" in text
    assert " ".join(para.reported_pull_time_source.split()) in text
    inside = w.earliest <= para.reported_pull_time <= w.latest
    assert ("lies inside the solved window" if inside else "lies OUTSIDE the solved window") in text


def test_render_plan_html_lists_every_criterion_title(result, parsed):
    """Every criterion's title is in the criteria table, and the binding one is marked."""
    text = parsed.text
    for key in result.margins.keys:
        assert result.margins.info[key].title in text
    assert "binding" in text


def test_render_plan_html_has_no_external_script_or_stylesheet(parsed):
    """No script src and no link href points at an http(s) URL: the page is self-contained."""
    for tag, attrs in parsed.tags:
        if tag == "script":
            assert "src" not in attrs or not re.match(r"\s*(https?:)?//", attrs["src"] or ""), attrs
        if tag == "link":
            assert not re.match(r"\s*(https?:)?//", attrs.get("href") or ""), attrs


def test_render_plan_html_embeds_plotly_js_exactly_once(page):
    """plotly.js is inline exactly once (its banner and its full text each occur once)."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert page.count(js[:300]) == 1
    assert page.count(js) == 1


def test_render_plan_html_shows_marked_scenario_comments_and_hash(result, parsed):
    """The sources section names the scenario hash and version and lists ASSUMPTION and REFERENCE lines."""
    text = parsed.text
    assert "Assumptions and sources" in text
    assert result.meta["scenario_hash"] in text
    assert result.meta["stuntsim_version"] in text
    assert "ASSUMPTION" in text and "REFERENCE" in text


def test_scenario_source_lines_comment_after_quoted_hash_only_real_comments():
    """A '#' inside a quoted string is not a comment; marked comments are found with their line numbers."""
    text = 'a = "x # not ASSUMPTION"\nb = "1 m"  # ASSUMPTION: guessed\n# REFERENCE.md 4.1\nc = 2  # plain\n'
    lines = scenario_source_lines(text)
    assert [(s["number"], s["assumption"]) for s in lines] == [(2, True), (3, False)]
    assert lines[0]["setting"] == 'b = "1 m"'


def test_render_plan_html_markup_in_scenario_text_is_escaped(result):
    """Markup in scenario text (the title, a zone name) is escaped in the page, never emitted as a tag."""
    evil = "<script>alert(1)</script>"
    sc = result.scenario
    zones = (sc.exclusion_zones[0].model_copy(update={"name": evil}), *sc.exclusion_zones[1:])
    info = sc.scenario.model_copy(update={"title": evil})
    page = render_plan_html(replace(result, scenario=sc.model_copy(update={"scenario": info, "exclusion_zones": zones})))
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_render_plan_html_no_window_and_no_reported_pull_says_so(result):
    """With no passing pull time and no reported pull, the page renders and says no pull time passes."""
    w = replace(result.window, earliest=None, latest=None, earliest_closed_by=None, latest_closed_by=None)
    sc = result.scenario
    para = sc.parachute.model_copy(update={"reported_pull_time": None, "reported_pull_time_source": ""})
    page = render_plan_html(replace(result, window=w, scenario=sc.model_copy(update={"parachute": para})))
    assert "No pull time on the grid" in page
    assert "Reported pull" not in page


def test_write_plan_report_tmp_folder_writes_file_and_leaves_no_temp(result, tmp_path):
    """write_plan_report writes the page atomically: the file exists, no temporary file is left."""
    target = tmp_path / "out" / "plan.html"
    written = write_plan_report(result, target)
    assert written == target and target.is_file()
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.html"]


def test_save_pngs_tmp_folder_writes_valid_pngs(result, tmp_path):
    """save_pngs writes at least side_view, plan_view, time_series and window as PNGs, and nothing else."""
    written = save_pngs(result, tmp_path)
    names = {p.stem for p in written}
    assert {"side_view", "plan_view", "time_series", "window"} <= names
    for p in written:
        data = p.read_bytes()
        assert data[:8] == PNG_SIGNATURE, p
        assert len(data) > 10_000, p
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


def test_plan_figures_side_view_paths_are_projections_of_the_trajectory(result):
    """The side view's rider path is east sin(heading) + north cos(heading) of the recorded trajectory."""
    fig = plan_figures(result)["side_view"]
    rider = next(t for t in fig.data if t.name and t.name.endswith("(on heading)"))
    traj = result.nominal.trajectory()
    psi = result.scenario.site.heading_true
    expected = traj["rider_east_m"] * np.sin(psi) + traj["rider_north_m"] * np.cos(psi)
    np.testing.assert_allclose(np.asarray(rider.x), expected)
    np.testing.assert_allclose(np.asarray(rider.y), traj["rider_altitude_msl_m"])
