"""The sensitivity functions as documented for direct callers: their defaults, every argument's
check and message, and every field of the results they return (mutation testing found these only
read by the workbook and the CLI, so a mutant there survived the numerical tests)."""
from __future__ import annotations

import numpy as np
import pytest

from impact import sensitivity as sa
from impact.errors import SampleSizeWarning, UsageError

from .conftest import warned_at

X, Y = "tourism.elasticity", "shocks.insecurity"


@pytest.fixture(scope="module")
def inputs(model):
    return {i.name: i for i in model.inputs("designation")}


def test_two_way_defaults_fields_and_grid_axes(model, inputs):
    tw = sa.two_way(model, "designation", X, Y)  # documented defaults: 7 points, target total
    assert tw.table.shape == (7, 7) and (tw.scenario, tw.method, tw.target, tw.year) == ("designation", "two_way",
                                                                                           "total", None)
    assert tw.table.index.name == Y and tw.table.columns.name == X
    assert tw.meta == {"x": X, "y": Y, "x_label": inputs[X].label, "y_label": inputs[Y].label,
                       "x_unit": inputs[X].unit, "y_unit": inputs[Y].unit, "center": (3, 3)}
    run = model.run("designation")
    assert tw.central == pytest.approx(float(run.impacts.to_numpy().sum()), rel=1e-12)
    one = sa.two_way(model, "designation", X, Y, points=3, target="tourism", year=2026)
    assert one.table.shape == (3, 3) and (one.target, one.year) == ("tourism", 2026)
    assert one.central == pytest.approx(float(run.impacts.loc[2026, "tourism"]), rel=1e-12)


@pytest.mark.parametrize("kwargs, message, hint", [
    ({"points": 2}, "points must be", "3"),
    ({"points": 103}, "points must be", "101"),
    ({"points": 8}, "points must be an odd number >= 3 (got 8)", "the central value sits in the middle of the grid"),
    ({"x": "tourism.elastcity"}, "unknown input 'tourism.elastcity'", "see model.inputs_frame(scenario)"),
    ({"y": "shocks.nope"}, "unknown input 'shocks.nope'", "see model.inputs_frame(scenario)"),
    ({"year": 2040}, "year must be a year of the horizon (got 2040)", "allowed: 2025-2030"),
])
def test_two_way_arguments_are_checked(model, kwargs, message, hint):
    args = {"x": X, "y": Y} | kwargs
    with pytest.raises(UsageError) as err:
        sa.two_way(model, "designation", **args)
    issue = err.value.issues[0]
    assert issue.message.startswith(message.split(" (")[0]) and hint in (issue.hint or "")
    if "unknown input" in message:
        assert issue.hint == hint
    if "odd" in message:
        assert issue.hint == "the central value sits in the middle of the grid: use e.g. 5, 7 or 9"


def test_points_at_the_ends_of_their_range_are_accepted(model):
    assert sa.two_way(model, "designation", X, Y, points=3).table.shape == (3, 3)
    assert sa.two_way(model, "designation", X, Y, points=101, target="tourism").table.shape == (101, 101)


def test_tornado_defaults_quantiles_and_fields(model):
    an = model.assumptions.analysis
    t = sa.tornado(model, "designation")
    assert (t.scenario, t.method, t.target, t.year) == ("designation", "tornado", "total", None)
    assert t.meta == {"low_q": an.tornado_low_q, "high_q": an.tornado_high_q}
    t2 = sa.tornado(model, "designation", "tourism", year=2027, low=0.25, high=0.6)
    assert t2.meta == {"low_q": 0.25, "high_q": 0.6} and (t2.target, t2.year) == ("tourism", 2027)
    row = t2.table.set_index("input").loc[X]
    d = model.inputs_frame("designation").set_index("input")
    inp = {i.name: i for i in model.inputs("designation")}[X]
    assert row["low_value"] == pytest.approx(float(inp.ppf(np.array([0.25]))[0]), rel=1e-12)
    assert row["high_value"] == pytest.approx(float(inp.ppf(np.array([0.6]))[0]), rel=1e-12)
    assert row["central_value"] == d.loc[X, "central"]
    assert list(t2.table.columns) == ["input", "label", "kind", "unit", "low_value", "central_value", "high_value",
                                      "low", "high", "swing", "rank"]
    assert list(t2.table.index) == list(range(len(t2.table)))
    assert (row["label"], row["kind"], row["unit"]) == (d.loc[X, "label"], d.loc[X, "kind"], d.loc[X, "unit"])
    # ranked: largest swing first, ties by input name; rank 1, 2, ...
    order = sorted(zip(-t2.table["swing"], t2.table["input"]))
    assert list(t2.table["input"]) == [n for _, n in order]
    assert list(t2.table["rank"]) == list(range(1, len(t2.table) + 1))
    assert set(t2.table["input"]) == set(d.index[d["uncertain"]])


@pytest.mark.parametrize("name, value", [("low", 0), ("low", 1), ("low", 1.0), ("low", True), ("low", "0.1"),
                                         ("high", 0.0), ("high", 1), ("high", -0.2), ("high", 2)])
