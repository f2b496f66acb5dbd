"""The HTML risk and envelope reports, built once from small Helsetkopen runs.

The reports are views of a RiskResult and an Envelope: these tests check that each
page parses, carries the result's numbers (probabilities as in the JSON summary,
the boundary), the disclaimer and provenance, has a div per figure, is
self-contained (no external script or stylesheet, plotly.js inline exactly once),
escapes text, and is written atomically. Expected numbers come from the result
objects' own fields (counts, n), never from the page code.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from html_parsing import HtmlCollector, parse_html

from stuntsim import DISCLAIMER
from stuntsim.analysis.envelope import wind_envelope
from stuntsim.analysis.risk import run_risk
from stuntsim.report.html import (
    render_envelope_html,
    render_risk_html,
    write_envelope_report,
    write_risk_report,
)
from stuntsim.report.plots import envelope_figure, merged_histogram, risk_figures
from stuntsim.scenario import load_scenario

EXTERNAL = re.compile(r"\s*(https?:)?//")


def _p(x: float) -> str:
    """A probability printed to three significant digits, as the pages state."""
    return "0" if x == 0 else f"{x:.3g}"


@pytest.fixture(scope="module")
def scenario():
    """The built-in Helsetkopen scenario."""
    return load_scenario("helsetkopen")


@pytest.fixture(scope="module")
def risk(scenario):
    """A small Monte Carlo run (600 samples)."""
    return run_risk(scenario, 600)


@pytest.fixture(scope="module")
def envelope(scenario):
    """A small wind envelope: 2 speeds x 4 directions, 20 samples per cell."""
    return wind_envelope(scenario, [0, 6], [0, 90, 180, 270], n_per_cell=20)


@pytest.fixture(scope="module")
def risk_page(risk, scenario) -> str:
    return render_risk_html(risk, scenario)


@pytest.fixture(scope="module")
def envelope_page(envelope, scenario) -> str:
    return render_envelope_html(envelope, scenario)


@pytest.fixture(scope="module")
def risk_parsed(risk_page) -> HtmlCollector:
    return parse_html(risk_page)


@pytest.fixture(scope="module")
def envelope_parsed(envelope_page) -> HtmlCollector:
    return parse_html(envelope_page)


# --------------------------------------------------------------------------- risk page
def test_render_risk_html_small_run_parses_with_balanced_blocks(risk_parsed):
    """The risk page parses and its div/section/table tags balance."""
    assert all(v == 0 for v in risk_parsed.depth.values()), risk_parsed.depth
    assert not risk_parsed.negative


def test_render_risk_html_small_run_has_a_histogram_div_per_criterion(risk, risk_parsed):
    """Every criterion's margin histogram has its div plot-risk-<key>."""
    assert risk.failures
    divs = risk_parsed.ids("div")
    for key in risk.failures:
        assert f"plot-risk-{key}" in divs, key


def test_render_risk_html_small_run_shows_disclaimer_and_provenance(risk, risk_parsed):
    """The disclaimer, scenario name and hash, seed, method, chunk size and sample counts are in the text."""
    from stuntsim import __version__

    text = risk_parsed.text
    assert " ".join(DISCLAIMER.split()) in text
    assert "disclaimer" in risk_parsed.ids("div")
    for item in (risk.scenario_name, risk.scenario_hash, __version__, str(risk.seed), risk.method,
                 f"{risk.chunk_size:,}", f"{risk.n_samples:,} / {risk.n_requested:,}"):
        assert item in text, item


def test_render_risk_html_small_run_probabilities_match_the_summary(risk, risk_parsed):
    """Each mode's and the overall probability and Wilson bounds are printed as in the JSON summary."""
    summary = risk.summary()
    text = risk_parsed.text
    overall = summary["overall"]
    assert overall["probability"] == risk.any_failures / risk.n_samples
    assert f"P = {_p(overall['probability'])}" in text
    assert f"{_p(overall['wilson_low'])} to {_p(overall['wilson_high'])}" in text
    for key, entry in summary["failure_modes"].items():
        assert entry["probability"] == risk.failures[key] / risk.n_samples
        assert entry["title"] in text
        assert f"{_p(entry['wilson_low'])} to {_p(entry['wilson_high'])}" in text
        if "clopper_pearson_high" in entry:
            assert _p(entry["clopper_pearson_high"]) in text


