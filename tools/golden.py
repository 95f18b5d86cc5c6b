"""Rewrite the golden fingerprint of the default workbook and CSV tables (tests/fixtures/golden.json).

Run after an intended change of the numbers or the layout, and say so in the commit:

    python tools/golden.py            # rewrite
    python tools/golden.py --check    # compare only; exit 1 and list what differs
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.golden import STORED, fingerprint  # noqa: E402


def main(argv: list[str]) -> int:
    got = fingerprint()
    if "--check" in argv:
        want = json.loads(STORED.read_text())
        diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
        print("\n".join(diff) if diff else "identical")
        return 1 if diff else 0
    STORED.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORED} ({len(got)} fingerprints)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
