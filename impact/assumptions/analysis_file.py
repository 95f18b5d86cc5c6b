"""analysis.yaml: rank correlations and the sensitivity settings."""
from __future__ import annotations

from typing import Any

from .objects import Analysis, Correlation, TwoWaySpec
from .reader import Reader, choices_hint, fmt
from .rules import correlations_consistent


def parse_analysis(v: Reader, known: set[str], expected: set[str] = frozenset(),
                   targets: tuple[str, ...] = ()) -> Analysis | None:
    """``known``: valid input names; ``expected``: names the channels define (an invalid one was
    already reported where it is defined, so it is not reported again here); ``targets``: channels."""
    root = v.mapping(v.doc.data, (), "a mapping with `correlations:` and `sensitivity:`")
    if root is None:
        return None
    n0 = len(v.issues)
    v.keys(root, (), ("correlations", "sensitivity", "headline"))
    cors = _correlations(v, root.get("correlations") or [], known, expected)
    correlations_consistent(v, cors)
    s = v.mapping(root.get("sensitivity") or {}, ("sensitivity",)) or {}
    v.keys(s, ("sensitivity",), ("tornado", "two_way", "two_way_drivers", "sobol"))
    lo, hi = _tornado(v, s)
    tws = _two_ways(v, s, known, expected, targets)
    n, nmin = _sobol(v, s)
    drivers = v.number(s, "two_way_drivers", ("sensitivity",), required=False, default=2, integer=True, low=0,
                       high=6)
    thresholds = _thresholds(v, root.get("headline"))
    if len(v.issues) > n0:
        return None
    return Analysis(tuple(cors), lo, hi, tuple(tws), n, nmin, drivers, thresholds)


def _thresholds(v: Reader, h: Any) -> tuple[float, ...]:
    """headline.loss_thresholds: US$ bn of cumulative loss, positive, increasing, at most eight."""
    path = ("headline",)
    d = v.mapping(h or {}, path) or {}
    v.keys(d, path, ("loss_thresholds",))
    raw = d.get("loss_thresholds", [10, 50, 100])
    if not isinstance(raw, list) or not 1 <= len(raw) <= 8:
        v.err(path + ("loss_thresholds",), f"expected a list of one to eight amounts in US$ bn (got {fmt(raw)})",
              "e.g. [10, 50, 100]")
        return (10.0, 50.0, 100.0)
    out: list[float] = []
    for i, x in enumerate(raw):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x < 1e6:
            v.err(path + ("loss_thresholds", i), f"expected a positive amount in US$ bn below 1,000,000 "
                  f"(got {fmt(x)})")
            continue
        out.append(float(x))
    if out != sorted(set(out)):
        v.err(path + ("loss_thresholds",), f"thresholds must increase, each listed once (got {fmt(raw)})")
    return tuple(out) or (10.0, 50.0, 100.0)


def _correlations(v: Reader, cl: Any, known: set[str], expected: set[str]) -> list[Correlation]:
    if not isinstance(cl, list):
        v.err(("correlations",), f"expected a list of {{between: [a, b], rho: r}} (got {fmt(cl)})")
        return []
    cors: list[Correlation] = []
    seen_pairs: dict[frozenset[str], int] = {}
    for i, c in enumerate(cl):
        p = ("correlations", i)
        d = v.mapping(c, p, "a mapping {between: [a, b], rho: r}")
        if d is None:
            continue
        v.keys(d, p, ("between", "rho", "note"), ("between", "rho"))
        btw = d.get("between")
        rho = v.number(d, "rho", p, low=-1.0, high=1.0)
        if not (isinstance(btw, list) and len(btw) == 2 and all(isinstance(x, str) for x in btw)):
            v.err(p + ("between",), f"expected two parameter names (got {fmt(btw)})")
            continue
        bad = False
        for j, name in enumerate(btw):
            if name not in known:
                if name not in expected:
                    v.err(p + ("between", j), f"unknown uncertain input {name!r}", choices_hint(name, sorted(known)))
                bad = True
        if btw[0] == btw[1]:
            v.err(p + ("between",), "a parameter cannot be correlated with itself", "name two different inputs")
            bad = True
        pair = frozenset(btw)
        if not bad and pair in seen_pairs:
            first = seen_pairs[pair]
            v.err(p + ("between",), f"the pair {btw[0]} ~ {btw[1]} is listed twice (first as correlations[{first}], "
                  f"line {v.doc.where(('correlations', first))[0]})", "list each pair once, with one rho")
            bad = True
        if not bad and rho is not None:
            seen_pairs[pair] = i
            cors.append(Correlation(btw[0], btw[1], rho, v.loc(p)))
    return cors


