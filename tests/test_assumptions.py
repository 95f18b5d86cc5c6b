import filecmp

import pytest
import yaml

import impact
from impact.assumptions import DEFAULT_DIR, FILES
from impact.errors import AssumptionError, PlausibilityWarning

from .conftest import ROOT, edit, warned_at


def _raw(file):
    """A shipped default file read with plain PyYAML: the expected values, independent of the loader."""
    return yaml.safe_load((DEFAULT_DIR / file).read_text(encoding="utf-8"))


def test_defaults_validate(assumptions):
    """The loader returns what the files say (compared with a plain PyYAML read, not pinned numbers)."""
    from impact import channels as registry

    assert set(assumptions.channels) == set(_raw("channels.yaml")) == set(registry.registry())
    raw_scen = _raw("scenarios.yaml")
    assert assumptions.scenario_names[0] == "baseline"
    assert set(assumptions.scenario_names) == set(raw_scen)
    raw_settings = _raw("settings.yaml")["settings"]
    s = assumptions.settings
    for key, value in raw_settings.items():
        assert getattr(s, key) == value, key


def test_repo_assumptions_equal_shipped_defaults():
    for f in (*FILES, "README.md"):
        assert filecmp.cmp(ROOT / "assumptions" / f, DEFAULT_DIR / f, shallow=False), f


def test_every_parameter_has_unit_range_and_source(assumptions):
    for name in assumptions.scenario_names:
        sc = assumptions.scenario(name)
        for p in list(sc.parameters.values()) + list(sc.shocks.values()):
            assert p.unit and p.source and p.description, p.qualname
            assert p.bounds[0] < p.bounds[1]
            if p.value is None:
                assert p.prior is not None and p.prior.sd > 0


def test_extends_chain_is_applied_in_order(assumptions):
    """Every shock and parameter value of every scenario is the one set by the last scenario of its
    ``extends`` chain that sets it (else channels.yaml), worked out here from a plain PyYAML read."""
    raw, channels = _raw("scenarios.yaml"), _raw("channels.yaml")

    def chain(name):
        parent = raw[name].get("extends")
        return (*chain(parent), name) if parent else (name,)

    def set_by(name, section, key):
        """(value, scenario) of the last scenario in the chain that sets ``section.key``."""
        found = None
        for link in chain(name):
            entry = (raw[link].get(section) or {}).get(key)
            if entry is not None and "value" in entry:
                found = (entry["value"], link)
        return found

    overridden = inherited = 0
    for name in raw:
        sc = assumptions.scenario(name)
        assert sc.chain == chain(name)
        for shock, p in sc.shocks.items():
            value, link = set_by(name, "shocks", shock)
            assert p.value == value, (name, shock)
            parent = set_by(sc.chain[-2], "shocks", shock) if len(sc.chain) > 1 else None
            inherited += link != name
            overridden += link == name and parent is not None and parent[0] != value
        for qual, p in sc.parameters.items():
            hit = set_by(name, "parameters", qual)
            ch, par = qual.split(".", 1)
            assert p.value == (hit[0] if hit else channels[ch]["parameters"][par].get("value")), (name, qual)
    # the files exercise both cases: a child overriding its parent's value, and values inherited
    assert overridden and inherited
    assert sum(len(assumptions.scenario(n).chain) > 2 for n in raw), "no scenario extends a non-baseline one"


def test_weights_sum_to_one(assumptions):
    w = [assumptions.scenario(n).weight for n in assumptions.scenario_names if n != "baseline"]
    assert sum(w) == pytest.approx(1.0)


def _load_error(folder):
    with pytest.raises(AssumptionError) as ei:
        impact.load_assumptions(folder)
    return str(ei.value)


@pytest.mark.parametrize("file,old,new,fragments", [
    ("settings.yaml", "  horizon: 6 ", "  horizon: [6 ", ["settings.yaml:", "YAML syntax error"]),
    ("settings.yaml", "  horizon: 6 ", "  horizn: 6 ", ["settings.yaml:5:3", "unknown key 'horizn'", "did you mean 'horizon'"]),
    ("settings.yaml", "  draws: 10000 ", "  draws: 10000\n  draws: 5 ", ["duplicate key 'draws'", "settings.yaml:9:3", "already set on line 8"]),
    ("settings.yaml", "  horizon: 6 ", "  horizon: six ", ["settings.horizon", "expected an integer (got 'six')"]),
    ("channels.yaml", "      value: 26.3\n", "      value: 260.3\n", ["tourism.parameters.base_level.value",
                                                                       "out of bounds", "between 1 and 100"]),
    ("scenarios.yaml", "  extends: designation\n  weight: 0.20", "  extends: designaton\n  weight: 0.20",
     ["certification.extends", "unknown parent scenario 'designaton'", "did you mean 'designation'"]),
    ("scenarios.yaml", "  extends: baseline\n  weight: 0.40", "  extends: military_incursion\n  weight: 0.40",
     ["cycle in extends"]),
    ("scenarios.yaml", "  weight: 0.20", "  weight: -0.20", ["certification.weight", "out of range (got -0.2)"]),
    ("settings.yaml", "  seed: 20250220 ", "  seed: !!python/object/apply:os.system ['echo pwned'] ",
     ["settings.yaml:9:", "not allowed", "nothing was executed"]),
])
def test_broken_files_report_file_line_and_key(adir, file, old, new, fragments):
    edit(adir, file, old, new)
    msg = _load_error(adir)
    for f in fragments:
        assert f in msg, (f, msg)