def test_render_risk_html_small_run_mode_rows_carry_counts_probability_and_drivers(risk, risk_parsed, risk_page):
    """Each mode's table row holds its failure count, probability, unit and its strongest driver."""
    for key, entry in risk.summary()["failure_modes"].items():
        row = re.search(rf'<tr class="[^"]*" id="mode-{re.escape(key)}">(.*?)</tr>', risk_page, re.DOTALL)
        assert row, key
        cells = parse_html(row.group(1)).text
        assert f" {entry['failures']:,} " in f" {cells} "
        assert f" {_p(entry['probability'])} " in f" {cells} "
        assert entry["margin_unit"] in cells
        rho = {k: v for k, v in entry["rank_correlation_with_margin"].items() if not math.isnan(v)}
        if rho:
            strongest = max(rho, key=lambda k: abs(rho[k]))
            assert strongest in cells, (key, strongest)


def test_render_risk_html_small_run_notes_the_parquet_folder(risk, tmp_path):
    """The page names the Parquet folder holding the per-sample inputs and margins."""
    page = render_risk_html(replace(risk, parquet_dir=str(tmp_path / "helsetkopen_samples")))
    text = parse_html(page).text
    assert str(tmp_path / "helsetkopen_samples") in text
    assert "Parquet" in text


def test_render_risk_html_small_run_has_no_external_script_or_stylesheet(risk_parsed):
    """No script src and no link href points at a URL: the page is self-contained."""
    for tag, attrs in risk_parsed.tags:
        if tag == "script":
            assert not EXTERNAL.match(attrs.get("src") or ""), attrs
        if tag == "link":
            assert not EXTERNAL.match(attrs.get("href") or ""), attrs


def test_render_risk_html_small_run_embeds_plotly_js_exactly_once(risk_page):
    """plotly.js is inline exactly once."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert risk_page.count(js[:300]) == 1
    assert risk_page.count(js) == 1


def test_render_risk_html_markup_in_titles_is_escaped(risk):
    """Markup in a criterion title or the scenario name is escaped, never emitted as a tag."""
    evil = "<script>alert(1)</script>"
    key = next(iter(risk.titles))
    page = render_risk_html(replace(risk, scenario_name=evil, titles={**risk.titles, key: evil}))
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_render_risk_html_interrupted_run_says_so(risk):
    """An interrupted run is flagged as partial on the page."""
    text = parse_html(render_risk_html(replace(risk, interrupted=True))).text
    assert "Interrupted" in text and "partial" in text


def test_render_risk_html_no_samples_renders_without_tables(risk):
    """A run stopped before any chunk finished still renders and says there is nothing to report."""
    empty = replace(risk, n_samples=0, chunks_done=[], failures={}, any_failures=0, histograms={}, driver_rows={},
                    interrupted=True)
    parsed = parse_html(render_risk_html(empty))
    assert "No sample finished" in parsed.text
    assert not any(i.startswith("plot-risk-") for i in parsed.ids("div"))


def test_render_risk_html_other_scenario_warns_of_hash_mismatch(risk, scenario):
    """A scenario whose hash differs from the run's is flagged."""
    other = scenario.model_copy(update={"scenario_hash": "0" * 64})
    parsed = parse_html(render_risk_html(risk, other))
    assert "hash-warning" in parsed.ids("div")


def test_write_risk_report_tmp_folder_writes_file_and_leaves_no_temp(risk, scenario, tmp_path):
    """write_risk_report writes the page atomically: the file exists, no temporary file is left."""
    target = tmp_path / "out" / "helsetkopen_risk_report.html"
    written = write_risk_report(risk, target, scenario)
    assert written == target and target.is_file()
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in target.parent.iterdir()) == ["helsetkopen_risk_report.html"]


# --------------------------------------------------------------------------- risk figures
def test_risk_figures_small_run_bars_sum_to_the_sample_count(risk):
    """Each histogram's bars (holding and failing) add up to the samples run, the failing ones to the failures."""
    figures = risk_figures(risk)
    assert set(figures) == set(risk.failures)
    for key, fig in figures.items():
        bars = [t for t in fig.data if t.type == "bar"]
        assert sum(int(np.sum(t.y)) for t in bars) == risk.n_samples, key
        failing = sum(int(np.sum(t.y)) for t in bars if t.name.startswith("fails"))
        assert failing == risk.failures[key], key


def test_risk_figures_small_run_failing_bars_lie_below_zero(risk):
    """Failing bars lie wholly at negative margin and holding bars wholly at zero or above."""
    for key, fig in risk_figures(risk).items():
        for t in fig.data:
            x, w = np.asarray(t.x, float), np.asarray(t.width, float)
            if t.name.startswith("fails"):
                assert np.all(x + w / 2 <= 0), key
            else:
                assert np.all(x - w / 2 >= 0), key


