import filecmp

import pytest

import impact
from impact.assumptions import DEFAULT_DIR, FILES
from impact.errors import AssumptionError, PlausibilityWarning

from .conftest import ROOT, edit


def test_defaults_validate(assumptions):
    assert set(assumptions.channels) == {"tourism", "imports", "business_costs"}
    assert assumptions.scenario_names[0] == "baseline"
    s = assumptions.settings
    assert (s.base_year, s.horizon, s.draws) == (2024, 6, 10_000)


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
    mil = assumptions.scenario("military_incursion")
    assert mil.chain == ("baseline", "designation", "financial_blocking", "military_incursion")
    assert mil.shocks["insecurity"].value == 150           # military overrides designation's 20
    assert mil.shocks["financing_premium"].value == 25     # inherited from financial_blocking
    assert mil.shocks["compliance_cost"].value == 0.06     # inherited from designation
    assert mil.parameters["tourism.half_life"].value == 1.0
    assert assumptions.scenario("designation").parameters["tourism.half_life"].value == 0.5
    assert all(p.value == 0 for p in assumptions.scenario("baseline").shocks.values())


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
    assert "settings.horizon" in msg and "base_level" in msg and "certification.weight" in msg
    assert msg.startswith("3 problems found") or "problems found" in msg


def test_plausibility_is_a_warning_not_an_error(adir):
    edit(adir, "channels.yaml", "      value: 26.3\n", "      value: 40\n")
    edit(adir, "channels.yaml", "{kind: pert, low: 18.0, mode: 26.3, high: 27.0}", "{kind: pert, low: 18.0, mode: 40, high: 45.0}")
    with pytest.warns(PlausibilityWarning, match="plausible range"):
        a = impact.load_assumptions(adir)
    assert a.scenario("baseline").parameters["tourism.base_level"].value == 40


def test_override_returns_modified_copy(assumptions):
    b = assumptions.override({"tourism.elasticity.value": -0.3, "settings.horizon": 4,
                              "scenarios.designation.shocks.insecurity.value": 30})
    assert b.scenario("designation").parameters["tourism.elasticity"].value == -0.3
    assert b.settings.horizon == 4 and b.scenario("designation").shocks["insecurity"].value == 30
    assert assumptions.scenario("designation").parameters["tourism.elasticity"].value is None
    assert assumptions.settings.horizon == 6
    assert assumptions.scenario("designation").shocks["insecurity"].value == 20


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