def test_tornado_quantiles_must_be_strict_probabilities(model, name, value):
    with pytest.raises(UsageError) as err:
        sa.tornado(model, "designation", **{name: value})
    issue = err.value.issues[0]
    assert issue.message == f"{name} must be a probability strictly between 0 and 1 (got {value!r})"
    assert issue.hint == f"e.g. {name}={0.1 if name == 'low' else 0.9}"


def test_tornado_year_is_checked_before_anything_runs(model):
    with pytest.raises(UsageError) as err:
        sa.tornado(model, "designation", year=2040)
    assert err.value.issues[0].message == "year must be a year of the horizon (got 2040)"


def test_tornado_quantiles_just_inside_the_bounds_run(model):
    t = sa.tornado(model, "designation", low=1e-6, high=1 - 1e-6)
    assert t.meta == {"low_q": 1e-6, "high_q": 1 - 1e-6}


def test_sobol_arguments_defaults_and_fields(model):
    an, s = model.assumptions.analysis, model.assumptions.settings
    with pytest.warns(SampleSizeWarning, match="Sobol base sample 64 is below .*raise sensitivity.sobol.base_samples"):
        small = sa.sobol(model, "designation", "tourism", base_samples=64, seed=3, year=2026)
    k = len(small.table)
    assert (small.scenario, small.method, small.target, small.year) == ("designation", "sobol", "tourism", 2026)
    assert small.meta == {"base_samples": 64, "evaluations": 64 * (k + 2), "small_sample": True}
    run = model.run("designation")
    assert small.central == pytest.approx(float(run.impacts.loc[2026, "tourism"]), rel=1e-12)
    # the year is the target's: the cumulative indices differ
    with pytest.warns(SampleSizeWarning):
        cum = sa.sobol(model, "designation", "tourism", base_samples=64, seed=3)
    assert not np.allclose(cum.table.set_index("input")["ST"], small.table.set_index("input")["ST"])
    with pytest.warns(SampleSizeWarning) as caught:
        smallest = sa.sobol(model, "designation", base_samples=8, seed=3)  # the lowest allowed
    assert smallest.meta["base_samples"] == 8 and warned_at(caught[0].filename, __file__)  # at the caller
    assert str(caught[0].message) == (f"Sobol base sample 8 is below {an.sobol_min_base_samples}: indices may be "
                                      "unstable (wide confidence intervals); raise sensitivity.sobol.base_samples")
    enough = sa.sobol(model, "designation", base_samples=an.sobol_min_base_samples, seed=3)  # no warning
    assert enough.meta["small_sample"] is False
    assert list(small.table["ST"]) == sorted(small.table["ST"], reverse=True)  # ranked by total index
    assert an.sobol_base_samples >= an.sobol_min_base_samples and s.seed >= 0


@pytest.mark.parametrize("kwargs, message", [
    ({"base_samples": 4}, "base_samples must be"),
    ({"base_samples": 2**17}, "base_samples must be"),
    ({"base_samples": 96}, "base_samples must be a power of two (got 96)"),
    ({"seed": -1}, "seed must be"),
    ({"seed": 2**63}, "seed must be"),
    ({"year": 2024}, "year must be a year of the horizon (got 2024)"),
    ({"year": "2026"}, "year must be a year of the horizon (got '2026')"),
])
def test_sobol_arguments_are_checked(model, kwargs, message):
    with pytest.raises(UsageError) as err:
        sa.sobol(model, "designation", **kwargs)
    assert err.value.issues[0].message.startswith(message)
    if "power of two" in message:
        assert err.value.issues[0].hint == "e.g. 512, 1024, 2048"


def test_sobol_all_honours_its_arguments(model):
    with pytest.warns(SampleSizeWarning):
        every = sa.sobol_all(model, "designation", base_samples=64, seed=5)
    assert set(every) == {*model.channels, "total", *sa.VA_TARGETS}
    with pytest.warns(SampleSizeWarning):
        one = sa.sobol(model, "designation", "total", base_samples=64, seed=5)
    t = every["total"]
    assert t.meta == one.meta and t.meta["base_samples"] == 64
    assert (t.target, t.scenario, t.method, t.central) == ("total", "designation", "sobol", one.central)
    for key in ("S1_conf", "ST_conf"):  # the bootstrap follows the seed too
        np.testing.assert_allclose(t.table.set_index("input")[key], one.table.set_index("input").loc[t.table["input"],
                                   key], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.table.set_index("input")[["S1", "ST"]].to_numpy(),
                               one.table.set_index("input").loc[t.table["input"], ["S1", "ST"]].to_numpy(),
                               rtol=1e-12, atol=1e-15)
    with pytest.warns(SampleSizeWarning):
        other = sa.sobol_all(model, "designation", base_samples=64, seed=6)
    assert not np.allclose(other["total"].table["ST"].to_numpy(), t.table["ST"].to_numpy())


