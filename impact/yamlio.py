"""Strict, safe YAML reading with source positions.

Only plain YAML data is accepted: mappings, sequences and scalars (null, bool, int, float, str).
Python object tags and any other explicit tag are rejected without constructing anything;
duplicate keys are errors; files above ``MAX_BYTES`` and documents that expand (through aliases)
to more than ``MAX_NODES`` nodes are rejected before any work is done on them.
The result keeps the line and column of every key path so validation messages can point at it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import AssumptionError, Issue

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 50

_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file: its data, where each key path starts, and its raw bytes' SHA-256."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(repr=False)
    sha256: str = ""

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """(line, column), 1-based, of the longest prefix of ``path`` that has a position."""
        p = tuple(path)
        while p and p not in self.marks:
            p = p[:-1]
        return self.marks.get(p, (None, None))


class _Loader(yaml.SafeLoader):
    pass


#: libyaml's parser when PyYAML was built with it: ~15x faster; errors are re-read with the
#: pure-Python parser so that messages and positions do not depend on the build.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str, name: str, loader: Any) -> Any:
    # nesting depth first, on the (iterative) event stream: the composer is recursive
    depth = 0
    for ev in yaml.parse(text, Loader=loader):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise AssumptionError(_issue(name, ev.start_mark, f"nested more than {MAX_DEPTH} levels deep",
                                             "assumption files need only a few levels; check the brackets"))
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return yaml.compose(text, Loader=loader)


def _issue(file: str, mark: Any, message: str, hint: str | None = None, path: str | None = None) -> Issue:
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return Issue(message, file=file, line=line, column=col, path=path, hint=hint)


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _tag(tag: str) -> str:
    """A tag as the user wrote it (``!!python/...`` rather than ``tag:yaml.org,2002:python/...``)."""
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


_TAG_HINT = "remove the tag: assumption files hold plain values only (numbers, text, lists, mappings)"


def read_yaml(path: str | Path, display: str | None = None) -> YamlDoc:
    """Read one YAML file strictly; raise :class:`AssumptionError` listing every problem found."""
    import hashlib

    p = Path(path)
    name = display or str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise AssumptionError(Issue("file not found", file=name, hint="create it or run `impact init DIR`")) from None
    if p.is_dir():
        raise AssumptionError(Issue("is a folder, expected a YAML file", file=name))
    if size > MAX_BYTES:
        raise AssumptionError(
            Issue(f"file too large ({size:,} bytes)", file=name, hint=f"assumption files are limited to {MAX_BYTES:,} bytes")
        )
    raw = p.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AssumptionError(
            Issue(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=name, line=line,
                  hint="save the file as UTF-8")
        ) from None
    return parse_yaml(text, name, digest)


def parse_yaml(text: str, name: str, digest: str = "") -> YamlDoc:
    """Parse YAML text (see :func:`read_yaml`)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        node = None
        if _FAST_LOADER is not None:
            try:
                node = _compose(text, name, _FAST_LOADER)
            except (yaml.YAMLError, AssumptionError):
                node = None
        if node is None:  # no libyaml, an error to report, or an empty file
            node = _compose(text, name, _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "syntax error"
        ctx = f" ({exc.context})" if exc.context else ""
        hint = "check indentation, brackets and quotes around this line"
        if "\t" in problem or "'\\t'" in problem or "tab" in problem.lower():
            hint = "YAML does not allow tabs for indentation; use spaces"
        raise AssumptionError(_issue(name, mark, f"YAML syntax error: {problem}{ctx}", hint)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - defensive
        raise AssumptionError(Issue(f"YAML error: {exc}", file=name)) from None
    if node is None:
        raise AssumptionError(Issue("file is empty", file=name, line=1, hint="see assumptions/README.md for the expected keys"))
    marks: dict[Path_, tuple[int, int]] = {}
    issues: list[Issue] = []
    count = [0]
    loader = _Loader("")
    open_nodes: set[int] = set()  # collections being converted: meeting one again means a recursive alias

    def conv(n: yaml.Node, path: Path_) -> Any:
        if id(n) in open_nodes:
            issues.append(_issue(name, n.start_mark, "recursive alias (an anchor used inside itself)",
                                 "remove the alias (*name) that refers to its own anchor", _dotted(path)))
            return None
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            open_nodes.add(id(n))
            try:
                return _conv(n, path)
            finally:
                open_nodes.discard(id(n))
        return _conv(n, path)

    def _conv(n: yaml.Node, path: Path_) -> Any:
        count[0] += 1
        if count[0] > MAX_NODES:
            raise AssumptionError(
                _issue(name, n.start_mark, f"document expands to more than {MAX_NODES:,} nodes",
                       "remove recursive or repeated aliases (&anchor/*alias)")
            )
        marks.setdefault(path, (n.start_mark.line + 1, n.start_mark.column + 1))
        if isinstance(n, yaml.MappingNode):
            if n.tag not in ("tag:yaml.org,2002:map",):
                issues.append(_issue(name, n.start_mark, f"tag {_tag(n.tag)!r} is not allowed (nothing was executed)",
                                     _TAG_HINT, _dotted(path)))
                return None
            out: dict[Any, Any] = {}
            for knode, vnode in n.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    issues.append(_issue(name, knode.start_mark, "merge keys (<<) are not supported",
                                         "write the keys out", _dotted(path)))
                    continue
                if not isinstance(knode, yaml.ScalarNode) or knode.tag not in _SAFE_SCALAR_TAGS:
                    issues.append(_issue(name, knode.start_mark, "mapping keys must be plain text or numbers",
                                         "write the key as plain text", _dotted(path)))
                    continue
                key = loader.construct_object(knode, deep=True)
                if key in out:
                    first = marks.get(path + (key,), (None, None))[0]
                    issues.append(_issue(name, knode.start_mark, f"duplicate key {key!r}",
                                         f"it was already set on line {first}; keep one", _dotted(path + (key,))))
                    continue
                marks[path + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
                out[key] = conv(vnode, path + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            if n.tag != "tag:yaml.org,2002:seq":
                issues.append(_issue(name, n.start_mark, f"tag {_tag(n.tag)!r} is not allowed (nothing was executed)",
                                     _TAG_HINT, _dotted(path)))
                return None
            return [conv(v, path + (i,)) for i, v in enumerate(n.value)]
        if n.tag not in _SAFE_SCALAR_TAGS:
            m = n.start_mark
            explicit = text[m.index:m.index + 1] == "!"
            if n.tag == "tag:yaml.org,2002:timestamp" and not explicit:  # an unquoted date, not a tag
                issues.append(_issue(name, m, f"dates are not supported (got {n.value})",
                                     f'write it in quotes ("{n.value}") where text is expected, or as a number',
                                     _dotted(path)))
            else:
                issues.append(_issue(name, m, f"tag {_tag(n.tag)!r} is not allowed (nothing was executed)",
                                     _TAG_HINT, _dotted(path)))
            return None
        value = loader.construct_object(n, deep=True)
        if isinstance(value, float) and not math.isfinite(value):
            # keep it; validation reports NaN/inf with the key's context
            return value
        return value

    data = conv(node, ())
    if issues:
        raise AssumptionError(issues)
    return YamlDoc(file=name, data=data, marks=marks, sha256=digest)
