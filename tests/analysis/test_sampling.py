"""Sampling uncertain inputs: distributions against scipy and analytic moments, reproducible chunks, the applier."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.stats import qmc

from stuntsim.analysis.sampling import (
    SUPPORTED_INPUTS,
    InputDistribution,
    TablesBuffer,
    apply_inputs,
    draw_inputs,
    draw_uniform,
    input_distributions,
    input_names,
    nominal_values,
)
from stuntsim.scenario import load_scenario
from stuntsim.scenario.model import Exit, UncertainInput
from stuntsim.scenario.uncertain_inputs import UNIFORM_HIGH, UNIFORM_LOW
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import compile_scenario
from stuntsim.simulate.engine import run_ensemble

N = 200_000


def distribution(**table) -> InputDistribution:
    """An InputDistribution from a TOML-like [[uncertainty.inputs]] table."""
    return InputDistribution.from_input(UncertainInput.model_validate(table))


def sample(dist: InputDistribution, seed: int = 7) -> np.ndarray:
    return dist.ppf(draw_uniform(1, "mc", seed, 0, N)[:, 0])


CASES = {
    "normal": dict(name="parachute.pull_time", distribution="normal", mean="4 s", sd="0.3 s"),
    "truncated_normal": dict(
        name="separation.time", distribution="truncated_normal", mean="1 s", sd="0.4 s", low="0.5 s", high="1.3 s"
    ),
    "uniform": dict(name="ramp.target_speed", distribution="uniform", low="15 m/s", high="19 m/s"),
    "lognormal": dict(name="wind.speed_factor", distribution="lognormal", median=1.5, sigma=0.5),
    "triangular": dict(name="parachute.turn_reaction_time", distribution="triangular", low="0.8 s", mode="1.5 s", high="3 s"),
}


# --------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("kind", sorted(CASES))
def test_ppf_draws_match_scipy_moments_and_quantiles(kind):
    """200k draws have scipy's mean and sd within 5 standard errors and its 10/50/90 % quantiles within 5 errors."""
    dist = distribution(**CASES[kind])
    reference = {
        "normal": stats.norm(4.0, 0.3),
        "truncated_normal": stats.truncnorm((0.5 - 1.0) / 0.4, (1.3 - 1.0) / 0.4, loc=1.0, scale=0.4),
        "uniform": stats.uniform(15.0, 4.0),
        "lognormal": stats.lognorm(0.5, scale=1.5),
        "triangular": stats.triang((1.5 - 0.8) / 2.2, loc=0.8, scale=2.2),
    }[kind]
    x = sample(dist)
    sd = reference.std()
    assert abs(x.mean() - reference.mean()) < 5 * sd / math.sqrt(N)
    kurtosis = float(reference.stats(moments="k"))
    assert abs(x.std() - sd) < 5 * sd * math.sqrt((kurtosis + 2) / (4 * N))
    for q in (0.1, 0.5, 0.9):
        xq = reference.ppf(q)
        error = math.sqrt(q * (1 - q) / N) / reference.pdf(xq)
        assert abs(np.quantile(x, q) - xq) < 5 * error


def test_ppf_normal_has_analytic_mean_and_sd():
    """Normal(4 s, 0.3 s): sample mean 4 and sd 0.3 within sampling error."""
    x = sample(distribution(**CASES["normal"]))
    assert abs(x.mean() - 4.0) < 5 * 0.3 / math.sqrt(N)
    assert abs(x.std() - 0.3) < 5 * 0.3 / math.sqrt(2 * N)


def test_ppf_uniform_has_analytic_mean_and_variance():
    """Uniform(15, 19): mean (a+b)/2 = 17, variance (b-a)^2/12, all draws inside."""
    x = sample(distribution(**CASES["uniform"]))
    sd = 4.0 / math.sqrt(12)
    assert abs(x.mean() - 17.0) < 5 * sd / math.sqrt(N)
    width4 = 4.0**4  # Var(s^2) ~ (mu4 - sigma^4) / N with mu4 = w^4/80, sigma^4 = w^4/144
    assert abs(x.var() - 16.0 / 12) < 5 * math.sqrt((width4 / 80 - width4 / 144) / N)
    assert x.min() > 15.0 and x.max() < 19.0


