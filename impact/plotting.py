"""Plots for notebooks (matplotlib, an optional extra: ``pip install impact[plot]``).

Every function draws on ``ax`` when given (else on a new figure), returns the matplotlib
:class:`~matplotlib.figure.Figure` and never calls ``show()`` or ``savefig()``.  Money is in US$ bn
of current dollars; negative impacts are losses.  matplotlib is imported inside the functions,
so importing :mod:`impact` (or this module) does not import it.

* :func:`baseline` - a channel's no-designation path with its interval band, and the path with
  each scenario's impact;
* :func:`fan` - Monte Carlo fan chart of the impact by year (P5-P95 and P25-P75 bands, median);
* :func:`tornado` - one-way sensitivity bars (input at its low and high percentile) around the central value;
* :func:`heatmap` - a two-way sensitivity grid, central cell outlined.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import Issue, UsageError
from .results import USD, MonteCarloResult, ScenarioResult, SensitivityResult

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .model import Model

#: channels whose level rises when the impact is a loss (impact = -(extra cost)), with the baseline's title
_COST_CHANNELS = {"business_costs": "Operating costs of U.S. businesses in Mexico"}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("impact.plotting needs matplotlib, an optional extra: pip install impact[plot]") from exc
    return plt


def _figure_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    plt = _pyplot()
    from matplotlib.figure import Figure

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    fig = ax.figure
    while not isinstance(fig, Figure):  # an Axes on a SubFigure
        fig = fig.figure
    return fig, ax


def _integer_years(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _channel_label(channel: str) -> str:
    from . import channels

    try:
        return channels.get(channel).label
    except Exception:
        return channel


def baseline(model: Model, channel: str, scenarios: Iterable[Any] | None = None, ax: Axes | None = None) -> Figure:
    """A channel's baseline (median path, with its forecast interval as a band) and, per scenario,
    the level with the scenario's central impact (US$ bn by year).

    ``scenarios``: names, :class:`~impact.assumptions.Scenario` objects or
    :class:`~impact.results.ScenarioResult` objects; ``None`` means every scenario except the
    baseline, ``[]`` none.  For business costs the scenario line is the baseline plus the extra costs.
    """
    _pyplot()
    if channel not in model.channels:
        raise UsageError(Issue(f"unknown channel {channel!r}", hint=f"choose one of {', '.join(model.channels)}"))
    base = model.baseline(channel)
    if scenarios is None:
        scenarios = [n for n in model.assumptions.scenario_names if n != "baseline"]
    results = [s if isinstance(s, ScenarioResult) else model.run(s) for s in scenarios]
    fig, ax = _figure_axes(ax, (7.0, 4.0))
    years = np.asarray(base.index, dtype=int)
    level = base.attrs.get("interval", 0.9)
    ax.fill_between(years, base["lower"].to_numpy(float), base["upper"].to_numpy(float), alpha=0.2, color="grey",
                    label=f"baseline {level:.0%} forecast interval")
    ax.plot(years, base["median"].to_numpy(float), color="black", lw=2, label="baseline (no designation)")
    sign = -1.0 if channel in _COST_CHANNELS else 1.0
    for r in results:
        path = r.baseline[channel] + sign * r.impacts[channel]
        ax.plot(np.asarray(path.index, dtype=int), path.to_numpy(float), marker="o", ms=3, label=r.label)
    ax.set_title(_COST_CHANNELS.get(channel) or _channel_label(channel))
    ax.set_xlabel("year")
    ax.set_ylabel(f"{USD}, current dollars")
    _integer_years(ax)
    ax.legend(fontsize="small")
    return fig


def fan(mc: MonteCarloResult, channel: str = "total", ax: Axes | None = None) -> Figure:
    """Monte Carlo fan chart of the impact by year: P5-P95 and P25-P75 bands and the median (US$ bn)."""
    _pyplot()
    allowed = [*mc.channels, "total"]
    if channel not in allowed:
        raise UsageError(Issue(f"unknown channel {channel!r}", hint=f"choose one of {', '.join(allowed)}"))
    q = mc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95)).xs(channel, level="channel").drop(index="cumulative")
    years = np.asarray([int(y) for y in q.index])
    fig, ax = _figure_axes(ax, (7.0, 4.0))
    ax.fill_between(years, q["p5"].to_numpy(), q["p95"].to_numpy(), alpha=0.2, color="C0", label="P5-P95")
    ax.fill_between(years, q["p25"].to_numpy(), q["p75"].to_numpy(), alpha=0.4, color="C0", label="P25-P75")
    ax.plot(years, q["p50"].to_numpy(), color="C0", lw=2, label="median")
    what = "all channels" if channel == "total" else _channel_label(channel)
    ax.set_title(f"{mc.label}: impact on {what} ({mc.n_draws:,} draws)")
    ax.set_xlabel("year")
    ax.set_ylabel(f"impact, {USD} (negative = loss)")
    _integer_years(ax)
    ax.legend(fontsize="small")
    return fig


def tornado(sens: SensitivityResult, top: int = 12, ax: Axes | None = None) -> Figure:
    """Horizontal bars: the target with each input at its low and at its high percentile, drawn from
    the central value; the ``top`` inputs by swing, largest at the top."""
    _pyplot()
    if sens.method != "tornado":
        raise UsageError(Issue(f"tornado() needs a tornado sensitivity result (got {sens.method!r})",
                               hint="model.sensitivity(scenario, method='tornado')"))
    df = sens.ranked().head(int(top)).iloc[::-1]
    n = len(df)
    fig, ax = _figure_axes(ax, (8.0, 1.2 + 0.4 * max(n, 1)))
    y = np.arange(n)
    c = sens.central
    lo_q, hi_q = sens.meta.get("low_q", 0.1), sens.meta.get("high_q", 0.9)
    ax.barh(y, df["low"].to_numpy(float) - c, left=c, color="C3", label=f"input at P{100 * lo_q:g}")
    ax.barh(y, df["high"].to_numpy(float) - c, left=c, color="C0", label=f"input at P{100 * hi_q:g}")
    ax.axvline(c, color="black", lw=1)
    labels = [f"{r.label} ({r.low_value:.3g} to {r.high_value:.3g} {r.unit})" for r in df.itertuples()]
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_xlabel(f"{sens.label}, {sens.unit} (central {c:,.2f})")
    ax.set_title(f"Tornado: {sens.scenario}")
    ax.legend(fontsize="small", loc="best")
    return fig


def heatmap(sens: SensitivityResult, ax: Axes | None = None) -> Figure:
    """Two-way sensitivity grid: the target at every combination of the two inputs; the central
    cell (both inputs at their central values) is outlined."""
    _pyplot()
    if sens.method != "two_way":
        raise UsageError(Issue(f"heatmap() needs a two-way sensitivity result (got {sens.method!r})",
                               hint="model.sensitivity(scenario, method='two_way', x=..., y=...)"))
    from matplotlib.patches import Rectangle

    t = sens.table
    vals = t.to_numpy(float)
    m = sens.meta
    fig, ax = _figure_axes(ax, (7.0, 5.5))
    im = ax.imshow(vals, origin="lower", aspect="auto", cmap="RdBu")
    lim = float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 0.0
    lim = lim or 1.0
    im.set_clim(-lim, lim)  # zero (no impact) in the middle of the colour scale
    ax.set_xticks(range(t.shape[1]), [f"{v:.3g}" for v in t.columns])
    ax.set_yticks(range(t.shape[0]), [f"{v:.3g}" for v in t.index])
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            dark = abs(vals[i, j]) > 0.6 * lim
            ax.text(j, i, f"{vals[i, j]:,.1f}", ha="center", va="center", fontsize="x-small",
                    color="white" if dark else "black")
    ci, cj = m.get("center", ((t.shape[0] - 1) // 2, (t.shape[1] - 1) // 2))
    ax.add_patch(Rectangle((cj - 0.5, ci - 0.5), 1, 1, fill=False, edgecolor="black", lw=2.5))
    ax.set_xlabel(f"{m.get('x_label', m.get('x'))} ({m.get('x_unit', '')})")
    ax.set_ylabel(f"{m.get('y_label', m.get('y'))} ({m.get('y_unit', '')})")
    ax.set_title(f"{sens.scenario}: {sens.label}, {sens.unit}")
    fig.colorbar(im, ax=ax, label=f"{sens.label}, {sens.unit}")
    return fig


__all__ = ["baseline", "fan", "tornado", "heatmap"]
