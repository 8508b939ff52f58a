"""The KPI table of docs/kpis.md, generated from the KPI registry (sim/config/kpis.py).

    python scripts/kpi_reference.py            # print it
    python scripts/kpi_reference.py --write    # refresh it inside docs/kpis.md

tests/test_docs.py checks that docs/kpis.md holds the current table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.config.kpis import CORE_KPIS, FAMILIES, INF, Kpi

START, END = "<!-- kpi-reference:start -->", "<!-- kpi-reference:end -->"
TARGET = Path(__file__).resolve().parent.parent / "docs" / "kpis.md"
BETTER = {"higher": "↑ higher", "lower": "↓ lower", "neither": "—"}
PLACEHOLDER = {"stage": "STAGE", "channel": "CHANNEL", "paid_channel": "CHANNEL",
               "platform": "PLATFORM", "retailer": "RETAILER"}


def _range(kpi: Kpi) -> str:
    low, high = kpi.bounds
    if low == -INF and high == INF:
        return "any"
    if high == INF:
        return f"≥ {low:g}"
    return f"{low:g}–{high:g}"


def _row(name: str, kpi: Kpi, label: str, definition: str) -> str:
    cells = [f"`{name}`", label, kpi.unit or "—", BETTER[kpi.direction], kpi.kind, _range(kpi),
             definition]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render() -> str:
    head = ["| KPI | label | unit | better | kind | range | definition |",
            "|---|---|---|---|---|---|---|"]
    core = [_row(k.name, k, k.label, k.definition) for k in CORE_KPIS.values()]
    fams = []
    for fam in FAMILIES:
        x = PLACEHOLDER[fam.over]
        kpi = fam.make(x)
        fams.append(_row(fam.pattern.format(x=x), kpi, fam.label.format(x=x, X=x),
                         fam.definition.format(x=x, X=x)))
    return "\n".join(["**Core KPIs** (every run)", "", *head, *core, "",
                      "**Families** (one KPI per stage, channel, platform or retailer of the "
                      "scenario)", "", *head, *fams])


def inject(text: str) -> str:
    """Document text with the table between the markers replaced by the current one."""
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{render()}\n{END}{after}"


def main() -> None:
    if "--write" in sys.argv:
        TARGET.write_text(inject(TARGET.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(render())


if __name__ == "__main__":
    main()
