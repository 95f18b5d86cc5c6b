"""The notebook experience: the example notebook runs headless, is committed without outputs,
the API accepts scenario names or objects, errors read like the CLI, and ``import impact`` stays
free of matplotlib."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import impact

from .conftest import ROOT, edit

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def test_notebook_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, f"clear the outputs of: {c.source[:60]!r}"
    text = "\n".join(c.source for c in code)  # it shows the tidy schema at work: a pivot and a pandas plot
    assert ".to_frame()" in text and "pivot_table(" in text and ".plot(" in text


@pytest.mark.slow
def test_notebook_runs_headless(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    # the kernel inherits this environment: the repo on the path, a private fit cache, a headless backend
    for k, v in _env(XDG_CACHE_HOME=str(tmp_path / "cache"), MPLBACKEND="Agg").items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    assert (tmp_path / "outputs" / "quickstart.xlsx").is_file()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_import_impact_does_not_import_matplotlib():
    code = ("import sys, impact\n"
            "assert 'matplotlib' not in sys.modules, 'import impact imported matplotlib'\n"
            "impact.plotting.fan\n"
            "assert 'matplotlib' not in sys.modules, 'impact.plotting imported matplotlib before a plot'\n")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_plotting_without_matplotlib_names_the_extra():
    code = ("import sys\n"
            "sys.modules['matplotlib'] = None  # as if not installed\n"
            "import impact\n"
            "try:\n"
            "    impact.plotting.tornado(None)\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120)
    assert "pip install impact[plot]" in out.stdout, out.stderr


# --------------------------------------------------------------------------- scenario names or objects
def test_run_simulate_sensitivity_accept_names_or_scenarios(model, assumptions):
    sc = assumptions.scenario("designation")
    pd.testing.assert_frame_equal(model.run(sc).impacts, model.run("designation").impacts)
    a, b = model.simulate(sc, draws=200, seed=5), model.simulate("designation", draws=200, seed=5)
    np.testing.assert_array_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(model.sensitivity(sc, method="tornado").table,
                                  model.sensitivity("designation", method="tornado").table)
    kw = {"x": "tourism.elasticity", "y": "shocks.insecurity", "target": "tourism", "points": 3}
    pd.testing.assert_frame_equal(model.sensitivity(sc, method="two_way", **kw).table,
                                  model.sensitivity("designation", method="two_way", **kw).table)


def test_unknown_scenario_is_an_assumption_error_with_a_hint(model):
    with pytest.raises(impact.AssumptionError, match="did you mean 'designation'") as ei:
        model.run("designaton")
    assert len(ei.value.issues) == 1


# --------------------------------------------------------------------------- errors read like the CLI
def test_assumption_error_message_equals_cli_output(adir):
    edit(adir, "channels.yaml", "    hac_maxlags: 2\n", "    hac_maxlag: 2\n")
    edit(adir, "channels.yaml", "      value: 26.3\n", "      value: -26.3\n")
    with pytest.raises(impact.AssumptionError) as ei:
        impact.load_assumptions(adir)
    exc = ei.value
    # two edits, two problems: the unknown key and the out-of-bounds value, each once
    assert len(exc.issues) == 2 and all(isinstance(i, impact.errors.Issue) for i in exc.issues)
    assert [i.path for i in exc.issues] == ["tourism.estimator.hac_maxlag", "tourism.parameters.base_level.value"]
    assert str(exc).splitlines() == ["2 problems found", *(str(i) for i in exc.issues)]
    cli = subprocess.run([sys.executable, "-m", "impact", "validate", "--assumptions", str(adir)], cwd=os.getcwd(),
                         env=_env(), capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2
    printed = [line.removeprefix("error: ") for line in cli.stderr.splitlines() if line.startswith("error: ")]
    assert "\n".join(printed) == str(exc)