def test_ppf_triangular_has_analytic_mean():
    """Triangular(0.8, 1.5, 3): mean (a+b+c)/3 and variance (a2+b2+c2-ab-ac-bc)/18, inside [a, c]."""
    a, c, b = 0.8, 1.5, 3.0
    x = sample(distribution(**CASES["triangular"]))
    variance = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    assert abs(x.mean() - (a + b + c) / 3) < 5 * math.sqrt(variance / N)
    assert abs(x.var() - variance) < 5 * variance * math.sqrt((2 - 0.6) / N)  # excess kurtosis -3/5
    assert x.min() >= a and x.max() <= b


def test_ppf_lognormal_has_analytic_median_and_mean():
    """Lognormal(median 1.5, sigma 0.5): median 1.5 and mean median*exp(sigma^2/2) within sampling error."""
    median, sigma = 1.5, 0.5
    x = sample(distribution(**CASES["lognormal"]))
    density_at_median = 1 / (median * sigma * math.sqrt(2 * math.pi))
    assert abs(np.median(x) - median) < 5 * math.sqrt(0.25 / N) / density_at_median
    mean = median * math.exp(sigma**2 / 2)
    sd = mean * math.sqrt(math.exp(sigma**2) - 1)
    assert abs(x.mean() - mean) < 5 * sd / math.sqrt(N)
    assert x.min() > 0


def test_ppf_truncated_normal_stays_inside_bounds_with_analytic_mean():
    """Truncated normal: every draw in [low, high], even at the extreme uniforms; mean mu + sd (phi(a)-phi(b))/(Phi(b)-Phi(a))."""
    mu, sd, low, high = 1.0, 0.4, 0.5, 1.3
    dist = distribution(**CASES["truncated_normal"])
    x = sample(dist)
    assert x.min() >= low and x.max() <= high
    extremes = dist.ppf(np.array([UNIFORM_LOW, 1e-300, UNIFORM_HIGH, 1 - 1e-17]))
    assert np.all((extremes >= low) & (extremes <= high))
    a, b = (low - mu) / sd, (high - mu) / sd
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))  # noqa: E731
    mean = mu + sd * (pdf(a) - pdf(b)) / (cdf(b) - cdf(a))
    assert abs(x.mean() - mean) < 5 * sd / math.sqrt(N)


def test_ppf_choice_frequencies_follow_normalised_weights():
    """Choice of 3 speeds with weights 1, 0, 3: frequencies 1/4, 0, 3/4 within sampling error."""
    dist = distribution(name="ramp.target_speed", distribution="choice", values=["16 m/s", "17 m/s", "18 m/s"], weights=[1, 0, 3])
    assert dist.weights == (0.25, 0.0, 0.75)
    x = sample(dist)
    assert set(np.unique(x)) == {16.0, 18.0}
    share = np.mean(x == 16.0)
    assert abs(share - 0.25) < 5 * math.sqrt(0.25 * 0.75 / N)


def test_ppf_choice_without_weights_is_uniform_over_values():
    """Without weights every value is equally likely."""
    dist = distribution(name="parachute.fill_constant", distribution="choice", values=[6, 8, 10, 12])
    x = sample(dist)
    for value in (6.0, 8.0, 10.0, 12.0):
        assert abs(np.mean(x == value) - 0.25) < 5 * math.sqrt(0.25 * 0.75 / N)


def test_ppf_at_extreme_uniforms_stays_finite_inside_support():
    """At the clipped uniforms every distribution gives finite values inside the support the scenario checks."""
    for table in CASES.values():
        item = UncertainInput.model_validate(table)
        x = InputDistribution.from_input(item).ppf(np.array([UNIFORM_LOW, UNIFORM_HIGH]))
        low, high = item.support
        assert np.all(np.isfinite(x))
        assert low - 1e-9 * abs(low) <= x[0] and x[1] <= high + 1e-9 * abs(high)


# --------------------------------------------------------------------------- uniforms
def test_draw_uniform_mc_chunk_alone_equals_chunk_after_others():
    """MC chunk 3 is the same drawn alone or after chunks 0-2, and differs from chunk 2."""
    alone = draw_uniform(4, "mc", 11, 3, 1024)
    for chunk in range(3):
        draw_uniform(4, "mc", 11, chunk, 1024)
    after = draw_uniform(4, "mc", 11, 3, 1024)
    assert np.array_equal(alone, after)
    assert not np.any(alone == draw_uniform(4, "mc", 11, 2, 1024))
    assert alone.shape == (1024, 4)
    assert alone.min() > 0 and alone.max() < 1


