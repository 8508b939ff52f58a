"""The bundled scenarios, and the one place that turns a scenario name into a file.

The repository's top-level ``scenarios/`` folder is the bundled set. A wheel ships it as package
data (``sim/scenarios/``, mapped from that folder in ``pyproject.toml``), so an installed socsim
finds ``baseline`` from any folder; a source checkout (or an editable install) reads the folder
itself.

``socsim run baseline``, ``socsim show reference/bass``, ``load_scenario("kol_pyramid")`` and an
``extends = "baseline.toml"`` in a user's own folder all resolve through
:func:`resolve_scenario`: an existing file wins; otherwise a relative name is looked up in the
bundled folder (with or without ``.toml``; a bare name also in ``reference/``).
"""

from __future__ import annotations

from pathlib import Path

_SIM = Path(__file__).resolve().parents[1]


def bundled_dir() -> Path:
    """The folder of bundled scenarios: ``sim/scenarios`` in an installed wheel, else the
    source checkout's top-level ``scenarios/``."""
    packaged = _SIM / "scenarios"
    return packaged if packaged.is_dir() else _SIM.parent / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names -> files: the campaign scenarios by stem (``baseline``), then the
    reference modes as ``reference/<stem>`` (sweep files are not scenarios)."""
    root = bundled_dir()
    out = {p.stem: p for p in sorted(root.glob("*.toml"))}
    out |= {f"reference/{p.stem}": p for p in sorted((root / "reference").glob("*.toml"))}
    return out


def _candidates(name: str) -> list[Path]:
    root = bundled_dir()
    rel = Path(name)
    names = [rel] if rel.suffix == ".toml" else [rel, rel.with_name(rel.name + ".toml")]
    out = [root / n for n in names]
    if len(rel.parts) == 1:
        out += [root / "reference" / n for n in names]
    return out


def resolve_scenario(name: str | Path) -> Path:
    """The file a scenario argument means: ``name`` itself if it is a file, else the bundled
    scenario of that name (``baseline``, ``baseline.toml``, ``reference/bass``, ``bass``), else
    ``name`` unchanged (reading it then reports the file as not found)."""
    path = Path(name)
    if path.is_file() or path.is_absolute():
        return path
    for candidate in _candidates(str(name)):
        if candidate.is_file():
            return candidate
    return path


def not_found_message(name: str | Path) -> str:
    """Error text for a scenario that is neither a file nor a bundled name."""
    known = ", ".join(bundled_scenarios())
    return f"{name}: scenario file not found, and not a bundled scenario ({known})"


__all__ = ["bundled_dir", "bundled_scenarios", "not_found_message", "resolve_scenario"]