def test_sobol_on_the_model_equals_salib_on_the_same_model(model):
    """The design built on the model's inputs (A and B columns through each inverse CDF) and the
    indices: SALib's sample and analyze on the same model, the same seed and base samples."""
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    n, seed = 64, 5
    inputs = model.inputs("designation")
    unc = [j for j, i in enumerate(inputs) if i.uncertain]
    problem = {"num_vars": len(unc), "names": [inputs[j].name for j in unc], "bounds": [[0.0, 1.0]] * len(unc)}
    u = salib_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    X = np.tile(model.central_row("designation"), (len(u), 1))
    for c, j in enumerate(unc):
        X[:, j] = inputs[j].ppf(u[:, c])
    y = model.evaluate("designation", X).impact.sum(axis=(1, 2))
    want = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=seed)
    with pytest.warns(SampleSizeWarning):
        got = sa.sobol(model, "designation", base_samples=n, seed=seed).table.set_index("input")
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_allclose(got.loc[problem["names"], key], want[key], rtol=1e-9, atol=1e-12, err_msg=key)
    assert list(got.index) == sorted(got.index, key=lambda n_: (-got.loc[n_, "ST"], n_))  # ST down, then name


def test_sobol_groups_defaults_fields_and_checks(model):
    # the basis groups' indices, as the Summary's judgment share reads them (mutation run of
    # sensitivity.py: their fields, checks and seed were read by no test)
    groups = sa.basis_groups(model, "designation")
    g = len(groups)
    with pytest.warns(SampleSizeWarning):
        r = sa.sobol_groups(model, "designation", base_samples=64, seed=5)
    assert (r.scenario, r.method, r.target) == ("designation", "sobol", "total")
    assert r.meta == {"base_samples": 64, "evaluations": 64 * (g + 2), "small_sample": True,
                      "groups": {b: tuple(m) for b, m in groups.items()}}
    assert r.central == pytest.approx(float(model.run("designation").impacts.to_numpy().sum()), rel=1e-12)
    assert list(r.table.columns) == ["input", "label", "kind", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(r.table.index) == list(range(g)) and set(r.table["kind"]) == {"group"}
    assert r.table.set_index("input")["label"].to_dict() == {f"basis:{b}": f"{b} inputs ({len(m)})"
                                                             for b, m in groups.items()}
    assert g >= 2 and (np.diff(r.table["ST"].to_numpy()) <= 0).all()  # ranked by total index
    with pytest.warns(SampleSizeWarning):
        again = sa.sobol_groups(model, "designation", base_samples=64, seed=5)
    assert again.table.equals(r.table)  # the seed also fixes the bootstrap intervals
    with pytest.raises(UsageError) as err:
        sa.sobol_groups(model, "designation", {"x": ["nope", X]}, base_samples=512)  # checked before it runs
    assert (err.value.issues[0].message, err.value.issues[0].hint) == (
        "groups must list uncertain inputs of 'designation'; not: nope", "see Model.inputs_frame(scenario)")
    with pytest.raises(UsageError) as err:  # every unknown name, comma-separated
        sa.sobol_groups(model, "designation", {"x": ["nope", X], "y": ["nor"]}, base_samples=512)
    assert err.value.issues[0].message == "groups must list uncertain inputs of 'designation'; not: nope, nor"
    with pytest.raises(UsageError) as err:
        sa.sobol_groups(model, "designation", {}, base_samples=512)
    assert err.value.issues[0].message == "groups must list uncertain inputs of 'designation'"


def test_sobol_of_a_target_that_does_not_vary_is_zero():
    # a column of y constant over the design (an input-free target) has no variance to share out
    k, n = 3, 16
    rng = np.random.default_rng(0)
    y = np.column_stack([rng.normal(size=n * (k + 2)), np.full(n * (k + 2), 7.0)])
    si = sa.sobol_indices(y, k, seed=1)
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        assert np.all(si[key][..., 1] == 0.0), key
        assert np.all(np.isfinite(si[key][..., 0])) and np.any(si[key][..., 0] != 0.0), key


def test_sobol_table_is_numbered_from_zero_without_an_index_column(model):
    with pytest.warns(SampleSizeWarning):
        r = sa.sobol(model, "designation", base_samples=64, seed=3)
    assert list(r.table.index) == list(range(len(r.table))) and "index" not in r.table.columns


def test_an_input_without_a_basis_counts_as_judgment(tmp_path, cache_dir):
    # `basis` is optional in the assumption files; an input that does not state it is judgment
    import shutil

    import impact
    from impact.assumptions import DEFAULT_DIR

    from .conftest import edit

    adir = tmp_path / "assumptions"
    shutil.copytree(DEFAULT_DIR, adir)
    line = "      distribution: {kind: pert, low: 5, mode: 20, high: 40}\n"
    edit(adir, "scenarios.yaml", line + "      basis: judgment\n", line)
    m = impact.fit(impact.load_assumptions(adir), cache_dir=cache_dir)
    groups = sa.basis_groups(m, "designation")
    assert Y in groups["judgment"] and not any(Y in names for b, names in groups.items() if b != "judgment")
