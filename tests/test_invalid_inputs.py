"""Every broken input in ``tests/fixtures/invalid/`` is rejected cleanly by the command line.

One YAML file per case (format in ``tests/fixtures/invalid/README.md``).  Each case copies the shipped
default assumptions into a temporary folder, applies its edits, and runs ``impact.cli.main`` in-process.
For every case: exit status 2, no traceback, the ``file:line:col`` and dotted key path of the problem,
a statement of what is allowed or how to fix it, as many problem lines as the "N problems found"
line announces, and every earlier output left byte-for-byte untouched, with nothing created: a
workbook, a folder of CSV tables, a user's file, and a fit-cache folder holding a user's file (see
:func:`prepare`).  Hostile YAML (too large, nested too deep, expanding aliases) must also be given up
early: the loader's work on the file is counted (files parsed, node trees composed, nodes converted),
never timed (see :class:`LoaderWork`).  A few representative cases also run in a real
``python -m impact`` subprocess.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from impact import cli, yamlio
from impact.assumptions import DEFAULT_DIR

from .conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invalid"
CASES = sorted(p.stem for p in FIXTURES.glob("*.yaml"))
OLD_WORKBOOK = b"PK\x03\x04 previous workbook written by an earlier run - must survive \xff\x00\n"
CASE_KEYS = {"about", "args", "edits", "files", "expect", "stops_early", "must_not_exist", "no_assumptions", "outside",
             "memory_gib", "data_files"}
STOPS_EARLY_KEYS = {"file", "by"}
STOPS_EARLY_BY = {"size", "depth", "nodes"}
DATA_FILE_KEYS = {"from", "drop", "since", "until", "set"}
OLD_CSV = b"scenario,channel,year,statistic,value,unit\ndesignation,total,cumulative,central,-1.0,US$ bn\n"
EDIT_KEYS = {"file", "old", "new", "content", "content_repeat", "hex", "delete", "pad_to", "truncate_from"}
EXPECT_KEYS = {"location", "key", "message", "fix"}
SUBPROCESS_CASES = ["yaml_python_object_tag", "yaml_alias_bomb", "cli_negative_draws"]


def load_case(name: str) -> dict[str, Any]:
    case = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert set(case) <= CASE_KEYS, f"{name}: unknown fixture keys {set(case) - CASE_KEYS}"
    assert set(case["expect"]) <= EXPECT_KEYS and case["expect"].get("fix"), name
    stop = case.get("stops_early")
    if stop is not None:
        assert set(stop) == STOPS_EARLY_KEYS and stop["by"] in STOPS_EARLY_BY, f"{name}: stops_early {stop}"
    return case


def _apply(adir: Path, edit: dict[str, Any]) -> None:
    assert set(edit) <= EDIT_KEYS and "file" in edit, edit
    p = adir / edit["file"]
    if edit.get("delete"):
        p.unlink()
    elif "content" in edit:
        p.write_text(edit["content"], encoding="utf-8")
    elif "content_repeat" in edit:
        p.write_text("".join(text * times for text, times in edit["content_repeat"]), encoding="utf-8")
    elif "hex" in edit:
        p.write_bytes(bytes.fromhex(edit["hex"]))
    elif "pad_to" in edit:
        text = p.read_text(encoding="utf-8")
        pad = "# padding " + "x" * 69 + "\n"
        p.write_text(text + pad * ((edit["pad_to"] - len(text)) // len(pad) + 1), encoding="utf-8")
    elif "truncate_from" in edit:
        text = p.read_text(encoding="utf-8")
        assert edit["truncate_from"] in text, edit
        p.write_text(text[: text.index(edit["truncate_from"]) + 1], encoding="utf-8")
    else:
        text = p.read_text(encoding="utf-8")
        assert text.count(edit["old"]) == 1, f"fixture text must occur exactly once in {edit['file']}: {edit['old']!r}"
        p.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")


def _derive_data_file(dest: Path, spec: dict[str, Any]) -> None:
    """A copy of a bundled series' CSV with rows dropped, the range cut or values set (by period)."""
    from impact import data

    assert set(spec) <= DATA_FILE_KEYS and "from" in spec, spec
    lines = data.path_of(spec["from"]).read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    drop = {str(p) for p in spec.get("drop") or []}
    sets = {str(k): v for k, v in (spec.get("set") or {}).items()}
    for ln in lines[1:]:
        period, value = ln.split(",", 1)
        if period in drop or ("since" in spec and period < str(spec["since"])) or \
                ("until" in spec and period > str(spec["until"])):
            continue
        out.append(f"{period},{sets.get(period, value)}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(out) + "\n", encoding="utf-8")


def prepare(case: dict[str, Any], root: Path) -> tuple[Path, list[str]]:
    """A working folder with the edited assumptions and a previous workbook; the CLI arguments."""
    work = root / "work"
    adir = work / "assumptions"
    shutil.copytree(DEFAULT_DIR, adir)
    for e in case.get("edits") or []:
        _apply(adir, e)
    for rel, spec in (case.get("data_files") or {}).items():
        _derive_data_file(adir / rel, spec)
    for rel, body in (case.get("files") or {}).items():
        f = (adir / rel)
        f.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, dict):  # {hex: "..."}: raw bytes
            f.write_bytes(bytes.fromhex(body["hex"]))
        else:
            f.write_text(body, encoding="utf-8")
    (work / "outputs").mkdir()
    (work / "outputs" / "impact.xlsx").write_bytes(OLD_WORKBOOK)
    (work / "outputs" / "tables").mkdir()
    (work / "outputs" / "tables" / "central.csv").write_bytes(OLD_CSV)
    (work / "notes.txt").write_text("a user's own file")
    cache = root / "cache"
    (cache / "impact-fit-cache").mkdir(parents=True)
    (cache / "mine.pkl").write_bytes(b"a user's file in the cache folder")
    old = time.time() - 400 * 86400
    os.utime(cache / "mine.pkl", (old, old))
    for rel, body in (case.get("outside") or {}).items():
        f = work / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(body, encoding="utf-8")
    args = [str(a) for a in case["args"]]
    if args[0] in ("run", "validate") and not case.get("no_assumptions"):
        args += ["--assumptions", "assumptions"]
    if args[0] == "run":
        if "--out" not in args:
            args += ["--out", "outputs/impact.xlsx"]
        args += ["--no-sensitivity"]
        if "--cache-dir" not in args:
            args += ["--cache-dir", str(cache)]
    return work, args


