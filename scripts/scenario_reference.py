"""The scenario-file reference (Markdown) generated from the pydantic schema.

    python scripts/scenario_reference.py            # print it
    python scripts/scenario_reference.py --write    # refresh it inside docs/scenarios.md

tests/test_docs.py checks that docs/scenarios.md holds the current reference.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

from pydantic import BaseModel

from sim.config.scenario import (BehaviourSection, CommunitySection, GraphSection, PlatformSection,
                          PopulationSection, ReferenceSection, RetailerSection, RunSection,
                          ShockSection, TierSection)

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("[run]", RunSection),
    ("[population]", PopulationSection),
    ("[graph]", GraphSection),
    ("[platforms.NAME]", PlatformSection),
    ("[influencers.TIER]", TierSection),
    ("[[retailers]]", RetailerSection),
    ("[retailers.community]", CommunitySection),
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


START, END = "<!-- scenario-reference:start -->", "<!-- scenario-reference:end -->"
TARGET = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"


def render() -> str:
    lines: list[str] = []
    for title, model in SECTIONS:
        lines += [f"**{title}**", "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
        for name, field in model.model_fields.items():
            if name == "community" and model is RetailerSection:
                continue
            ann = str(field.annotation)
            allowed = bounds(field)
            if "Literal" in ann:
                allowed = ", ".join(str(a) for a in get_args(field.annotation))
            lines.append(f"| `{name}` | `{default(field)}` | {allowed} | {field.description or ''} |")
        lines.append("")
    return "\n".join(lines)


def inject(readme: str) -> str:
    """Document text with the reference between the markers replaced by the current one."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{render()}\n{END}{tail}"


def main() -> None:
    if "--write" in sys.argv:
        TARGET.write_text(inject(TARGET.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(render())


if __name__ == "__main__":
    main()
