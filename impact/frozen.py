"""A read-only mapping that pickles and deep-copies (``types.MappingProxyType`` does neither).

Result objects, assumptions and fitted models hold their mappings in :class:`FrozenMap` so they
stay immutable yet travel to worker processes (``pickle``, ``copy.deepcopy``, joblib, Dask).
This module is a leaf: it imports nothing from impact.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable ``dict`` view: lookups, iteration in insertion order, equality with mappings.

    Built from a copy of the mapping it is given, so later changes to that mapping do not show."""

    __slots__ = ("_d",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        object.__setattr__(self, "_d", dict(data or {}))

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._d,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:  # Mapping sets __hash__ to None; a frozen map of hashable values can be hashed
        return hash(tuple(self._d.items()))
