"""Scenario validation errors as plain lines naming the source, the field and the value.

An error in a key set by ``--set`` names that override as well as the file it was applied to.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import ValidationError


def _error_loc(loc: tuple[Any, ...], data: Mapping[str, Any]) -> str:
    """``graph.mixing``, ``shocks[0].day``; a retailer by its key: ``retailers.brand.budget``."""
    retailers = data.get("retailers")
    if len(loc) > 1 and loc[0] == "retailers" and isinstance(loc[1], int) \
            and isinstance(retailers, Mapping) and loc[1] < len(retailers):
        loc = ("retailers", list(retailers)[loc[1]], *loc[2:])
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def _blame(loc: tuple[Any, ...], source: str, overrides: Mapping[str, Any] | None) -> str:
    """``--set KEY=VALUE (applied to SOURCE)`` if an override set this location (or a table
    around it), else ``source``."""
    dotted = ".".join(str(p) for p in loc)
    for key, value in (overrides or {}).items():
        if dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + ".") and loc:
            return f"--set {key}={value!r} (applied to {source})"
    return source


def format_validation_error(exc: ValidationError, data: Mapping[str, Any], source: str,
                            overrides: Mapping[str, Any] | None = None) -> str:
    """One line per pydantic error: ``SOURCE: field.path: message (got VALUE)``."""
    lines = []
    for err in exc.errors():
        loc = _error_loc(err["loc"], data)
        src = _blame(tuple(err["loc"]), source, overrides) if overrides else source
        if overrides and src == source:  # a retailer addressed by name: retailers.brand.x
            src = _blame(tuple(loc.replace("[", ".").replace("]", "").split(".")), source,
                         overrides)
        msg = err["msg"].removeprefix("Value error, ")
        where = f"{loc}: " if loc else ""
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; see the scenario reference in docs/scenarios.md)"
        got = err.get("input")
        shown = "" if err["type"] in ("missing",) or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{src}: {where}{msg}{shown}")
    return "\n".join(lines)