def snapshot(root: Path, folder_times: bool = True) -> dict[str, tuple[bytes | None, int]]:
    """Every file and folder under ``root``: content (None for folders) and modification time (of
    folders too unless ``folder_times`` is False: a temporary file created and removed changes it)."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        folder = p.is_dir()
        out[str(p.relative_to(root))] = (None if folder else p.read_bytes(),
                                          st.st_mtime_ns if folder_times or not folder else 0)
    return out


class LoaderWork:
    """Counts the YAML loader's work per assumption file (by file name), through spies on
    :mod:`impact.yamlio`: files handed to the parser, texts composed into node trees, nodes converted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed: Counter[str] = Counter()
        self.converted: Counter[str] = Counter()
        self.composed: list[str] = []
        parse, node, compose = yamlio.parse_yaml, yamlio._Converter._node, yamlio.yaml.compose

        def parse_spy(text: str, name: str, *args: Any, **kwargs: Any) -> Any:
            self.parsed[Path(name).name] += 1
            return parse(text, name, *args, **kwargs)

        def node_spy(conv: Any, n: Any, path: Any) -> Any:
            self.converted[Path(conv.name).name] += 1
            return node(conv, n, path)

        def compose_spy(stream: Any, *args: Any, **kwargs: Any) -> Any:
            self.composed.append(stream)
            return compose(stream, *args, **kwargs)

        monkeypatch.setattr(yamlio, "parse_yaml", parse_spy)
        monkeypatch.setattr(yamlio._Converter, "_node", node_spy)
        monkeypatch.setattr(yamlio.yaml, "compose", compose_spy)

    def check(self, stop: dict[str, str], work: Path) -> None:
        """The loader gave up on ``stop["file"]`` at the stage ``stop["by"]`` names."""
        file, by = stop["file"], stop["by"]
        nodes = self.converted[file]
        if by == "size":  # rejected on its size: never handed to the parser
            assert self.parsed[file] == 0 and nodes == 0, f"{file} was parsed ({nodes} nodes converted)"
        elif by == "depth":  # rejected on the parser's event stream: no node tree built, nothing converted
            text = (work / "assumptions" / file).read_text(encoding="utf-8").removeprefix("\ufeff")
            assert self.parsed[file] >= 1, f"{file} never reached the parser"
            assert text not in self.composed and nodes == 0, f"{file} was composed ({nodes} nodes converted)"
        else:  # "nodes": conversion stopped at the node limit at the latest (aliases are not expanded further)
            assert 0 < nodes <= yamlio.MAX_NODES + 1, f"{file}: {nodes} nodes converted (limit {yamlio.MAX_NODES})"


