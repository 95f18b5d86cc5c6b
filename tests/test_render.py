"""Notebook rendering: every public result type renders, tidy frames have the shared columns, plots
draw what they promise (Agg backend), overrides leave the original assumptions alone."""
from __future__ import annotations

import inspect

import pandas as pd
import pytest

import impact
from impact.errors import UsageError
from impact.results import TIDY, ComparisonResult

TWO_WAY = {"x": "tourism.elasticity", "y": "shocks.insecurity", "target": "tourism", "points": 5}


@pytest.fixture(scope="module")
def objects(model, assumptions, cache_dir) -> dict[str, object]:
    """One instance of every public result type (name -> object)."""
    fit = model.fits["tourism"]
    run = model.run("designation")
    mc = model.simulate("designation", draws=300, seed=1)
    analysis = impact.run_analysis(assumptions, ["designation"], draws=200, cache_dir=cache_dir)
    return {
        "EstimateResult": fit.main,
        "ChannelFit": fit,
        "PooledEstimate": fit.pooled["elasticity"],
        "BaselineForecast": model.fits["imports"].baseline,
        "ScenarioResult": run,
        "MonteCarloResult": mc,
        "SensitivityResult:tornado": model.sensitivity("designation", method="tornado"),
        "SensitivityResult:two_way": model.sensitivity("designation", method="two_way", **TWO_WAY),
        "SensitivityResult:sobol": analysis.sensitivity["designation"]["sobol:total"],
        "AnalysisResult": analysis,
        "RunInfo": analysis.info,
        "Assumptions": assumptions,
        "Scenario": assumptions.scenario("designation"),
        "ComparisonResult:impacts": impact.compare({"central": run, "mc": mc}),
        "ComparisonResult:estimates": impact.compare(dict(model.fits)),
        "ExpostResult": analysis.expost,
    }


KINDS = ["EstimateResult", "ChannelFit", "PooledEstimate", "BaselineForecast", "ScenarioResult", "MonteCarloResult",
         "SensitivityResult:tornado", "SensitivityResult:two_way", "SensitivityResult:sobol", "AnalysisResult",
         "RunInfo", "Assumptions", "Scenario", "ComparisonResult:impacts", "ComparisonResult:estimates",
         "ExpostResult"]


def _renders(value: object) -> None:
    """str() works (does not raise); the package's own objects give a readable text (not empty, not
    the default ``<... object at 0x...>``); anything with an HTML repr gives a table."""
    text = str(value)
    if type(value).__module__.split(".")[0] == "impact":
        assert text.strip(), f"{type(value).__name__}: empty str()"
        assert " object at 0x" not in text, f"{type(value).__name__} has no text form of its own: {text[:80]}"
    html = getattr(value, "_repr_html_", None)
    ours_or_pandas = type(value).__module__.split(".")[0] in ("impact", "pandas")  # xarray draws its own widget
    if callable(html) and not isinstance(value, type) and ours_or_pandas:
        assert "<table" in html()


@pytest.mark.parametrize("kind", KINDS)
def test_repr_is_one_line_and_html_has_a_table(objects, kind):
    obj = objects[kind]
    r = repr(obj)
    assert r.startswith("<") and r.endswith(">") and "\n" not in r, r
    assert str(obj)
    html = obj._repr_html_()
    assert isinstance(html, str) and "<table" in html and "</table>" in html


@pytest.mark.parametrize("kind", KINDS)
def test_summary_and_tidy_frame(objects, kind):
    obj = objects[kind]
    s = obj.summary()
    _renders(s)
    assert isinstance(s, pd.DataFrame) or hasattr(s, "tables")  # a DataFrame, or a printable Summary of tables
    frame = getattr(obj, "to_frame", None) or getattr(obj, "tidy")
    df = frame()
    assert isinstance(df, pd.DataFrame) and not df.empty


