"""Monte Carlo risk: failure probabilities per mode with intervals, streamed in chunks.

A run of N samples is cut into chunks of ``uncertainty.chunk_size``. Chunk k's
inputs are drawn from the master seed and k alone (analysis.sampling), so a chunk
gives the same numbers whichever process, thread count or order computes it:
locally, or as one task on a Dask cluster. Each chunk is flown in engine batches
of ``ENGINE_BATCH`` samples (on heading, and off heading for that criterion),
its criteria evaluated, and it leaves behind

- per-sample rows (the exact inputs flown, every criterion's value and margin,
  pass flags) written as one Parquet file of a dataset folder;
- failure counts per criterion and overall;
- histograms of every margin on fixed bins (quantiles without keeping samples);
- its first rows, until ``DRIVER_SAMPLES`` rows are kept for rank correlations.

Memory therefore stays flat as N grows. Probabilities carry Wilson score
intervals; a criterion with no failure also reports its Clopper-Pearson upper
bound.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from stuntsim import DISCLAIMER, __version__
from stuntsim.analysis.criteria import Margins
from stuntsim.analysis.plan import case_tables, evaluate_runs
from stuntsim.analysis.rare import clopper_pearson_interval, wilson_interval
from stuntsim.analysis.sampling import TablesBuffer, apply_inputs, draw_inputs, input_names
from stuntsim.scenario.uncertain_inputs import SUPPORTED_INPUTS
from stuntsim.simulate.build import CompiledScenario, compile_scenario

# samples per engine call (bounds the per-sample tables in memory): at 2,048 their 18 MB stay
# within this machine's 32 MB L3 cache; 8 chunks of 16,384 Helsetkopen samples ran 0 to 4 %
# faster than at 4,096 in four alternated pairs, and slower at 16,384
ENGINE_BATCH = 2048
DRIVER_SAMPLES = 100_000  # rows kept for the rank correlations and failure shifts
MIN_FAILURES_FOR_SHIFT = 5  # failing rows needed before their mean shift is reported
HISTOGRAM_BINS = 4000  # over [-HISTOGRAM_SPAN, +HISTOGRAM_SPAN] times each criterion's scale
HISTOGRAM_SPAN = 20.0
QUANTILES = (0.001, 0.01, 0.05, 0.5, 0.95, 0.99)
CONFIDENCE = 0.95

_SI_SUFFIX = {
    "length": "m", "speed": "m_s", "mass": "kg", "area": "m2", "angle": "rad", "time": "s",
    "temperature_difference": "K", "power": "W", "impulse": "N_s", "force": "N", "dimensionless": "",
}


def input_column(name: str) -> str:
    """Parquet column of an input, with its SI unit: ``parachute.pull_time`` -> ``input_parachute_pull_time_s``."""
    suffix = _SI_SUFFIX.get(SUPPORTED_INPUTS[name].dimension, "")
    base = "input_" + name.replace(".", "_")
    return f"{base}_{suffix}" if suffix else base


def _unit_suffix(unit: str) -> str:
    return {"m/s": "m_s", "g": "g", "m": "m"}.get(unit, unit.replace("/", "_"))


@dataclass
class ChunkResult:
    """What one chunk leaves behind (small, picklable)."""

    chunk: int
    n: int
    failures: dict[str, int]
    any_failures: int
    histograms: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]  # per-sample columns (written to Parquet, head kept for drivers)


def what_if_off_heading(scenario) -> bool:
    """Whether samples are also flown with the fixed off-heading opening of the plan.

    When the opening heading error is itself an uncertain input, each sample already
    flies its own drawn heading, and a fixed what-if on top would count a failure
    that the sample did not have; so the off-heading criterion is then left out.
    """
    return "parachute.opening_heading_error" not in input_names(scenario)


def _nominal_margins(scenario, compiled: CompiledScenario) -> Margins:
    """The criteria of the nominal case, as the risk runs evaluate them (which criteria, their scales)."""
    return evaluate_runs(scenario, compiled, lambda off: (case_tables(compiled, None, off), compiled.init,
                                                          compiled.env), off_heading=what_if_off_heading(scenario))


def _chunk_margins(scenario, compiled: CompiledScenario, values: np.ndarray, progress=None,
                   tables_buffer: TablesBuffer | None = None) -> Margins:
    """Fly and evaluate the samples of one chunk in engine batches; concatenated margins."""
    parts = []
    off_heading = what_if_off_heading(scenario)
    buffer = tables_buffer if tables_buffer is not None else TablesBuffer(compiled, min(len(values), ENGINE_BATCH))
    for start in range(0, len(values), ENGINE_BATCH):
        batch = values[start : start + ENGINE_BATCH]
        parts.append(evaluate_runs(
            scenario, compiled,
            lambda off, b=batch: apply_inputs(scenario, compiled, b, heading_offset=off, tables_buffer=buffer),
            off_heading=off_heading,
        ))
        if progress is not None:
            progress(len(batch))
    first = parts[0]
    return Margins(
        first.info,
        {k: np.concatenate([p.value[k] for p in parts]) for k in first.keys},
        {k: np.concatenate([p.margin[k] for p in parts]) for k in first.keys},
        first.scale,
    )


def run_chunk(scenario, compiled: CompiledScenario, chunk: int, chunk_size: int, n_in_chunk: int,
              scales: dict[str, float], progress=None, tables_buffer: TablesBuffer | None = None) -> ChunkResult:
    """Draw, fly and evaluate one chunk (the unit of work locally and on Dask).

    ``progress``, if given, is called with the size of each finished engine batch.
    ``tables_buffer`` (of ``compiled``, ``ENGINE_BATCH`` rows or the chunk's size) is kept from
    chunk to chunk by a local run, so the compiled tables are copied into it once, not per chunk
    (0.65 s a million samples); a new one is made if not given.
    """
    values = draw_inputs(scenario, chunk, chunk_size)[:n_in_chunk]
    m = _chunk_margins(scenario, compiled, values, progress, tables_buffer)
    names = input_names(scenario)
    index0 = chunk * chunk_size
    rows: dict[str, np.ndarray] = {"sample": np.arange(index0, index0 + n_in_chunk, dtype=np.int64)}
    for j, name in enumerate(names):
        rows[input_column(name)] = values[:, j]
    ok_all = m.passed()
    failures = {}
    histograms = {}
    for k in m.keys:
        unit = _unit_suffix(m.info[k].unit)
        rows[f"value_{k}_{unit}"] = m.value[k]
        rows[f"margin_{k}_{unit}"] = m.margin[k]
        ok = m.passed(k)
        rows[f"pass_{k}"] = ok
        failures[k] = int((~ok).sum())
        edges = np.linspace(-HISTOGRAM_SPAN, HISTOGRAM_SPAN, HISTOGRAM_BINS + 1) * scales[k]
        finite = np.nan_to_num(m.margin[k], nan=-np.inf)
        counts = np.histogram(np.clip(finite, edges[0], edges[-1]), bins=edges)[0]
        histograms[k] = counts.astype(np.int64)
    rows["pass_all"] = ok_all
    return ChunkResult(chunk, n_in_chunk, failures, int((~ok_all).sum()), histograms, rows)


def _histogram_quantile(counts: np.ndarray, edges: np.ndarray, q: float) -> float:
    total = counts.sum()
    if total == 0:
        return math.nan
    cum = np.cumsum(counts)
    i = int(np.searchsorted(cum, q * total))
    i = min(i, len(counts) - 1)
    before = cum[i - 1] if i > 0 else 0
    frac = (q * total - before) / counts[i] if counts[i] else 0.0
    return float(edges[i] + frac * (edges[i + 1] - edges[i]))


@dataclass
class RiskResult:
    """Aggregated Monte Carlo result; the per-sample rows are in the Parquet dataset."""

    scenario_name: str
    scenario_hash: str
    method: str
    seed: int
    chunk_size: int
    n_requested: int
    n_samples: int = 0
    chunks_done: list[int] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    any_failures: int = 0
    histograms: dict[str, np.ndarray] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    driver_rows: dict[str, list] = field(default_factory=dict)
    input_names: list[str] = field(default_factory=list)
    interrupted: bool = False
    elapsed_s: float = 0.0
    parquet_dir: str | None = None
    _drivers: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)  # computed once per criterion
    _ranks: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # each input's ranks in the kept rows

    def add(self, part: ChunkResult) -> None:
        self._drivers.clear()
        self._ranks.clear()
        self.n_samples += part.n
        self.chunks_done.append(part.chunk)
        self.any_failures += part.any_failures
        for k, v in part.failures.items():
            self.failures[k] = self.failures.get(k, 0) + v
        for k, h in part.histograms.items():
            self.histograms[k] = self.histograms.get(k, 0) + h
        kept = sum(len(c) for c in self.driver_rows.get("sample", []))  # rows, not chunks
        if kept < DRIVER_SAMPLES:
            take = DRIVER_SAMPLES - kept
            for name, col in part.rows.items():
                self.driver_rows.setdefault(name, []).append(col[:take])

    def probability(self, key: str | None = None) -> tuple[float, float, float]:
        """(estimate, low, high) of the failure probability, Wilson score interval at CONFIDENCE."""
        x = self.any_failures if key is None else self.failures[key]
        n = self.n_samples
        if n == 0:
            return math.nan, 0.0, 1.0
        low, high = wilson_interval(x, n, CONFIDENCE)
        return x / n, float(low), float(high)

    def quantiles(self, key: str) -> dict[float, float]:
        edges = np.linspace(-HISTOGRAM_SPAN, HISTOGRAM_SPAN, HISTOGRAM_BINS + 1) * self.scales[key]
        return {q: _histogram_quantile(self.histograms[key], edges, q) for q in QUANTILES}

    def drivers(self, key: str) -> dict[str, float]:
        """Spearman rank correlation of each input with a criterion's margin (first DRIVER_SAMPLES rows).

        Pearson's correlation of the average ranks, as ``scipy.stats.spearmanr`` defines it; each
        input is ranked once for every criterion whose margins are all finite (ranking, a sort
        of 10^5 rows, was most of the time when every pair was ranked anew).
        """
        if key in self._drivers:
            return dict(self._drivers[key])
        margin_col = next(c for c in self.driver_rows if c.startswith(f"margin_{key}_"))
        margin = np.concatenate(self.driver_rows[margin_col])
        ok = np.isfinite(margin)
        out = dict.fromkeys(self.input_names, math.nan)
        if ok.sum() >= 3 and np.ptp(margin[ok]) > 0:
            margin_ranks = rankdata(margin[ok])
            for name in self.input_names:
                x = np.concatenate(self.driver_rows[input_column(name)])
                if np.ptp(x[ok]) == 0:
                    continue
                if ok.all():
                    if name not in self._ranks:
                        self._ranks[name] = rankdata(x)
                    ranks = self._ranks[name]
                else:
                    ranks = rankdata(x[ok])
                out[name] = float(np.corrcoef(ranks, margin_ranks)[0, 1])
        self._drivers[key] = out
        return dict(out)

    def failure_shifts(self, key: str) -> dict[str, float]:
        """How far the failing samples' mean of each input lies from all samples' mean, in standard deviations.

        Computed on the first DRIVER_SAMPLES rows; NaN where fewer than
        MIN_FAILURES_FOR_SHIFT of them fail. Unlike the rank correlation with the
        margin (which follows the bulk of the samples), this names what the
        failures have in common.
        """
        passed = np.concatenate(self.driver_rows[f"pass_{key}"])
        failing = ~passed
        out = {}
        for name in self.input_names:
            x = np.concatenate(self.driver_rows[input_column(name)])
            sd = float(np.std(x))
            if failing.sum() < MIN_FAILURES_FOR_SHIFT or sd == 0.0:
                out[name] = math.nan
            else:
                out[name] = float((x[failing].mean() - x.mean()) / sd)
        return out

    def main_driver(self, key: str) -> tuple[str, str, float]:
        """(input, "shift" or "rho", value): the failures' main driver, else the margin's."""
        shifts = {k: v for k, v in self.failure_shifts(key).items() if v == v}
        if shifts:
            name = max(shifts, key=lambda k: abs(shifts[k]))
            return name, "shift", shifts[name]
        rho = {k: v for k, v in self.drivers(key).items() if v == v}
        if rho:
            name = max(rho, key=lambda k: abs(rho[k]))
            return name, "rho", rho[name]
        return "", "", math.nan

    def summary(self) -> dict:
        """A JSON-ready summary with provenance."""
        modes = {}
        for k in self.failures:
            p, lo, hi = self.probability(k)
            entry = {
                "title": self.titles.get(k, k), "failures": self.failures[k], "probability": p,
                "wilson_low": lo, "wilson_high": hi,
                "margin_quantiles": {str(q): v for q, v in self.quantiles(k).items()},
                "margin_unit": self.units.get(k, ""),
                "rank_correlation_with_margin": self.drivers(k),
                "failing_mean_shift_sd": self.failure_shifts(k),
            }
            if self.failures[k] == 0:
                entry["clopper_pearson_high"] = float(clopper_pearson_interval(0, self.n_samples, CONFIDENCE)[1])
            modes[k] = entry
        p, lo, hi = self.probability()
        return {
            "disclaimer": DISCLAIMER,
            "stuntsim_version": __version__,
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "method": self.method,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "samples_requested": self.n_requested,
            "samples": self.n_samples,
            "chunks": sorted(self.chunks_done),
            "interrupted": self.interrupted,
            "confidence": CONFIDENCE,
            "overall": {"failures": self.any_failures, "probability": p, "wilson_low": lo, "wilson_high": hi},
            "failure_modes": modes,
            "quantile_resolution": f"margins binned at {2 * HISTOGRAM_SPAN / HISTOGRAM_BINS:g} x each criterion's scale",
            "drivers_from_samples": min(self.n_samples, DRIVER_SAMPLES),
            "elapsed_s": self.elapsed_s,
            "parquet": self.parquet_dir,
        }


def _write_parquet(folder: Path, part: ChunkResult) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stuntsim.io.export import write_bytes_atomic

    sink = pa.BufferOutputStream()
    # no dictionary encoding: per-sample floats hardly repeat, and trying it made the write
    # 3.4 times slower and the file 20 % larger (16,384 Helsetkopen rows: 22 ms and 4.8 MB, 6.5 ms and 3.9 MB)
    pq.write_table(pa.table(part.rows), sink, use_dictionary=False)
    write_bytes_atomic(folder / f"chunk-{part.chunk:06d}.parquet", sink.getvalue().to_pybytes())


def run_risk(
    scenario,
    n_samples: int,
    *,
    out_dir: Path | None = None,
    client=None,
    progress: Callable[[int], None] | None = None,
) -> RiskResult:
    """Monte Carlo over the scenario's ``[uncertainty]`` inputs.

    Parameters
    ----------
    scenario : Scenario
        With an ``[uncertainty]`` section.
    n_samples : int
        Samples to fly.
    out_dir : Path, optional
        Folder for ``samples/chunk-*.parquet``; nothing is written if omitted.
    client : dask.distributed.Client, optional
        Run chunks as tasks on this cluster; results are identical to a local run.
    progress : callable, optional
        Called with the number of samples finished: per engine batch locally, per
        chunk on Dask.

    Ctrl-C (KeyboardInterrupt) stops after the chunks already done; the result
    says ``interrupted`` and counts only those (a chunk in flight is dropped).
    """
    unc = scenario.uncertainty
    if unc is None:
        raise ValueError("a risk analysis needs a scenario with an [uncertainty] section")
    compiled = compile_scenario(scenario)
    nominal = _nominal_margins(scenario, compiled)  # fixes each criterion's scale, hence the histogram bins
    scales, info = nominal.scale, nominal.info
    result = RiskResult(
        scenario.scenario.name, scenario.scenario_hash, unc.method, unc.seed, unc.chunk_size, n_samples,
        scales=scales, titles={k: i.title for k, i in info.items()}, units={k: i.unit for k, i in info.items()},
        input_names=input_names(scenario),
    )
    folder = None
    if out_dir is not None:
        folder = Path(out_dir) / f"{scenario.scenario.name}_samples"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("chunk-*.parquet"):
            old.unlink()
        result.parquet_dir = str(folder)
    sizes = [min(unc.chunk_size, n_samples - k * unc.chunk_size) for k in range(math.ceil(n_samples / unc.chunk_size))]
    start = time.perf_counter()
    pending: dict[int, ChunkResult] = {}
    next_to_add = 0

    def take(part: ChunkResult) -> None:
        nonlocal next_to_add
        pending[part.chunk] = part
        # aggregate in chunk order, so kept rows and sums never depend on completion order
        while next_to_add in pending:
            done = pending.pop(next_to_add)
            if folder is not None:
                _write_parquet(folder, done)
            result.add(done)
            if progress is not None and client is not None:
                progress(done.n)  # a local run reports each engine batch as it finishes
            next_to_add += 1

    try:
        if client is None:
            buffer = TablesBuffer(compiled, min(max(sizes, default=0), ENGINE_BATCH))
            for k, size in enumerate(sizes):
                take(run_chunk(scenario, compiled, k, unc.chunk_size, size, scales, progress, buffer))
        else:
            from distributed import as_completed

            futures = [client.submit(run_chunk, scenario, compiled, k, unc.chunk_size, size, scales, pure=False)
                       for k, size in enumerate(sizes)]
            try:
                for future in as_completed(futures):
                    take(future.result())
            finally:
                for f in futures:
                    f.cancel()
    except KeyboardInterrupt:
        result.interrupted = True
    result.elapsed_s = time.perf_counter() - start
    return result


def write_summary(result: RiskResult, path: Path) -> Path:
    from stuntsim.io.export import write_text_atomic

    return write_text_atomic(path, json.dumps(result.summary(), indent=2, default=float))


def subset_failure_probability(scenario, criterion: str, *, n_per_level: int = 1000, seed: int | None = None,
                               repeats: int = 1):
    """Probability that one criterion fails, by subset simulation over the uncertain inputs.

    The limit state is the criterion's relative margin as a function of the
    inputs mapped from standard normal space (u -> Phi(u) -> each input's inverse
    CDF), flown in ensembles by the one engine (analysis.rare for the method).
    ``seed`` defaults to the scenario's.

    Returns
    -------
    stuntsim.analysis.rare.SubsetResult
        With ``repeats`` = 1 (one run, its coefficient of variation the Au & Beck estimate).
    stuntsim.analysis.rare.RepeatedSubsetResult
        With ``repeats`` >= 2: that many runs (seeds ``seed``, ``seed + 1``, ...), their mean
        and its coefficient of variation measured from their scatter.
    """
    from scipy.stats import norm

    from stuntsim.analysis.rare import repeated_subset_simulation, subset_simulation
    from stuntsim.analysis.sampling import input_distributions
    from stuntsim.scenario.uncertain_inputs import UNIFORM_HIGH, UNIFORM_LOW

    unc = scenario.uncertainty
    if unc is None:
        raise ValueError("a rare-event estimate needs a scenario with an [uncertainty] section")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    compiled = compile_scenario(scenario)
    nominal = _nominal_margins(scenario, compiled)
    if criterion not in nominal.keys:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {', '.join(nominal.keys)}")
    distributions = input_distributions(scenario)

    def limit_state(u: np.ndarray) -> np.ndarray:
        uniform = np.clip(norm.cdf(u), UNIFORM_LOW, UNIFORM_HIGH)
        values = np.column_stack([d.ppf(uniform[:, j]) for j, d in enumerate(distributions)])
        return _chunk_margins(scenario, compiled, values).relative(criterion)

    seed = unc.seed if seed is None else seed
    if repeats == 1:
        return subset_simulation(limit_state, len(distributions), n_per_level=n_per_level, seed=seed)
    return repeated_subset_simulation(limit_state, len(distributions), repeats=repeats, n_per_level=n_per_level,
                                      seed=seed)
