"""`stuntsim risk` and `stuntsim envelope`: clear refusals of bad flags, and the files each writes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from stuntsim.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["risk", "freefall-demo"], "no [uncertainty] section"),
        (["risk", "helsetkopen", "--samples", "0"], "--samples: got 0"),
        (["risk", "helsetkopen", "--workers", "0"], "--workers: got 0"),
        (["risk", "helsetkopen", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["risk", "helsetkopen", "--rare", "no_such_criterion"], "unknown criterion 'no_such_criterion'"),
        (["envelope", "helsetkopen", "--acceptable-risk", "2"], "--acceptable-risk: got 2.0"),
        (["envelope", "helsetkopen", "--samples-per-cell", "0"], "--samples-per-cell: got 0"),
    ],
)
def test_risk_and_envelope_bad_flag_exit_2_with_message(tmp_path, args, expected):
    """Each bad flag or scenario ends with exit status 2 and a message naming it, no traceback."""
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_risk_writes_summary_parquet_and_histograms(tmp_path):
    """A small risk run prints the failure-mode table and writes JSON, Parquet and PNG histograms."""
    result = runner.invoke(app, ["risk", "helsetkopen", "-n", "300", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "any criterion" in result.output
    summary = json.loads((tmp_path / "helsetkopen_risk.json").read_text())
    assert summary["samples"] == 300 and summary["seed"] == 2020
    assert len(pd.read_parquet(tmp_path / "helsetkopen_samples")) == 300
    assert list(tmp_path.glob("risk_*.png"))


def test_envelope_writes_map_and_boundary(tmp_path):
    """A coarse envelope prints the boundary table and writes its JSON and PNG map."""
    result = runner.invoke(app, ["envelope", "helsetkopen", "--samples-per-cell", "20", "--max-wind", "8",
                                 "--wind-step", "4", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "helsetkopen_envelope.json").read_text())
    assert len(data["probability"]) == 8 and len(data["probability"][0]) == 3
    assert (tmp_path / "helsetkopen_envelope.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_risk_rare_writes_probability_and_both_coefficients(tmp_path):
    """`--rare` on a frequent failure (landing outside the zone, ~17 %) stops after its first, plain Monte
    Carlo level: the JSON's probability is the failing share, whose binomial coefficient of variation
    sqrt((1 - p) / (N p)) is both the estimate and its correlated bound."""
    result = runner.invoke(app, ["risk", "helsetkopen", "--rare", "landing_zone", "--samples-per-level", "200",
                                 "--repeats", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "fully correlated" in result.output
    data = json.loads((tmp_path / "helsetkopen_rare_landing_zone.json").read_text())
    p = data["probability"]
    assert data["levels"] == 1 and 0.05 < p < 0.4 and abs(p * 200 - round(p * 200)) < 1e-9
    assert data["cov"] == pytest.approx(((1 - p) / (200 * p)) ** 0.5, rel=1e-12)
    assert data["cov_upper"] == data["cov"]


def test_risk_rare_repeats_report_the_mean_and_the_measured_coefficient(tmp_path):
    """`--repeats 4` on the ~17 % landing-zone failure: four plain Monte Carlo levels of 200 samples
    (seeds 2020-2023), each a multiple of 1/200; the JSON's probability is their mean and its
    coefficient of variation their sample standard deviation over the mean, over sqrt(4)."""
    result = runner.invoke(app, ["risk", "helsetkopen", "--rare", "landing_zone", "--samples-per-level", "200",
                                 "--repeats", "4", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "mean of 4 runs" in result.output
    data = json.loads((tmp_path / "helsetkopen_rare_landing_zone.json").read_text())
    runs = [r["probability"] for r in data["runs"]]
    assert [r["seed"] for r in data["runs"]] == [2020, 2021, 2022, 2023]
    assert all(abs(p * 200 - round(p * 200)) < 1e-9 for p in runs) and len(set(runs)) > 1
    assert data["probability"] == pytest.approx(sum(runs) / 4, rel=1e-12)
    mean = sum(runs) / 4
    sd = (sum((p - mean) ** 2 for p in runs) / 3) ** 0.5
    assert data["cov"] == pytest.approx(sd / mean / 2, rel=1e-12)
    assert data["evaluations"] == 800 and data["converged"] is True


def test_risk_rare_repeats_below_one_is_refused(tmp_path):
    """--repeats 0: exit status 2, the option and the value named, nothing written."""
    result = runner.invoke(app, ["risk", "helsetkopen", "--rare", "clearance", "--repeats", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--repeats" in result.output and "got 0" in result.output
    assert not list(tmp_path.iterdir())
