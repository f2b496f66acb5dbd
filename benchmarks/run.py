"""stuntsim benchmarks: throughput and memory, as ratios against baselines measured in the same run.

Run with ``make bench``. The machines are shared and noisy, so absolute times are
printed only next to the ratio that carries the meaning:

1. Full Helsetkopen samples per second through the ensemble engine (ramp, rider
   and bike, opening, canopy, terrain clearance, every criterion), against the
   same model flown one sample at a time with scipy's solve_ivp
   (stuntsim.simulate.reference) in this run: the speed-up ratio. Target of the
   risk issue: >= 50,000 samples/s on 2 cores and >= 300x.
2. Peak resident memory of a risk run as the sample count grows fourfold, each
   in a fresh process, both past the DRIVER_SAMPLES rows a run keeps for its
   rank correlations: the ratio shows whether memory stays flat.
3. The risk issue's million-sample run, ``stuntsim risk helsetkopen --samples
   1000000 -q`` in a fresh process, start-up, Parquet and reports included
   (target: under a minute), against the time the engine alone would take at
   section 1's rate: the ratio is the share the rest of the run adds. Set
   STUNTSIM_BENCH_RISK_SAMPLES=0 to skip it (it writes about 230 MB of Parquet
   to a temporary folder, removed afterwards).
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_SAMPLES = int(os.environ.get("STUNTSIM_BENCH_SAMPLES", 16384))
REFERENCE_SAMPLES = int(os.environ.get("STUNTSIM_BENCH_REFERENCE", 6))
RISK_SAMPLES = int(os.environ.get("STUNTSIM_BENCH_RISK_SAMPLES", 1_000_000))
RISK_TARGET_S = 60.0  # the risk issue: a million samples in under a minute, start-up included
REPEATS = 3  # each rate is the best of this many passes over the same samples (a shared machine slows some)


def best_rate(samples: int, run) -> float:
    """Samples per second of the fastest of REPEATS calls of ``run()``."""
    best = math.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return samples / best


def engine_throughput() -> tuple[float, float]:
    """(samples/s of the engine, samples/s of the solve_ivp reference) on Helsetkopen's uncertain inputs."""
    from stuntsim.analysis.plan import evaluate_runs
    from stuntsim.analysis.sampling import apply_inputs, draw_inputs
    from stuntsim.scenario import load_scenario
    from stuntsim.simulate.build import compile_scenario
    from stuntsim.simulate.reference import reference_flight

    scenario = load_scenario("helsetkopen")
    compiled = compile_scenario(scenario)
    values = draw_inputs(scenario, 0, max(scenario.uncertainty.chunk_size, BENCH_SAMPLES))[:BENCH_SAMPLES]

    def fly(v):
        return evaluate_runs(scenario, compiled, lambda off: apply_inputs(scenario, compiled, v, heading_offset=off),
                             off_heading=False)

    fly(values[:64])  # compile

    def engine_pass():
        for i in range(0, BENCH_SAMPLES, 4096):
            fly(values[i : i + 4096])

    tables, init, env = apply_inputs(scenario, compiled, values[:REFERENCE_SAMPLES])

    def reference_pass():
        for i in range(REFERENCE_SAMPLES):
            reference_flight(tables[i], init[i], compiled.terrain, compiled.wind, env[i], max_time=compiled.max_time)

    return best_rate(BENCH_SAMPLES, engine_pass), best_rate(REFERENCE_SAMPLES, reference_pass)


_MEMORY_CHILD = """
import resource, sys
from stuntsim.analysis.risk import run_risk
from stuntsim.scenario import load_scenario
s = load_scenario("helsetkopen")
s = s.model_copy(update={"uncertainty": s.uncertainty.model_copy(update={"chunk_size": 4096})})
run_risk(s, int(sys.argv[1]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_mb(samples: int) -> float:
    """Peak RSS [MB] of a fresh process running a risk analysis of ``samples`` samples (chunks of 4096)."""
    out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(samples)], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0


def risk_run_seconds(samples: int) -> float:
    """Wall time [s] of ``stuntsim risk helsetkopen --samples N -q`` in a fresh process."""
    stuntsim = Path(sys.executable).with_name("stuntsim")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([str(stuntsim), "risk", "helsetkopen", "--samples", str(samples), "-q", "--out", out],
                       capture_output=True, text=True, check=True)
        return time.perf_counter() - start


def main() -> None:
    print(f"stuntsim benchmarks (numba threads: {os.environ.get('NUMBA_NUM_THREADS', os.cpu_count())})")
    engine, reference = engine_throughput()
    print(f"\n1. Helsetkopen full samples, {BENCH_SAMPLES:,} through the engine, {REFERENCE_SAMPLES} through solve_ivp "
          f"(each the best of {REPEATS} passes):")
    print(f"   engine     {engine:12,.0f} samples/s")
    print(f"   solve_ivp  {reference:12,.2f} samples/s (baseline, same run)")
    print(f"   ratio      {engine / reference:12,.0f} x   (target >= 300 x)")
    print(f"   target 50,000 samples/s: {'met' if engine >= 50_000 else 'NOT met'}; "
          f"a 1,000,000-sample run would take about {1e6 / engine:,.0f} s at this rate")
    from stuntsim.analysis.risk import DRIVER_SAMPLES

    small = 4096 * -(-DRIVER_SAMPLES // 4096) + 4096 * 8  # past the rows kept for the drivers
    large = 4 * small
    m_small, m_large = peak_memory_mb(small), peak_memory_mb(large)
    print("\n2. Peak memory of a risk run (fresh process, chunks of 4096):")
    print(f"   {small:>7,} samples: {m_small:8.0f} MB (baseline)")
    print(f"   {large:>7,} samples: {m_large:8.0f} MB   ratio {m_large / m_small:.2f} for 4x the samples "
          "(1.00 = flat)")
    if RISK_SAMPLES > 0:
        wall = risk_run_seconds(RISK_SAMPLES)
        engine_only = RISK_SAMPLES / engine
        print(f"\n3. stuntsim risk helsetkopen --samples {RISK_SAMPLES:,} -q (fresh process, start-up and reports "
              "included):")
        print(f"   engine alone {engine_only:8.1f} s at section 1's rate (baseline)")
        print(f"   whole run    {wall:8.1f} s   ratio {wall / engine_only:.2f}")
        if RISK_SAMPLES == 1_000_000:
            print(f"   target under {RISK_TARGET_S:.0f} s: {'met' if wall < RISK_TARGET_S else 'NOT met'}")
    print(f"\n(peak RSS of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
