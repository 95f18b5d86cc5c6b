"""Channel registry: every sibling module that defines ``CHANNEL`` is a channel."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from ..frozen import FrozenMap
from typing import Mapping

from ..spec import ChannelSpec
from .base import Channel

#: Stable report order; channels not listed here follow alphabetically.
ORDER = ("tourism", "imports", "business_costs")


@lru_cache(maxsize=1)
def registry() -> Mapping[str, Channel]:
    found: dict[str, Channel] = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_") or mod.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        ch = getattr(module, "CHANNEL", None)
        if ch is None:
            continue
        if ch.name in found:
            raise RuntimeError(f"two channel modules define the channel {ch.name!r}")
        if ch.name != mod.name:
            raise RuntimeError(f"channel module {mod.name!r} defines a channel named {ch.name!r}; they must match")
        found[ch.name] = ch
    ordered = sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    return FrozenMap({n: found[n] for n in ordered})


def specs() -> Mapping[str, ChannelSpec]:
    return FrozenMap({n: c.spec for n, c in registry().items()})


def get(name: str) -> Channel:
    return registry()[name]


def available() -> list[str]:
    return list(registry())