def test_draw_uniform_mc_chunk_is_spawned_child_of_seed():
    """MC chunk k is the k-th child of SeedSequence(seed).spawn: independent streams by construction."""
    child = np.random.SeedSequence(11).spawn(4)[3]
    expected = np.random.default_rng(child).random((1024, 2))
    assert np.array_equal(draw_uniform(2, "mc", 11, 3, 1024), np.clip(expected, UNIFORM_LOW, UNIFORM_HIGH))


def test_draw_uniform_sobol_chunks_concatenate_to_one_sequence():
    """Sobol chunks 0..3 of 1024 points equal one scrambled Sobol draw of 4096 points."""
    chunks = np.vstack([draw_uniform(3, "sobol", 5, k, 1024) for k in range(4)])
    whole = qmc.Sobol(3, scramble=True, seed=5).random(4096)
    assert np.array_equal(chunks, np.clip(whole, UNIFORM_LOW, UNIFORM_HIGH))
    assert np.array_equal(draw_uniform(3, "sobol", 5, 2, 1024), chunks[2048:3072])


def test_draw_uniform_sobol_chunk_is_balanced():
    """Each power-of-two Sobol chunk has one point in each of its 1024 equal slices of every axis."""
    u = draw_uniform(3, "sobol", 5, 6, 1024)
    for axis in range(3):
        assert np.array_equal(np.sort(np.floor(u[:, axis] * 1024)), np.arange(1024))


@pytest.mark.parametrize("method", ["mc", "sobol"])
def test_draw_uniform_same_seed_identical_different_seed_different(method):
    """The same seed gives identical uniforms; another seed gives different ones."""
    first = draw_uniform(5, method, 2020, 1, 1024)
    assert np.array_equal(first, draw_uniform(5, method, 2020, 1, 1024))
    assert not np.array_equal(first, draw_uniform(5, method, 2021, 1, 1024))


def test_draw_uniform_sobol_refuses_chunk_not_power_of_two():
    """Sobol chunks must be powers of two (balance); an unknown method is refused."""
    with pytest.raises(ValueError, match="power of two"):
        draw_uniform(2, "sobol", 1, 0, 1000)
    with pytest.raises(ValueError, match="unknown sampling method"):
        draw_uniform(2, "lhs", 1, 0, 1024)


# --------------------------------------------------------------------------- scenario inputs
@pytest.fixture(scope="module")
def helsetkopen():
    return load_scenario("helsetkopen")


@pytest.fixture(scope="module")
def compiled(helsetkopen):
    return compile_scenario(helsetkopen)


def test_draw_inputs_columns_follow_input_names_and_seed(helsetkopen):
    """draw_inputs gives one column per input in file order, reproducible from the scenario's seed."""
    names = input_names(helsetkopen)
    x = draw_inputs(helsetkopen, 0, 1024)
    assert x.shape == (1024, len(names))
    assert np.array_equal(x, draw_inputs(helsetkopen, 0, 1024))
    assert not np.array_equal(x, draw_inputs(helsetkopen, 1, 1024))
    pull = x[:, names.index("parachute.pull_time")]
    assert abs(pull.mean() - 5.0) < 5 * 0.3 / math.sqrt(1024)
    assert draw_inputs(helsetkopen, 2).shape == (helsetkopen.uncertainty.chunk_size, len(names))


def test_input_distributions_carry_scenario_nominal(helsetkopen):
    """Each distribution carries the scenario's own value of its input."""
    dists = {d.name: d for d in input_distributions(helsetkopen)}
    assert dists["parachute.pull_time"].nominal == helsetkopen.parachute.pull_time
    assert dists["wind.speed_factor"].nominal == 1.0
    assert dists["performer.mass"].nominal == helsetkopen.performer.mass


def applicable(scenario) -> list[str]:
    return [name for name, spec in SUPPORTED_INPUTS.items() if spec.unavailable(scenario) is None]


def jump_of(scenario):
    """Helsetkopen as a jump from an exit point: no ramp, bike or separation; an [exit] with speed and height."""
    exit_ = Exit.model_validate({"height": "5 m", "speed": "20 m/s", "flight_path_angle": "-10 deg", "heading_true": "250 deg"})
    return scenario.model_copy(update={"ramp": None, "bike": None, "separation": None, "exit": exit_})


