"""Channel registry: every sibling module that defines ``CHANNEL`` is a channel."""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..frozen import FrozenMap
from ..spec import ChannelSpec
from .base import Channel

#: Stable report order; channels not listed here follow alphabetically.
ORDER = ("tourism", "imports", "business_costs", "investment", "official_finance", "remittances")


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


def check_data(data: Mapping[str, Any], blocks: Mapping[str, Any], settings: Any) -> list[tuple[str, Any]]:
    """(channel, :class:`~impact.channels.base.DataProblem`) for every channel whose estimators could
    not run on ``data`` with its options and ``settings`` (see :mod:`impact.data_rules`)."""
    out: list[tuple[str, Any]] = []
    for name, ch in registry().items():
        if ch.check_data is None or name not in blocks:
            continue
        own = {sid: data[sid] for sid in ch.spec.data}
        out += [(name, p) for p in ch.check_data(own, blocks[name].options, settings)]
    return out


def get(name: str) -> Channel:
    return registry()[name]

