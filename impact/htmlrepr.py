"""HTML tables for notebook reprs (``_repr_html_``); a leaf module."""
from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any


def table(df: Any, title: str, float_format: Callable[[float], str] = lambda x: f"{x:,.3f}") -> str:
    """A DataFrame under a bold title, numbers formatted (3 decimals with thousands separators by default)."""
    return f"<div><strong>{html.escape(title)}</strong>{df.to_html(float_format=float_format, border=0)}</div>"