def test_apply_inputs_at_nominal_values_reproduces_compiled_arrays(helsetkopen, compiled):
    """Every applicable input at the scenario's own value gives exactly the compiled arrays, for a launch and a jump."""
    for scenario in (helsetkopen, jump_of(helsetkopen)):
        c = compiled if scenario is helsetkopen else compile_scenario(scenario)
        names = applicable(scenario)
        values = np.tile(nominal_values(scenario, names), (3, 1))
        tables, init, env = apply_inputs(scenario, c, values, names=names)
        assert np.array_equal(tables, np.repeat(c.tables, 3, axis=0))
        assert np.array_equal(init, np.repeat(c.init, 3, axis=0))
        assert np.array_equal(env, np.repeat(c.env, 3, axis=0))
    assert {"exit.speed", "exit.height"} <= set(applicable(jump_of(helsetkopen)))
    assert {"ramp.target_speed", "bike.mass"} <= set(applicable(helsetkopen))


def _with_value(scenario, name: str, value: float):
    """The scenario with one input's field set (None for inputs that are not a scenario field)."""
    section, field = name.split(".")
    if name == "performer.freefall_drag_area":
        p = scenario.performer
        return scenario.model_copy(update={"performer": p.model_copy(
            update={"drag_areas": {**p.drag_areas, p.freefall_configuration: value}})})
    if section == "wind":
        return None
    part = getattr(scenario, section)
    return scenario.model_copy(update={section: part.model_copy(update={field: value})})


#: Cells that a mass input leaves alone on purpose: the canopy's lift and drag areas are
#: those of the nominal mass (a heavier performer flies the same canopy faster), whereas
#: the compiler fits them to the scenario's mass.
GLIDE_COLUMNS = (ph.LIFT_AREA, ph.DRAG_AREA, ph.LIFT_AREA_START, ph.DRAG_AREA_START)
GLIDE_PHASES = ("inflation", "canopy", "approach", "over landing zone", "flare")


@pytest.mark.parametrize("case", ["launch", "jump"])
def test_apply_inputs_each_input_changes_the_cells_the_compiler_would(helsetkopen, compiled, case):
    """Each input alone changes exactly the cells that compiling the scenario with that value changes, to those values."""
    scenario = helsetkopen if case == "launch" else jump_of(helsetkopen)
    base = compiled if case == "launch" else compile_scenario(scenario)
    for name in applicable(scenario):
        nominal = SUPPORTED_INPUTS[name].nominal(scenario)
        value = nominal * 1.1 + 0.05
        tables, init, env = apply_inputs(scenario, base, np.array([[value]]), names=[name])
        changed = [tables != base.tables, init != base.init, env != base.env]
        assert any(mask.any() for mask in changed), name
        modified = _with_value(scenario, name, value)
        if modified is None:  # wind factor and veer: the environment vector only
            column = ph.ENV_WIND_FACTOR if name == "wind.speed_factor" else ph.ENV_WIND_ROTATION
            assert not changed[0].any() and not changed[1].any()
            assert np.argwhere(changed[2]).tolist() == [[0, column]]
            assert env[0, column] == value
            continue
        truth = compile_scenario(modified)
        expected = [truth.tables != base.tables, truth.init != base.init, truth.env != base.env]
        if name in ("performer.mass", "bike.mass"):
            for body, body_name in enumerate(truth.body_names):
                for phase in GLIDE_PHASES:
                    if truth.has_phase(body_name, phase):
                        p = truth.phase_index(body_name, phase)
                        expected[0][0, body, p, list(GLIDE_COLUMNS)] = False
        for got, want, ours, theirs in zip(changed, expected, (tables, init, env), (truth.tables, truth.init, truth.env)):
            assert np.array_equal(got, want), (name, np.argwhere(got != want))
            np.testing.assert_allclose(ours[got], theirs[got], rtol=1e-14, atol=0, err_msg=name)


def test_apply_inputs_values_differ_per_sample_without_mixing(helsetkopen, compiled):
    """Sample i's cells carry row i's values: pull time, target speed, wind factor and mass per row."""
    names = ["parachute.pull_time", "ramp.target_speed", "wind.speed_factor", "performer.mass"]
    values = np.array([[3.5, 16.0, 0.5, 80.0], [4.5, 18.0, 2.0, 90.0]])
    tables, init, env = apply_inputs(helsetkopen, compiled, values, names=names)
    rider = compiled.body_names[0]
    sep = compiled.phase_index(rider, "separation")
    ramp = compiled.phase_index(rider, "ramp")
    canopy = compiled.phase_index(rider, "canopy")
    assert tables[:, 0, sep, ph.DURATION_C0].tolist() == [3.5, 4.5]
    assert tables[:, :, ramp, ph.TARGET_SPEED].tolist() == [[16.0, 16.0], [18.0, 18.0]]
    assert env[:, ph.ENV_WIND_FACTOR].tolist() == [0.5, 2.0]
    assert tables[:, 0, canopy, ph.MASS].tolist() == [80.0, 90.0]
    bike_mass = helsetkopen.bike.mass
    assert tables[:, 1, ramp, ph.MASS].tolist() == [80.0 + bike_mass, 90.0 + bike_mass]
    dv = tables[:, 0, sep, ph.DV_EAST : ph.DV_UP + 1]
    np.testing.assert_allclose(np.linalg.norm(dv, axis=1), helsetkopen.separation.impulse / np.array([80.0, 90.0]), rtol=1e-14)


