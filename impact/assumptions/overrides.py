"""Sparse changes to assumption files given as dotted keys (``Assumptions.override``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import AssumptionError, Issue

#: first part of a dotted key -> the file it edits (anything else is a channel in channels.yaml)
_FILE_OF = {"settings": "settings.yaml", "analysis": "analysis.yaml", "scenarios": "scenarios.yaml"}


def _path_in_file(key: str) -> tuple[str, list[str]]:
    parts = key.split(".")
    if parts[0] == "settings":
        return "settings.yaml", parts
    if parts[0] in _FILE_OF:
        return _FILE_OF[parts[0]], parts[1:]
    inner = parts
    if len(parts) > 2 and parts[1] not in ("estimator", "label", "description", "parameters"):
        inner = [parts[0], "parameters", *parts[1:]]  # "tourism.elasticity.value": a parameter's field
    return "channels.yaml", inner


def apply_changes(raw: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Set each dotted key of ``changes`` in the parsed files ``raw`` (file name -> data), in place.

    Setting a ``value`` where the file has ``estimate``/``prior`` replaces the estimate by the value."""
    for key, value in changes.items():
        fname, inner = _path_in_file(key)
        node = raw[fname]
        for p in inner[:-1]:
            if not isinstance(node, dict) or p not in node:
                if isinstance(node, dict):
                    node[p] = {}
                else:
                    raise AssumptionError(Issue(f"cannot set {key!r}: {p!r} is not a mapping", path=key))
            node = node[p]
        if not isinstance(node, dict):
            raise AssumptionError(Issue(f"cannot set {key!r}", path=key))
        if inner[-1] == "value" and "estimate" in node:
            node.pop("estimate", None)
            node.pop("prior", None)
        node[inner[-1]] = value
