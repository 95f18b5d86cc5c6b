"""The house rules of docs/architecture.md, checked on the source with ``ast``.

* No import cycles between impact's modules, counting imports inside functions too (only imports
  under ``if TYPE_CHECKING:`` are left out: they never run).
* Modules stay under about 500 lines and functions under about 60, unless their docstring says
  why they must be longer ("Longer than ..." in the docstring).
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "impact"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """impact modules imported anywhere in the file (module level, functions, methods)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for sub in ast.walk(node):
                skip.add(id(sub))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("impact"):
                    found.add(_resolve(a.name, modules))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("impact"):
                continue
            for a in node.names:  # `from . import x` may import a module x
                sub = f"{mod}.{a.name}"
                found.add(sub if sub in modules else _resolve(mod, modules))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("impact"):
                found.add(_resolve(arg.value, modules))
    found.discard(name)
    return {m for m in found if m}


def _resolve(mod: str, modules: set[str]) -> str:
    while mod and mod not in modules:
        mod = mod.rsplit(".", 1)[0] if "." in mod else ""
    return mod


def graph() -> dict[str, set[str]]:
    files = sorted(PKG.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    return {_module_name(f): _imports(f, modules) for f in files}


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_even_inside_functions():
    cycles = _cycles(graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _too_long(node: ast.AST, limit: int) -> bool:
    doc = ast.get_docstring(node) or ""  # type: ignore[arg-type]
    return (node.end_lineno - node.lineno + 1) > limit and "Longer than" not in doc  # type: ignore[attr-defined]


def test_modules_and_functions_stay_short():
    long_modules, long_functions = [], []
    for f in sorted(PKG.rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        tree = ast.parse(text)
        if len(text.splitlines()) > MAX_MODULE_LINES and "Longer than" not in (ast.get_docstring(tree) or ""):
            long_modules.append(f"{_module_name(f)} ({len(text.splitlines())} lines)")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _too_long(node, MAX_FUNCTION_LINES):
                long_functions.append(f"{_module_name(f)}.{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long_modules, long_modules
    assert not long_functions, long_functions