@pytest.mark.parametrize("kind", KINDS)
def test_every_public_attribute_and_method_renders(objects, kind):
    obj = objects[kind]
    for name in dir(obj):
        if name.startswith("_"):
            continue
        value = getattr(obj, name)
        if inspect.ismethod(value):
            params = inspect.signature(value).parameters.values()
            if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                continue  # needs arguments (e.g. Assumptions.override); exercised elsewhere
            value = value()
        _renders(value)


@pytest.mark.parametrize("kind", ["ScenarioResult", "MonteCarloResult"])
def test_to_frame_has_the_tidy_columns(objects, kind):
    df = objects[kind].to_frame()
    assert list(df.columns) == TIDY
    assert df["value"].notna().all()


def test_analysis_to_frame_is_tidy(objects):
    df = objects["AnalysisResult"].to_frame()
    assert list(df.columns) == TIDY
    assert set(df["scenario"]) == {"baseline", "designation"}


# --------------------------------------------------------------------------- compare
def test_compare_impacts_side_by_side(model):
    runs = {n: model.run(n) for n in ("designation", "certification")}
    c = impact.compare(runs)
    assert isinstance(c, ComparisonResult) and c.kind == "impacts"
    s = c.summary()
    assert list(s.columns) == ["designation", "certification"]
    assert list(s.index) == [*model.channels, "total"]
    for n, r in runs.items():
        pd.testing.assert_series_equal(s[n], r.cumulative.reindex(s.index), check_names=False)
    assert list(c.to_frame().columns) == ["name", *TIDY]
    pct = c.summary(pct=True)
    assert pct.loc["total"].isna().all()  # no percentage of a sum of unlike baselines
    for n, r in runs.items():
        for ch in model.channels:
            want = 100 * r.impacts[ch].sum() / r.baseline[ch].sum()
            assert pct.loc[ch, n] == pytest.approx(want, rel=1e-12)


def test_compare_monte_carlo_has_quantile_columns(model):
    mc = model.simulate("designation", draws=300, seed=3)
    s = impact.compare({"mc": mc}).summary()
    assert list(s.columns.get_level_values("statistic")) == ["p50", "p5", "p95", "deterministic"]
    q = mc.quantiles((0.05, 0.95)).xs("cumulative", level="year")
    assert s[("mc", "p5")].tolist() == q["p5"].reindex(s.index).tolist()


def test_compare_estimates_like_linearmodels(model):
    c = impact.compare({"tourism": model.fits["tourism"], "fdi": model.fits["business_costs"].main})
    assert c.kind == "estimates"
    text = str(c.summary())
    fit = model.fits["tourism"]
    assert "Coefficients (standard errors in parentheses)" in text
    assert f"({fit.bse['d.log_homicide_rate']:.4g})" in text
    df = c.to_frame()
    assert {"name", "term", "estimate", "std_error"} <= set(df.columns)
    row = df[(df["name"] == "tourism") & (df["term"] == "d.log_homicide_rate")].iloc[0]
    assert row["estimate"] == fit.params["d.log_homicide_rate"]
    used = df[(df["name"] == "tourism") & df["model"].str.startswith("coefficient used")].iloc[0]
    assert used["estimate"] == fit.pooled["elasticity"].value


def test_compare_accepts_a_list_and_rejects_mixtures(model):
    r = model.run("designation")
    assert impact.compare([r, r]).names == ("designation", "designation (2)")
    with pytest.raises(UsageError, match="cannot compare"):
        impact.compare({"a": r, "b": model.fits["tourism"]})
    with pytest.raises(UsageError):
        impact.compare({})


# --------------------------------------------------------------------------- overrides
def test_override_leaves_original_unchanged(assumptions, model):
    before = assumptions.to_frame()
    elasticity = assumptions.parameter("tourism.elasticity")
    insecurity = assumptions.parameter("insecurity", "designation")
    old = (elasticity.value, elasticity.estimate, insecurity.value)
    assert -0.3 != old[0] and 30.0 != old[2], "the override must change the values it sets"
    b = assumptions.override({"tourism.elasticity.value": -0.3,
                              "scenarios.designation.shocks.insecurity.value": 30.0})
    assert b.parameter("tourism.elasticity").value == -0.3
    assert b.parameter("insecurity", "designation").value == 30.0
    elasticity = assumptions.parameter("tourism.elasticity")
    insecurity = assumptions.parameter("insecurity", "designation")
    assert (elasticity.value, elasticity.estimate, insecurity.value) == old
    pd.testing.assert_frame_equal(assumptions.to_frame(), before)
    assert model.assumptions is assumptions