def _tornado(v: Reader, s: dict[str, Any]) -> tuple[float, float]:
    """The low and high percentiles, strictly inside (0, 1): the 0 and 1 quantiles of a normal are infinite."""
    t = v.mapping(s.get("tornado") or {}, ("sensitivity", "tornado")) or {}
    v.keys(t, ("sensitivity", "tornado"), ("low", "high"))
    lo = v.number(t, "low", ("sensitivity", "tornado"), required=False, default=0.10, low=0.0, high=0.5)
    hi = v.number(t, "high", ("sensitivity", "tornado"), required=False, default=0.90, low=0.5, high=1.0)
    for key, q in (("low", lo), ("high", hi)):
        if q in (0.0, 1.0):
            v.err(("sensitivity", "tornado", key), f"the {q:g} quantile is infinite for unbounded distributions "
                  f"(normal, lognormal)", "use a percentile strictly inside, e.g. 0.05 and 0.95")
            lo, hi = (0.10 if key == "low" else lo), (0.90 if key == "high" else hi)
    return lo, hi


def _two_ways(v: Reader, s: dict[str, Any], known: set[str], expected: set[str],
              targets: tuple[str, ...]) -> list[TwoWaySpec]:
    tl = s.get("two_way") or []
    if not isinstance(tl, list):
        v.err(("sensitivity", "two_way"), f"expected a list (got {fmt(tl)})")
        return []
    tws: list[TwoWaySpec] = []
    for i, c in enumerate(tl):
        p = ("sensitivity", "two_way", i)
        d = v.mapping(c, p)
        if d is None:
            continue
        v.keys(d, p, ("x", "y", "points", "target"), ("x", "y"))
        x = v.string(d, "x", p)
        y = v.string(d, "y", p)
        for k, name in (("x", x), ("y", y)):
            if name and name not in known and name not in expected:
                v.err(p + (k,), f"unknown uncertain input {name!r}", choices_hint(name, sorted(known)))
        if x and x == y:
            v.err(p + ("y",), f"x and y name the same input ({x!r})", "choose two different inputs")
        pts = v.number(d, "points", p, required=False, default=7, integer=True, low=3, high=101)
        if pts is not None and pts % 2 == 0:
            v.err(p + ("points",), f"the number of grid points must be odd (got {pts})",
                  "the central value sits in the middle of the grid: use e.g. 5, 7 or 9")
        tgt = v.string(d, "target", p, required=False, default="total",
                       choices=(*targets, "total") if targets else None)
        tws.append(TwoWaySpec(x, y, pts or 7, tgt, v.loc(p)))
    return tws


def _sobol(v: Reader, s: dict[str, Any]) -> tuple[int, int]:
    path = ("sensitivity", "sobol")
    so = v.mapping(s.get("sobol") or {}, path) or {}
    v.keys(so, path, ("base_samples", "min_base_samples"))
    n = v.number(so, "base_samples", path, required=False, default=1024, integer=True, low=8, high=2**16)
    nmin = v.number(so, "min_base_samples", path, required=False, default=512, integer=True, low=8, high=2**16)
    if n is not None and n & (n - 1):
        v.err(path + ("base_samples",), f"must be a power of two (got {n})", "e.g. 512, 1024, 2048")
    return n, nmin