def test_all_problems_reported_in_one_pass(adir):
    edit(adir, "settings.yaml", "  horizon: 6 ", "  horizon: 0 ")
    edit(adir, "channels.yaml", "      value: 26.3\n", "      value: -5\n")
    edit(adir, "scenarios.yaml", "  weight: 0.20", "  weight: -0.20")
    msg = _load_error(adir)
    head, *problems = msg.splitlines()
    assert head == "3 problems found", msg
    assert len(problems) == 3, msg
    for key, problem in zip(("settings.horizon", "tourism.parameters.base_level.value", "certification.weight"),
                            problems):
        assert f": {key}: " in problem, (key, problem)


def test_plausibility_is_a_warning_not_an_error(adir):
    edit(adir, "channels.yaml", "      value: 26.3\n", "      value: 40\n")
    edit(adir, "channels.yaml", "{kind: pert, low: 18.0, mode: 26.3, high: 27.0}", "{kind: pert, low: 18.0, mode: 40, high: 45.0}")
    with pytest.warns(PlausibilityWarning, match="plausible range"):
        a = impact.load_assumptions(adir)
    assert a.scenario("baseline").parameters["tourism.base_level"].value == 40


def test_override_returns_modified_copy(assumptions):
    def values(a):
        d = a.scenario("designation")
        return d.parameters["tourism.elasticity"].value, a.settings.horizon, d.shocks["insecurity"].value

    before = values(assumptions)
    new = (-0.3, 4, 30)
    assert all(n != o for n, o in zip(new, before)), "the override must change every value it sets"
    b = assumptions.override({"tourism.elasticity.value": new[0], "settings.horizon": new[1],
                              "scenarios.designation.shocks.insecurity.value": new[2]})
    assert values(b) == new
    assert values(assumptions) == before  # the original is left alone


def test_override_is_validated(assumptions):
    with pytest.raises(AssumptionError, match="out of bounds"):
        assumptions.override({"tourism.base_level.value": 1e6})


def test_missing_file_and_unexpected_file(adir):
    (adir / "analysis.yaml").unlink()
    (adir / "extra.yaml").write_text("a: 1\n")
    msg = _load_error(adir)
    assert "analysis.yaml: required file is missing" in msg
    assert "extra.yaml: unexpected file" in msg


def test_values_are_frozen(assumptions):
    p = assumptions.scenario("designation").shocks["insecurity"]
    with pytest.raises(Exception):
        p.value = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        assumptions.scenario("designation").shocks["insecurity"] = p  # type: ignore[index]


def test_libyaml_and_pure_python_parsers_agree(monkeypatch):
    """The fast (libyaml) path gives the same data and key positions as the pure-Python parser."""
    import yaml

    from impact import yamlio
    from impact.assumptions import DEFAULT_DIR, FILES

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML built without libyaml")
    for f in FILES:
        text = (DEFAULT_DIR / f).read_text(encoding="utf-8")
        fast = yamlio.parse_yaml(text, f)
        monkeypatch.setattr(yamlio, "_FAST_LOADER", None)
        slow = yamlio.parse_yaml(text, f)
        monkeypatch.undo()
        assert fast.data == slow.data
        assert fast.marks == slow.marks


def test_warnings_point_at_the_callers_line_whatever_the_entry_point(adir, model):
    # a fixed stacklevel pointed into impact when one public function reached another
    # (model.sensitivity -> sensitivity.sobol): each warning must name this file
    import warnings

    from impact import sensitivity as sa
    from impact.errors import SampleSizeWarning

    edit(adir, "channels.yaml", "      value: 26.3\n", "      value: 40\n")
    edit(adir, "channels.yaml", "{kind: pert, low: 18.0, mode: 26.3, high: 27.0}",
         "{kind: pert, low: 18.0, mode: 40, high: 45.0}")
    calls = {
        "load_assumptions": (PlausibilityWarning, lambda: impact.load_assumptions(adir)),
        "Assumptions.override": (PlausibilityWarning, lambda: model.assumptions.override(
            {"tourism.base_level.value": 40, "tourism.base_level.distribution.mode": 40,
             "tourism.base_level.distribution.high": 45.0})),
        "Model.simulate": (SampleSizeWarning, lambda: model.simulate("designation", draws=20)),
        "sensitivity.sobol": (SampleSizeWarning, lambda: sa.sobol(model, "designation", base_samples=8)),
        "Model.sensitivity": (SampleSizeWarning, lambda: model.sensitivity("designation", "sobol", base_samples=8)),
    }
    for name, (category, call) in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        mine = [w for w in caught if issubclass(w.category, category)]
        assert mine, name
        assert all(warned_at(w.filename, __file__) for w in mine), (name, [(w.filename, w.lineno) for w in mine])
