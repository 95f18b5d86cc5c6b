"""Golden test: the default workbook (fixed seed) and every --csv table are identical, cell by
cell, to the stored fingerprint (see tests/golden.py; ``python tools/golden.py`` updates it after an
intended change)."""
from __future__ import annotations

import json

import pytest

from .golden import STORED, fingerprint


@pytest.mark.slow
def test_default_workbook_and_tables_match_the_stored_fingerprint(cache_dir):
    want = json.loads(STORED.read_text())
    got = fingerprint(cache_dir)
    differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    assert not differ, f"changed: {differ} (run python tools/golden.py after an intended change)"
