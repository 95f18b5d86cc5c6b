"""The data the run used as tables: the catalog (one row per series or panel) and every value, long
(series, entity, period, value, unit), for the Data sheet and ``data.csv``."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult


def data_catalog(res: AnalysisResult) -> pd.DataFrame:
    rows = []
    for sid, s in res.model.data.items():
        a = s.attrs
        rows.append({"series": sid, "description": a.get("description", ""), "unit": a.get("unit", ""),
                     "frequency": a.get("frequency", ""), "source": a.get("source", ""),
                     "series_code": a.get("series_code", ""), "coverage": _coverage(s),
                     "observations": int(s.notna().sum()), "vintage": a.get("vintage", ""),
                     "caveats": a.get("caveats", ""), "file": Path(str(a.get("file", ""))).name,
                     "read_via": a.get("read_via", ""), "sha256": a.get("sha256", "")})
    return pd.DataFrame(rows)


def _coverage(s: pd.Series) -> str:
    """First..last period; a panel's over all its units, with their number."""
    if isinstance(s.index, pd.MultiIndex):
        per = s.index.get_level_values(-1)
        units = s.index.droplevel(-1).unique()
        return f"{per.min()}..{per.max()}, {len(units)} {'/'.join(s.index.names[:-1])} units"
    return f"{s.index[0]}..{s.index[-1]}"


def data_values(res: AnalysisResult) -> pd.DataFrame:
    """Every bundled (or overriding) series, long: series, entity (a panel's unit, e.g. ``12/ACA``
    for state 12 destination ACA; empty for a national series), period, value, unit."""
    frames = []
    for sid, s in res.model.data.items():
        if isinstance(s.index, pd.MultiIndex):
            entity = ["/".join(map(str, k)) for k in s.index.droplevel(-1)]
            periods = s.index.get_level_values(-1)
        else:
            entity, periods = [""] * len(s), s.index
        frames.append(pd.DataFrame({"series": sid, "entity": entity, "period": [str(i) for i in periods],
                                    "value": s.to_numpy(dtype=float), "unit": s.attrs.get("unit", "")}))
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=["series", "entity", "period", "value", "unit"]))
