"""About: what reproduces the sweep (design file, seed, draws, versions, assumption hashes) and the
definition of every statistic."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..book import Book

if TYPE_CHECKING:  # pragma: no cover
    from ...results.sweep import SweepResult

TITLE = "About"


def build(book: Book, res: SweepResult) -> None:
    sh = book.sheet(TITLE)
    m = res.metadata
    sh.title("About this sweep", "Same assumption files, design, draws and seed give the same Parquet file, byte for "
                                 "byte, whatever the executor or the number of workers.")
    rows = [("impact version", m["impact_version"]), ("design file", m["design_file"]), ("method", m["method"]),
            ("variants", f"{m['variants']:,}"), ("draws per variant and scenario", f"{m['draws']:,}"),
            ("scenarios", ", ".join(m["scenarios"])), ("design seed", str(m["seed"])),
            ("random numbers", m["random_numbers"] + (" (every variant uses the design seed: variants differ only by "
                                                      "their inputs)" if m["random_numbers"] == "common" else
                                                      " (one stream per variant from the design seed and its id)")),
            ("period", m["period"]), ("price basis", m["price_basis"]), ("sweep token", m["token"])]
    rows += [(f"SHA-256 {f}", h) for f, h in m["assumptions"].items()]
    view = pd.DataFrame(rows, columns=["Item", "Value"])
    r0, *_ = sh.table(view, name="SweepInfo", wrap={"Value": 70.0})
    sh.heading("Statistics in the Parquet file")
    sh.table(pd.DataFrame(list(m["statistic_definitions"].items()), columns=["Statistic", "Definition"]),
             wrap={"Definition": 70.0})
    sh.heading("Design file as written")
    for line in m["design"].splitlines():
        sh.put(sh.row, 1, line if line.strip() else " ", measure=False)
        sh.row += 1
    sh.finish(freeze=f"A{r0 + 1}", landscape=False)