def test_apply_inputs_in_a_reused_buffer_equals_fresh_tables(helsetkopen, compiled):
    """Tables built in a reused buffer (a risk chunk reuses one across its engine batches, and
    writes only the inputs' cells after its first batch) equal fresh ones, batch after batch:
    a longer batch after a shorter one, an off-heading batch between on-heading ones, other
    input names, pull times; and they live in the buffer."""
    values = draw_inputs(helsetkopen, 3, 64)[:50]
    names = input_names(helsetkopen)
    with_fill = [j for j, n in enumerate(names) if n in ("parachute.fill_constant", "performer.mass")]
    no_pull = [j for j, n in enumerate(names) if n != "parachute.pull_time"]
    buffer = TablesBuffer(compiled, 32)
    buffer.array[...] = np.nan  # whatever the memory held before
    cases = [
        dict(values=values[:20]),
        dict(values=values[20:]),  # 30 rows: ten more than the buffer has copied so far
        dict(values=values[:32], heading_offset=0.7),
        dict(values=values[32:]),
        dict(values=values[:10, with_fill], names=[names[j] for j in with_fill], heading_offset=-0.4),
        dict(values=values[10:42, with_fill], names=[names[j] for j in with_fill]),
        dict(values=values[:32, no_pull], names=[names[j] for j in no_pull], pull_times=np.linspace(3.0, 6.0, 32)),
        dict(values=values[:32]),
    ]
    for case in cases:
        fresh, _, _ = apply_inputs(helsetkopen, compiled, **case)
        tables, _, _ = apply_inputs(helsetkopen, compiled, **case, tables_buffer=buffer)
        assert np.shares_memory(tables, buffer.array) and tables.shape == fresh.shape
        np.testing.assert_array_equal(tables, fresh)
    with pytest.raises(ValueError, match="do not fit"):
        apply_inputs(helsetkopen, compiled, values[:33], tables_buffer=buffer)
    with pytest.raises(ValueError, match="another compiled scenario"):
        apply_inputs(helsetkopen, compile_scenario(helsetkopen), values[:3], tables_buffer=buffer)


def test_apply_inputs_pull_times_and_heading_offset_like_case_tables(helsetkopen, compiled):
    """pull_times and heading_offset set the same cells as the plan's case_tables."""
    from stuntsim.analysis.plan import case_tables

    pulls = np.array([3.0, 5.0])
    tables, _, _ = apply_inputs(helsetkopen, compiled, np.empty((2, 0)), names=[], pull_times=pulls, heading_offset=0.3)
    assert np.array_equal(tables, case_tables(compiled, pulls, 0.3))
    with pytest.raises(ValueError, match="not both"):
        apply_inputs(helsetkopen, compiled, np.array([[4.0]]), names=["parachute.pull_time"], pull_times=pulls[:1])


def test_apply_inputs_refuses_input_of_absent_section(helsetkopen):
    """An input whose section the scenario lacks is refused."""
    jump = jump_of(helsetkopen)
    with pytest.raises(ValueError, match=r"no \[ramp\] section"):
        apply_inputs(jump, compile_scenario(jump), np.array([[17.0]]), names=["ramp.target_speed"])


def test_engine_pilot_chute_entry_equals_drawn_pull_times(helsetkopen, compiled):
    """A full engine run of drawn samples enters the pilot chute at the drawn pull time after the datum."""
    x = draw_inputs(helsetkopen, 0, 1024)[:12]
    tables, init, env = apply_inputs(helsetkopen, compiled, x)
    result = run_ensemble(tables, init, compiled.terrain, compiled.wind, env, max_time=compiled.max_time)
    pilot = compiled.phase_index(compiled.body_names[0], "pilot chute")
    pulls = x[:, input_names(helsetkopen).index("parachute.pull_time")]
    assert np.unique(pulls).size == 12
    np.testing.assert_allclose(result.entry_time[:, 0, pilot] - result.datum_time, pulls, rtol=0, atol=1e-12)