def check(case: dict[str, Any], work: Path, rc: int, err: str, before: dict[str, tuple[bytes | None, int]],
          loader: LoaderWork | None = None) -> None:
    exp = case["expect"]
    assert rc == 2, f"exit status {rc}, expected 2\n{err}"
    assert "Traceback" not in err and "unexpected error" not in err, err
    assert err.strip(), "no message on stderr"
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert lines, err
    # the problem's position and key, in the documented `file:line:col: key.path:` format
    loc, key = exp.get("location"), exp.get("key")
    if loc and key:
        needle = f"{key}: " if key.startswith(".") else f" {key}: "
        hits = [ln for ln in lines if loc in ln and needle in ln and ln.index(loc) < ln.index(needle)]
        assert hits, f"no line with {loc!r} followed by key {key!r}:\n{err}"
    elif loc:
        assert loc in err, f"missing location {loc!r}:\n{err}"
    elif key:
        assert key in err, f"missing key {key!r}:\n{err}"
    for frag in exp.get("message") or []:
        assert frag in err, f"missing {frag!r}:\n{err}"
    assert exp["fix"] in err, f"missing the fix {exp['fix']!r}:\n{err}"
    # as many problem lines as announced: "N problems found" then N lines, or a single line
    heads = [ln for ln in lines if re.fullmatch(r"error: \d+ problems found", ln)]
    problems = [ln for ln in lines if ln not in heads]
    if heads:
        assert lines[0] == heads[0] and len(heads) == 1, err
        assert int(heads[0].split()[1]) == len(problems) >= 2, err
    else:
        assert len(problems) == 1, f"{len(problems)} problem lines without a count:\n{err}"
    # every problem line says how to fix it (after `; `) or states what is allowed
    for ln in problems:
        assert "; " in ln or " must " in ln, f"no hint on: {ln}"
    # nothing was written, replaced or deleted: workbook, CSV folder, user files, cache folder
    after = snapshot(work.parent)
    assert after == before, sorted(set(after) ^ set(before)) or [k for k in after if after[k] != before.get(k)]
    for rel in case.get("must_not_exist") or []:
        assert not (work / rel).exists(), f"{rel} exists: something was executed"
    if loader is not None and "stops_early" in case:
        loader.check(case["stops_early"], work)


def test_corpus_is_large_and_distinct():
    assert len(CASES) >= 119
    seen = {}
    for name in CASES:
        c = load_case(name)
        sig = yaml.safe_dump([c.get("edits"), c.get("files"), c.get("data_files"), c.get("outside"), c.get("memory_gib"),
                              c["args"]])
        assert sig not in seen, f"{name} duplicates {seen.get(sig)}"
        seen[sig] = name


@pytest.mark.parametrize("name", CASES)
def test_invalid_input_is_rejected(name, tmp_path, monkeypatch, capsys):
    case = load_case(name)
    work, args = prepare(case, tmp_path)
    monkeypatch.chdir(work)
    if "memory_gib" in case:  # the machine's free memory, fixed so the case does not depend on it
        from impact import arguments

        monkeypatch.setattr(arguments, "available_memory", lambda: int(case["memory_gib"] * 2**30))
    before = snapshot(tmp_path)
    loader = LoaderWork(monkeypatch)
    rc = cli.main(args)
    err = capsys.readouterr().err
    check(case, work, rc, err, before, loader)


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
@pytest.mark.slow
def test_invalid_input_in_a_real_process(name, tmp_path):
    case = load_case(name)
    work, args = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the timeout only keeps a hung process from blocking the suite; the loader's early stop is
    # counted in-process by test_invalid_input_is_rejected
    proc = subprocess.run([sys.executable, "-m", "impact", *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout == "" or "Traceback" not in proc.stdout
    check(case, work, proc.returncode, proc.stderr, before)
