"""The generated parts of the docs: the scenario-file reference (docs/scenarios.md, from the
pydantic schema) and the KPI table (docs/kpis.md, from the KPI registry sim/config/kpis.py).

    python scripts/scenario_reference.py            # print both
    python scripts/scenario_reference.py --write    # refresh them inside their documents

tests/test_docs.py checks that both documents hold the current text.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

from pydantic import BaseModel

from sim.config.formats import (ROSTER_KEYS, AssistSection, GamificationSection,
                                GroupBuyingSection, LiveSeries, RosterSection)
from sim.config.kpis import (CORE_KPIS, FAMILIES, FORMAT_KPIS, INF, LEVEL_FAMILY, RETAIL_KPIS,
                             Kpi)
from sim.config.retail import DistributorSection, MembershipSection, O2OSection, StoreSection
from sim.config.scenario import (BehaviourSection, CommunitySection, GraphSection, PlatformSection,
                          PopulationSection, ReferenceSection, RetailerSection, RunSection,
                          ShockSection, TierSection)

ROOT = Path(__file__).resolve().parent.parent

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("[run]", RunSection),
    ("[population]", PopulationSection),
    ("[graph]", GraphSection),
    ("[platforms.NAME]", PlatformSection),
    ("[influencers.TIER]", TierSection),
    ("[retailers.NAME]", RetailerSection),
    ("[retailers.NAME.community]", CommunitySection),
    ("[retailers.NAME.stores.STORE]", StoreSection),
    ("[retailers.NAME.o2o]", O2OSection),
    ("[retailers.NAME.distributors]", DistributorSection),
    ("[retailers.NAME.membership]", MembershipSection),
    ("[[retailers.NAME.live]]", LiveSeries),
    ("[retailers.NAME.group_buying]", GroupBuyingSection),
    ("[retailers.NAME.assist]", AssistSection),
    ("[retailers.NAME.gamification]", GamificationSection),
    ("[influencers] (roster keys)", RosterSection),
    ("[[shocks]]", ShockSection),
    ("[behaviour]", BehaviourSection),
    ("[reference]", ReferenceSection),
]


def bounds(field) -> str:
    parts = []
    for m in field.metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    ann = field.annotation
    for a in get_args(ann) or ():
        for m in getattr(a, "__metadata__", ()):
            for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
                v = getattr(m, attr, None)
                if v is not None:
                    parts.append(f"{sym} {v}")
    for m in getattr(ann, "__metadata__", ()):
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    return ", ".join(dict.fromkeys(parts))


def default(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(table)"
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text.replace("|", "\\|")


def render() -> str:
    lines: list[str] = []
    for title, model in SECTIONS:
        lines += [f"**{title}**", "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
        for name, field in model.model_fields.items():
            if model is RetailerSection and name in (
                    "community", "name", "stores", "o2o", "distributors", "membership", "live",
                    "group_buying", "assist", "gamification"):
                continue  # a sub-table; the name is the table's key
            ann = str(field.annotation)
            allowed = bounds(field)
            if "Literal" in ann:
                allowed = ", ".join(str(a) for a in get_args(field.annotation))
            if model is RosterSection:  # file keys of [influencers]
                name = {v: k for k, v in ROSTER_KEYS.items()}[name]
            lines.append(f"| `{name}` | `{default(field)}` | {allowed} | {field.description or ''} |")
        lines.append("")
    return "\n".join(lines)


BETTER = {"higher": "↑ higher", "lower": "↓ lower", "neither": "—"}
PLACEHOLDER = {"stage": "STAGE", "channel": "CHANNEL", "paid_channel": "CHANNEL",
               "platform": "PLATFORM", "retailer": "RETAILER", "level": "LEVEL"}


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


def render_kpis() -> str:
    head = ["| KPI | label | unit | better | kind | range | definition |",
            "|---|---|---|---|---|---|---|"]
    core = [_row(k.name, k, k.label, k.definition) for k in CORE_KPIS.values()]
    fams = []
    for fam in FAMILIES:
        x = PLACEHOLDER[fam.over]
        kpi = fam.make(x)
        fams.append(_row(fam.pattern.format(x=x), kpi, fam.label.format(x=x, X=x),
                         fam.definition.format(x=x, X=x)))
    retail = [_row(k.name, k, k.label, k.definition) for k in RETAIL_KPIS.values()]
    lvl = LEVEL_FAMILY.make("LEVEL")
    retail.append(_row(lvl.name, lvl, lvl.label, lvl.definition))
    formats = [_row(k.name, k, k.label, k.definition)
               for group in FORMAT_KPIS.values() for k in group]
    return "\n".join(["**Core KPIs** (every run)", "", *head, *core, "",
                      "**Families** (one KPI per stage, channel, platform or retailer of the "
                      "scenario)", "", *head, *fams, "",
                      "**Retail KPIs** (when a retailer has stores, distributors or a membership "
                      "programme: the first two always, the others per system present, and "
                      "`spend_stores` / `spend_distributors` / `spend_membership` per budget line; "
                      "[retail.md](retail.md))", "", *head, *retail, "",
                      "**Commerce formats** (only in scenarios that use the format: live "
                      "sessions, group buying, assists, gamification; [formats.md](formats.md))",
                      "", *head, *formats])


DOCS = {
    "scenarios": (ROOT / "docs" / "scenarios.md", "scenario-reference", render),
    "kpis": (ROOT / "docs" / "kpis.md", "kpi-reference", render_kpis),
}
"""Generated document parts: name -> (file, marker, renderer)."""


def inject(text: str, doc: str = "scenarios") -> str:
    """Document text with the part between ``<!-- MARKER:start -->`` and ``<!-- MARKER:end -->``
    replaced by the current one."""
    _, marker, render_part = DOCS[doc]
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{render_part()}\n{end}{tail}"


def main() -> None:
    for doc, (target, _, render_part) in DOCS.items():
        if "--write" in sys.argv:
            target.write_text(inject(target.read_text(encoding="utf-8"), doc), encoding="utf-8")
        else:
            print(render_part())


if __name__ == "__main__":
    main()