# --------------------------------------------------------------------------- plots
@pytest.fixture()
def plt(monkeypatch):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    def forbidden(*args, **kwargs):
        raise AssertionError("plotting functions must not show or save figures")

    monkeypatch.setattr(plt, "show", forbidden)
    monkeypatch.setattr(Figure, "savefig", forbidden)
    yield plt
    plt.close("all")


def test_plot_baseline(plt, model, assumptions):
    from matplotlib.figure import Figure

    fig = impact.plotting.baseline(model, "tourism")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    n_scen = len(assumptions.scenario_names) - 1
    assert len(ax.collections) == 1  # the interval band
    assert len(ax.lines) == 1 + n_scen  # baseline + one path per scenario
    assert ax.lines[0].get_ydata().tolist() == model.baseline("tourism")["median"].tolist()
    # names, Scenario objects and ScenarioResults; drawing on a given axes
    fig2, ax2 = plt.subplots()
    out = impact.plotting.baseline(model, "imports", ["designation", assumptions.scenario("certification"),
                                                      model.run("financial_blocking")], ax=ax2)
    assert out is fig2 and len(ax2.lines) == 4
    run = model.run("designation")
    expected = (run.baseline["imports"] + run.impacts["imports"]).tolist()
    assert ax2.lines[1].get_ydata().tolist() == pytest.approx(expected)
    # business costs: the cost level rises by the extra costs
    fig3 = impact.plotting.baseline(model, "business_costs", ["designation"])
    line = fig3.axes[0].lines[1].get_ydata()
    assert line.tolist() == pytest.approx((run.baseline["business_costs"] - run.impacts["business_costs"]).tolist())
    with pytest.raises(UsageError):
        impact.plotting.baseline(model, "tourism_x")


def test_plot_fan(plt, model):
    mc = model.simulate("designation", draws=300, seed=2)
    fig = impact.plotting.fan(mc)
    ax = fig.axes[0]
    assert len(ax.collections) == 2 and len(ax.lines) == 1  # two bands, the median
    med = mc.quantiles((0.5,)).xs("total", level="channel").drop(index="cumulative")["p50"]
    assert ax.lines[0].get_ydata().tolist() == pytest.approx(med.tolist())
    assert len(impact.plotting.fan(mc, channel="imports").axes[0].collections) == 2


def test_plot_tornado(plt, model):
    sens = model.sensitivity("designation", method="tornado")
    fig = impact.plotting.tornado(sens, top=5)
    ax = fig.axes[0]
    assert len(ax.containers) == 2 and all(len(c) == 5 for c in ax.containers)  # low and high bars
    assert len(ax.get_yticklabels()) == 5
    assert ax.lines[0].get_xdata()[0] == pytest.approx(sens.central)  # the central line
    n = len(sens.table)
    assert len(impact.plotting.tornado(sens, top=n + 10).axes[0].patches) == 2 * n
    with pytest.raises(UsageError):
        impact.plotting.tornado(model.sensitivity("designation", method="two_way", **TWO_WAY))


def test_plot_heatmap(plt, model):
    sens = model.sensitivity("designation", method="two_way", **TWO_WAY)
    fig = impact.plotting.heatmap(sens)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # grid and colour bar
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (5, 5)
    assert len(ax.texts) == 25
    (mark,) = ax.patches  # the central cell
    assert mark.get_xy() == (1.5, 1.5)
    with pytest.raises(UsageError):
        impact.plotting.heatmap(model.sensitivity("designation", method="tornado"))
