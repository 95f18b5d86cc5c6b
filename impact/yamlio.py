"""Strict, safe YAML reading with source positions.

Only plain YAML data is accepted: mappings, sequences and scalars (null, bool, int, float, str).
Python object tags and any other explicit tag are rejected without constructing anything;
duplicate keys are errors; files above ``MAX_BYTES`` and documents that expand (through aliases)
to more than ``MAX_NODES`` nodes are rejected before any work is done on them.
The result keeps the line and column of every key path so validation messages can point at it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import AssumptionError, Issue

MAX_BYTES = 1_000_000
#: keys whose value is a date: an unquoted date there is read as its text (elsewhere it is an error)
DATE_KEYS = frozenset({"start", "event_date"})
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
    node = _node(text, name)
    if node is None:
        raise AssumptionError(Issue("file is empty", file=name, line=1, hint="see assumptions/README.md for the expected keys"))
    conv = _Converter(text, name)
    data = conv.convert(node, ())
    if conv.issues:
        raise AssumptionError(conv.issues)
    return YamlDoc(file=name, data=data, marks=conv.marks, sha256=digest)


def _node(text: str, name: str) -> Any:
    """The composed node tree (libyaml when available; its errors re-read by the pure-Python parser so
    that messages and positions do not depend on the build)."""
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
    return node


class _Converter:
    """Nodes to plain data, recording the position of every key path and collecting every problem."""

    def __init__(self, text: str, name: str) -> None:
        self.text, self.name = text, name
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.issues: list[Issue] = []
        self.count = 0
        self.loader = _Loader("")
        self.open_nodes: set[int] = set()  # collections being converted: meeting one again means a recursive alias

    def convert(self, n: yaml.Node, path: Path_) -> Any:
        if id(n) in self.open_nodes:
            self.issues.append(_issue(self.name, n.start_mark, "recursive alias (an anchor used inside itself)",
                                      "remove the alias (*name) that refers to its own anchor", _dotted(path)))
            return None
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            self.open_nodes.add(id(n))
            try:
                return self._node(n, path)
            finally:
                self.open_nodes.discard(id(n))
        return self._node(n, path)

    def _node(self, n: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise AssumptionError(
                _issue(self.name, n.start_mark, f"document expands to more than {MAX_NODES:,} nodes",
                       "remove recursive or repeated aliases (&anchor/*alias)")
            )
        self.marks.setdefault(path, (n.start_mark.line + 1, n.start_mark.column + 1))
        if isinstance(n, yaml.MappingNode):
            return self._mapping(n, path)
        if isinstance(n, yaml.SequenceNode):
            if n.tag != "tag:yaml.org,2002:seq":
                self._tag_issue(n, path)
                return None
            return [self.convert(v, path + (i,)) for i, v in enumerate(n.value)]
        return self._scalar(n, path)

    def _tag_issue(self, n: yaml.Node, path: Path_) -> None:
        self.issues.append(_issue(self.name, n.start_mark, f"tag {_tag(n.tag)!r} is not allowed (nothing was executed)",
                                  _TAG_HINT, _dotted(path)))

    def _mapping(self, n: yaml.MappingNode, path: Path_) -> Any:
        if n.tag not in ("tag:yaml.org,2002:map",):
            self._tag_issue(n, path)
            return None
        out: dict[Any, Any] = {}
        for knode, vnode in n.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                self.issues.append(_issue(self.name, knode.start_mark, "merge keys (<<) are not supported",
                                          "write the keys out", _dotted(path)))
                continue
            if not isinstance(knode, yaml.ScalarNode) or knode.tag not in _SAFE_SCALAR_TAGS:
                self.issues.append(_issue(self.name, knode.start_mark, "mapping keys must be plain text or numbers",
                                          "write the key as plain text", _dotted(path)))
                continue
            key = self.loader.construct_object(knode, deep=True)
            if key in out:
                first = self.marks.get(path + (key,), (None, None))[0]
                self.issues.append(_issue(self.name, knode.start_mark, f"duplicate key {key!r}",
                                          f"it was already set on line {first}; keep one", _dotted(path + (key,))))
                continue
            self.marks[path + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            out[key] = self.convert(vnode, path + (key,))
        return out

    def _scalar(self, n: yaml.Node, path: Path_) -> Any:
        if n.tag not in _SAFE_SCALAR_TAGS:
            m = n.start_mark
            explicit = self.text[m.index:m.index + 1] == "!"
            if n.tag == "tag:yaml.org,2002:timestamp" and not explicit and path and path[-1] in DATE_KEYS:
                return str(n.value)  # a date where one is expected: read as its text, 2025-02-20
            if n.tag == "tag:yaml.org,2002:timestamp" and not explicit:  # an unquoted date, not a tag
                self.issues.append(_issue(self.name, m, f"dates are not supported (got {n.value})",
                                          f'write it in quotes ("{n.value}") where text is expected, or as a number',
                                          _dotted(path)))
            else:
                self._tag_issue(n, path)
            return None
        # NaN/inf are kept: validation reports them with the key's context
        return self.loader.construct_object(n, deep=True)
