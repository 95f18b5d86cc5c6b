"""Reading an assumption folder: the four files parsed, checked across files and against the data.

Every problem in every file is collected in one pass and raised together as an
:class:`~impact.errors.AssumptionError` whose lines read
``file:line:col: dotted.key.path: what is wrong (got X); how to fix``.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import AssumptionError, Issue
from ..frozen import FrozenMap
from ..spec import ChannelSpec
from ..yamlio import YamlDoc, read_yaml
from .analysis_file import parse_analysis
from .channels_file import parse_channels
from .objects import Assumptions
from .reader import Reader, choices_hint
from .rules import dates_within_horizon
from .scenarios_file import parse_scenarios
from .settings_file import parse_settings

FILES = ("settings.yaml", "channels.yaml", "scenarios.yaml", "analysis.yaml")
#: other YAML files an assumption folder may hold (read by other commands: ``impact sweep``)
COMPANIONS = ("sweep.yaml",)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "defaults"


def build(folder: Path, docs: dict[str, YamlDoc], specs: Mapping[str, ChannelSpec] | None,
           allow_absolute: bool, data_check: Any = None,
           loaded: Assumptions | None = None) -> Assumptions:
    """Validated assumptions from parsed files.  ``loaded``: the assumptions being overridden, whose
    checked series are reused when the edited settings name the same files (an override copies what
    was loaded; re-reading 27 files cost 1.1 s of an override's 1.2 s), and whose data check stands
    when the settings and estimator options, all the check reads besides the data, are unchanged."""
    issues: list[Issue] = []
    vs = {k: Reader(d, issues) for k, d in docs.items()}
    settings, data_paths = parse_settings(vs["settings.yaml"], folder, allow_absolute)
    channels = parse_channels(vs["channels.yaml"], specs)
    scenarios = parse_scenarios(vs["scenarios.yaml"], channels, specs, settings,
                                 settings.normalise_weights if settings else False)
    known: set[str] = set()
    for sc in scenarios.values():
        known |= {p.qualname for p in sc.shocks.values()} | set(sc.parameters)
    expected: set[str] = set()
    if specs is not None:
        for cn, sp in specs.items():
            expected |= {f"{cn}.{p.name}" for p in sp.parameters} | {f"shocks.{sh.name}" for sh in sp.shocks}
    analysis = parse_analysis(vs["analysis.yaml"], known, expected, tuple(specs) if specs is not None else ())
    dates = dates_within_horizon(vs["scenarios.yaml"], vs["settings.yaml"], scenarios, settings) if settings else []
    same_data = loaded is not None and dict(loaded.data_overrides) == dict(data_paths) and bool(loaded.data)
    if same_data:
        series: dict[str, Any] | None = dict(loaded.data)  # type: ignore[union-attr]
    else:
        series = _load_series(data_paths, issues)
    checked = (same_data and settings == loaded.settings and set(channels) == set(loaded.channels)  # type: ignore[union-attr]
               and all(dict(channels[c].options) == dict(loaded.channels[c].options) for c in channels))  # type: ignore[union-attr]
    base_year_ok = True
    if data_check is not None and settings is not None and not issues and series is not None and not checked:
        from ..data_rules import data_issues

        def where(fname: str, path: tuple[Any, ...]) -> tuple[str, int | None, int | None]:
            doc = vs[fname].doc
            line, col = doc.where(path)
            return doc.file, line, col

        found = data_issues(data_check, series, channels, settings,
                            {sid: display(p) for sid, p in data_paths.items()}, where)
        issues.extend(found)
        base_year_ok = not any(i.path == "settings.base_year" for i in found)
    if base_year_ok:  # dates measured against an unsupported base year would only add noise
        issues.extend(dates)
    if issues:
        # stable order: by file, then line
        order = {f: i for i, f in enumerate(docs)}
        issues.sort(key=lambda i: (order.get(Path(i.file or "").name, 99), i.line or 0, i.column or 0))
        raise AssumptionError(_dedupe(issues))
    assert settings is not None and analysis is not None
    names = tuple(scenarios)
    return Assumptions(folder=folder, settings=settings, channels=FrozenMap(channels), scenario_names=names,
                       analysis=analysis, data_overrides=FrozenMap(data_paths), data=FrozenMap(series or {}),
                       hashes=FrozenMap({d.file: d.sha256 for d in docs.values()}),
                       _scenarios=FrozenMap(scenarios), _raw=FrozenMap(docs),
                       _rebuild=partial(_rebuild, folder, FrozenMap(specs) if specs is not None else None,
                                        allow_absolute, data_check))


def _rebuild(folder: Path, specs: Mapping[str, ChannelSpec] | None, allow_absolute: bool, data_check: Any,
             docs: dict[str, YamlDoc], loaded: Assumptions | None = None) -> Assumptions:
    """:func:`build` with the options of the original load (``Assumptions.override`` calls it)."""
    return build(folder, docs, specs, allow_absolute, data_check, loaded)


def _load_series(paths: Mapping[str, Path], issues: list[Issue]) -> dict[str, Any] | None:
    """Every catalog series, bundled or from the user's file, checked (issues appended)."""
    from ..data import catalog, path_of, validate_csv

    out = {}
    n0 = len(issues)
    for sid in catalog():
        path = paths.get(sid)
        try:
            out[sid] = validate_csv(sid, path if path is not None else path_of(sid),
                                    display=display(path) if path is not None else None)
        except AssumptionError:
            raise
        except Exception as exc:  # DataError carries issues
            issues.extend(getattr(exc, "issues", [Issue(str(exc), file=str(path))]))
    return out if len(issues) == n0 else None


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen = set()
    out = []
    for i in issues:
        k = str(i)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def load(folder: str | Path | None = None, *, specs: Mapping[str, ChannelSpec] | None = None,
         allow_absolute_paths: bool = False, data_check: Any = None) -> Assumptions:
    """Read and validate an assumption folder.

    Parameters
    ----------
    folder
        Folder holding settings.yaml, channels.yaml, scenarios.yaml and analysis.yaml.
        ``None`` loads the defaults shipped inside the package.
    specs
        Channel specifications (from :mod:`impact.channels`) used to check each channel block.
    allow_absolute_paths
        Allow data overrides outside the assumptions folder.
    """
    if folder is None:
        folder = DEFAULT_DIR
    folder = Path(folder)
    if not folder.exists():
        raise AssumptionError(Issue(f"assumptions folder not found: {folder}", hint="run `impact init DIR` to create one"))
    if not folder.is_dir():
        raise AssumptionError(Issue(f"not a folder: {folder}", hint="pass the folder that holds settings.yaml etc."))
    docs: dict[str, YamlDoc] = {}
    issues: list[Issue] = []
    for fname in FILES:
        path = folder / fname
        shown = display(path)
        if not path.exists():
            issues.append(Issue("required file is missing", file=shown, hint=f"every assumptions folder needs {', '.join(FILES)}"))
            continue
        try:
            docs[fname] = read_yaml(path, shown)
        except AssumptionError as exc:
            issues.extend(exc.issues)
    for extra in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        if extra.name not in FILES + COMPANIONS:
            issues.append(Issue("unexpected file in the assumptions folder", file=display(extra),
                                hint=choices_hint(extra.name, FILES + COMPANIONS)))
    if issues:
        raise AssumptionError(issues)
    return build(folder, docs, specs, allow_absolute_paths, data_check)


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