def test_risk_figures_every_axis_has_a_unit_in_its_title(risk, envelope):
    """Every titled axis of the risk and envelope figures names its unit in brackets."""
    for fig in [*risk_figures(risk).values(), envelope_figure(envelope)]:
        layout = fig.to_plotly_json()["layout"]
        titled = [v["title"]["text"] for k, v in layout.items()
                  if re.fullmatch(r"[xy]axis\d*", k) and v.get("title", {}).get("text")]
        assert len(titled) == 2
        for text in titled:
            assert re.search(r"\[[^\]]+\]", text), text


def test_merged_histogram_straddling_counts_keeps_total_and_zero_edge():
    """Merging bins keeps the total count and keeps zero as a bar edge."""
    edges = np.linspace(-20.0, 20.0, 4001)
    counts = np.zeros(4000, np.int64)
    counts[[3, 1990, 1999, 2000, 2001, 3500]] = [1, 2, 3, 4, 5, 6]
    merged, merged_edges = merged_histogram(counts, edges, max_bars=50)
    assert merged.sum() == counts.sum()
    assert len(merged) <= 50 + 1 and len(merged_edges) == len(merged) + 1
    assert np.any(np.isclose(merged_edges, 0.0))
    below = merged_edges[:-1] < 0
    assert merged[below].sum() == 1 + 2 + 3


# --------------------------------------------------------------------------- envelope page
def test_render_envelope_html_small_grid_parses_with_the_plot_div(envelope_parsed):
    """The envelope page parses, its blocks balance, and the heatmap has the div plot-envelope."""
    assert all(v == 0 for v in envelope_parsed.depth.values()), envelope_parsed.depth
    assert not envelope_parsed.negative
    assert "plot-envelope" in envelope_parsed.ids("div")


def test_render_envelope_html_small_grid_shows_disclaimer_and_provenance(envelope, scenario, envelope_parsed):
    """The disclaimer, scenario hash, seed, samples per cell and acceptable risk are in the text."""
    text = envelope_parsed.text
    assert " ".join(DISCLAIMER.split()) in text
    for item in (scenario.scenario.name, scenario.scenario_hash, str(envelope.seed), str(envelope.n_per_cell),
                 f"{envelope.acceptable_risk:g}"):
        assert item in text, item


def test_render_envelope_html_small_grid_boundary_row_per_direction(envelope, envelope_page):
    """The boundary table has one row per direction with its P(failure) and failure count at the boundary wind."""
    table = re.search(r'<table id="boundary-table">(.*?)</table>', envelope_page, re.DOTALL).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.DOTALL)
    assert len(rows) == len(envelope.directions_deg)
    for i, row in enumerate(rows):
        cells = parse_html(row).text
        assert cells.startswith(f"{envelope.directions_deg[i]:.0f}")
        v = envelope.max_go_speed[i]
        j = 0 if math.isnan(v) else int(np.nonzero(envelope.speeds == v)[0][0])
        assert "NO-GO" in cells if math.isnan(v) else f"{v:.1f}" in cells
        failures = int(envelope.failures[i, j])
        assert f"{failures} of {envelope.n_per_cell}" in cells
        assert _p(failures / envelope.n_per_cell) in cells


def test_render_envelope_html_small_grid_self_contained_with_plotly_once(envelope_page, envelope_parsed):
    """No external script or stylesheet, and plotly.js inline exactly once."""
    from plotly.offline import get_plotlyjs

    for tag, attrs in envelope_parsed.tags:
        if tag == "script":
            assert not EXTERNAL.match(attrs.get("src") or ""), attrs
        if tag == "link":
            assert not EXTERNAL.match(attrs.get("href") or ""), attrs
    assert envelope_page.count(get_plotlyjs()) == 1


def test_envelope_figure_small_grid_heatmap_is_the_probability(envelope):
    """The heatmap's z is the envelope's P(failure) and the GO boundary line is drawn."""
    fig = envelope_figure(envelope)
    heat = next(t for t in fig.data if t.type == "heatmap")
    np.testing.assert_array_equal(np.asarray(heat.z), envelope.failures / envelope.n_per_cell)
    assert any(t.type == "scatter" and "GO boundary" in t.name for t in fig.data)


def test_write_envelope_report_tmp_folder_writes_file_and_leaves_no_temp(envelope, scenario, tmp_path):
    """write_envelope_report writes the page atomically: the file exists, no temporary file is left."""
    target = tmp_path / "helsetkopen_envelope_report.html"
    assert write_envelope_report(envelope, target, scenario) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["helsetkopen_envelope_report.html"]
