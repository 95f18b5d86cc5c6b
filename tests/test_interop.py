"""Objects that travel and a namespace that explains itself: pickling and deep copies (joblib,
Dask, %store), xarray and Parquet round trips, the public map of ``import impact``."""
from __future__ import annotations

import copy
import importlib.util
import inspect
import pickle

import numpy as np
import pandas as pd
import pytest

import impact

from .test_workbook import small_analysis


@pytest.fixture(scope="module")
def res(cache_dir):
    return small_analysis(cache_dir, draws=200)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_assumptions_model_and_results_travel(res, how):
    move = (lambda x: pickle.loads(pickle.dumps(x))) if how == "pickle" else copy.deepcopy
    a2 = move(res.assumptions)
    assert a2.scenario_names == res.assumptions.scenario_names
    assert a2.override({"tourism.elasticity.value": -0.3}).parameter("tourism.elasticity").value == -0.3
    m2 = move(res.model)
    for n in ("designation", "military_incursion"):
        pd.testing.assert_frame_equal(m2.run(n).impacts, res.model.run(n).impacts)
    np.testing.assert_array_equal(m2.simulate("designation", draws=200, seed=2).draws,
                                  res.model.simulate("designation", draws=200, seed=2).draws)
    r2 = move(res)
    pd.testing.assert_frame_equal(r2.summary(), res.summary())
    assert set(r2.sensitivity) == set(res.sensitivity)


@pytest.mark.skipif(importlib.util.find_spec("xarray") is None, reason="xarray is not installed")
def test_to_xarray_holds_the_draws_with_labels_and_units(res):
    mc = res.montecarlo["designation"]
    ds = mc.to_xarray()
    assert ds["impact"].dims == ("draw", "channel", "year")
    assert list(ds.channel.values) == [*mc.channels, "total"] and list(ds.year.values) == list(mc.years)
    np.testing.assert_array_equal(ds["impact"].sel(channel="imports").values,
                                  mc.draws[:, mc.channels.index("imports"), :])
    np.testing.assert_allclose(ds["impact"].sel(channel="total").sum("year").values, mc.draws.sum(axis=(1, 2)),
                               rtol=1e-13)  # summed in another order
    assert ds["impact"].attrs["units"] == "US$ bn" and ds.attrs["seed"] == mc.seed


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed")
def test_tidy_frames_round_trip_through_parquet(res, tmp_path):
    df = res.to_frame()
    df.to_parquet(tmp_path / "impacts.parquet")
    back = pd.read_parquet(tmp_path / "impacts.parquet")
    pd.testing.assert_frame_equal(back, df)  # categoricals, nullable years and all


def test_the_namespace_is_the_public_map():
    names = dir(impact)
    assert "plotting" in names and "Assumptions" in names and "Scenario" in names and "Model" in names
    assert "annotations" not in names and not any(n in names for n in ("api", "cli", "serial", "cache"))
    assert issubclass(impact.UsageError, ValueError) and issubclass(impact.UsageError, impact.ImpactError)
    assert inspect.signature(impact.compare).return_annotation in ("ComparisonResult", impact.ComparisonResult)


def _undocumented(obj, name, seen):
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    out = [] if (inspect.getdoc(obj) or "").strip() else [name]
    if inspect.isclass(obj):
        for k, v in vars(obj).items():
            f = v.fget if isinstance(v, property) else v
            if not k.startswith("_") and (callable(f) or isinstance(v, property)) and not (f.__doc__ or "").strip():
                out.append(f"{name}.{k}")
    return out


def test_every_public_member_has_a_docstring():
    from impact.results import analysis, comparison, estimates, impacts, sensitivity

    seen: set[int] = set()
    missing = []
    for n in impact.__all__:
        if n not in ("__version__", "plotting", "data"):
            missing += _undocumented(getattr(impact, n), n, seen)
    for cls in (analysis.RunInfo, impacts.ScenarioResult, impacts.MonteCarloResult, sensitivity.SensitivityResult,
                comparison.ComparisonResult, estimates.ChannelFit, estimates.EstimateResult, estimates.PooledEstimate,
                estimates.BaselineForecast, estimates.Diagnostic):
        missing += _undocumented(cls, cls.__name__, seen)
    assert missing == []
