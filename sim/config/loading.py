"""Reading scenario files: bundled names, ``extends`` merging, keyed retailers, dotted overrides,
and writing a resolved scenario back as TOML.

File form. Platforms, influencer tiers and retailers are *keyed tables*::

    [retailers.brand]            # the key is the retailer's name
    budget = 2000000.0
    [retailers.brand.community]
    join_prob = 0.4

The older array form ``[[retailers]]`` (with ``name = ...``) is still read: it is converted to
keyed tables by name, with a :class:`ScenarioDeprecationWarning`; under ``extends`` such an
array replaces the base's retailers whole, as it always did.

Merging. ``extends = "base.toml"`` (relative to the file, else a bundled name) deep-merges the
base under the file, guided by the schema: sections (``[run]``, ``[behaviour]``, a retailer's
``community``) and keyed tables (platforms, tiers, retailers) merge key by key, so a variant
holds only its differences; every other value — numbers, strings, lists such as ``[[shocks]]``
and share maps such as ``allocation`` or ``content_mix`` — replaces the base's value whole (a
variant's allocation is the whole allocation). ``name`` and ``question`` are never inherited.

Overrides. ``--set dotted.key=value`` reaches keyed tables by key (``retailers.brand.budget``);
a retailer can also be addressed by its position (``retailers.0.budget``), and list items by
index (``shocks.0.day``).
"""

from __future__ import annotations

import copy
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from inspect import isclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from sim.config.bundled import not_found_message, resolve_scenario
from sim.config.formats import ROSTER_KEYS
from sim.config.scenario import Scenario, ScenarioError, validate_scenario
from sim.config.strict import read_toml

KEYED_ARRAYS = ("retailers",)
"""Scenario fields that are lists in the schema (file order matters) but keyed tables in files."""


class ScenarioDeprecationWarning(FutureWarning):
    """A scenario file uses a form that still works but will not forever (shown to users)."""


# ---------------------------------------------------------------------- merging
def _merge_kind(model: type[BaseModel] | None, key: str) -> tuple[str, type[BaseModel]] | None:
    """How ``key`` of ``model`` merges: ``("section", M)``, ``("keyed", M)`` or None (replace)."""
    field = model.model_fields.get(key) if model is not None else None
    if field is None:
        return None
    ann = field.annotation
    if isclass(ann) and issubclass(ann, BaseModel):
        return "section", ann
    args = get_args(ann)
    item = args[-1] if args else None
    if not (isclass(item) and issubclass(item, BaseModel)):
        return None
    if get_origin(ann) is dict or (get_origin(ann) is list and key in KEYED_ARRAYS):
        return "keyed", item
    return None


def merge(base: Mapping[str, Any], extra: Mapping[str, Any],
          model: type[BaseModel] = Scenario) -> dict[str, Any]:
    """``extra`` merged over a copy of ``base`` (file form), guided by the schema ``model``:
    sections and keyed tables merge key by key (base order first, new keys after), everything
    else in ``extra`` replaces the base's value."""
    out = copy.deepcopy(dict(base))
    for key, value in extra.items():
        kind = _merge_kind(model, key)
        old = out.get(key)
        if kind is None or not isinstance(value, Mapping) or not isinstance(old, Mapping):
            out[key] = copy.deepcopy(value)
        elif kind[0] == "section":
            out[key] = merge(old, value, kind[1])
        else:
            table = dict(old)
            for name, item in value.items():
                mergeable = isinstance(item, Mapping) and isinstance(table.get(name), Mapping)
                table[name] = merge(table[name], item, kind[1]) if mergeable else copy.deepcopy(item)
            out[key] = table
    return out


# ---------------------------------------------------------------------- reading
def _keyed_retailers(data: dict[str, Any], path: Path) -> bool:
    """Convert an old ``[[retailers]]`` array to keyed tables in place; True if it was one."""
    items = data.get("retailers")
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        return False
    names = [str(r.get("name", "brand")) for r in items]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}: retailers: names must be unique, got {names}")
    data["retailers"] = {n: {k: v for k, v in r.items() if k != "name"}
                         for n, r in zip(names, items)}
    example = names[0] if names else "brand"
    warnings.warn(
        f"{path}: [[retailers]] (an array of tables) is deprecated; write one "
        f"[retailers.NAME] table per retailer, e.g. [retailers.{example}] and "
        f"[retailers.{example}.community]. This file was read by name ({', '.join(names)}); "
        "under `extends` an array still replaces the base's retailers whole, keyed tables merge "
        "key by key.", ScenarioDeprecationWarning, stacklevel=4)
    return True


def _parent_file(path: Path, parent: str) -> Path:
    """The file an ``extends`` names: relative to ``path``, else a bundled scenario."""
    local = path.parent / parent
    return local if local.is_file() else resolve_scenario(parent)


def read_scenario_dict(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a TOML scenario into a plain dict in file form (keyed retailers), resolving
    ``extends``. ``path`` may be a bundled scenario name (:func:`resolve_scenario`)."""
    path = resolve_scenario(path)
    if not path.is_file():
        raise ScenarioError(not_found_message(path))
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, resolved))
        raise ScenarioError(f"{path}: extends forms a cycle: {chain}")
    data = read_toml(path, ScenarioError)  # size, encoding, nesting, absurd integers
    graph = data.get("graph")
    if isinstance(graph, dict) and isinstance(graph.get("path"), str):
        graph["path"] = str((path.parent / graph["path"]).resolve())
    inf = data.get("influencers")
    if isinstance(inf, dict) and isinstance(inf.get("roster"), str):
        inf["roster"] = str((path.parent / inf["roster"]).resolve())
    legacy = _keyed_retailers(data, path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: expected a file name, got {parent!r}")
    parent_path = _parent_file(path, parent)
    if not parent_path.is_file():
        raise ScenarioError(f"{path}: extends: {parent!r} is neither a file next to it nor a "
                            "bundled scenario")
    base = read_scenario_dict(parent_path, (*_seen, resolved))
    base.pop("name", None)
    base.pop("question", None)
    if legacy:  # the old array form replaces the base's retailers whole
        base.pop("retailers", None)
    return merge(base, data)


# ---------------------------------------------------------------------- overrides
def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):  # not TOML (a bare word), or an absurd integer
        return text


def parse_overrides(overrides: Mapping[str, Any] | Sequence[str]) -> dict[str, Any]:
    """``{"a.b": value}`` from a mapping or from ``"a.b=value"`` strings (values read as TOML,
    else taken as strings)."""
    if isinstance(overrides, Mapping):
        return dict(overrides)
    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set {item!r}: expected dotted.key=value")
        parsed[key.strip()] = _parse_value(value.strip())
    return parsed


def _index(part: str, length: int, dotted: str) -> int:
    if not part.isdigit() or int(part) >= length:
        raise ScenarioError(f"--set {dotted}: {part!r} is not an index 0..{length - 1}")
    return int(part)


def _retailer_key(table: dict[str, Any], part: str, dotted: str) -> str:
    """The key of the retailer ``part`` names: its name, else its position (``0``)."""
    if part in table:
        return part
    names = list(table)
    if part.isdigit() and int(part) < len(names):
        return names[int(part)]
    shown = ", ".join(names) or "none"
    raise ScenarioError(f"--set {dotted}: no retailer {part!r} (retailers: {shown}; or a "
                        f"position 0..{len(names) - 1})")


def _set(node: Any, part: str, value: Any, dotted: str, in_retailers: bool) -> None:
    if isinstance(node, list):
        node[_index(part, len(node), dotted)] = value
    else:
        node[_retailer_key(node, part, dotted) if in_retailers else part] = value


def _child(node: Any, part: str, dotted: str, in_retailers: bool) -> Any:
    if isinstance(node, list):
        return node[_index(part, len(node), dotted)]
    if in_retailers:
        return node[_retailer_key(node, part, dotted)]
    return node.setdefault(part, {})


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Set dotted keys in a scenario dict (file form) in place, creating tables as needed;
    retailers are reached by name or position and must exist."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            node = _child(node, part, dotted, in_retailers=parts[:i] == ["retailers"])
            if not isinstance(node, (dict, list)):
                raise ScenarioError(f"--set {dotted}: {'.'.join(parts[: i + 1])} is not a table")
        _set(node, parts[-1], value, dotted, in_retailers=parts[:-1] == ["retailers"])


# ---------------------------------------------------------------------- loading and writing
def load_scenario(
    path: str | Path, overrides: Mapping[str, Any] | Sequence[str] = ()
) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file or bundled name."""
    data = read_scenario_dict(path)
    parsed = parse_overrides(overrides) if overrides else {}
    if parsed:
        apply_overrides(data, parsed)
    return validate_scenario(data, source=str(path), overrides=parsed)


def load_with_notes(
    path: str | Path, overrides: Mapping[str, Any] | Sequence[str] = ()
) -> tuple[Scenario, list[str]]:
    """:func:`load_scenario`, returning its deprecation notes as text instead of warning (for
    the command line, which prints them as notes); other warnings pass through."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioDeprecationWarning)
        scenario = load_scenario(path, overrides)
    notes = []
    for w in caught:
        if issubclass(w.category, ScenarioDeprecationWarning):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return scenario, notes


def scenario_dict(scenario: Scenario, mode: str = "python") -> dict[str, Any]:
    """The scenario in file form: every value (defaults included), retailers as keyed tables,
    unset optional values left out. ``mode="json"`` gives only TOML/JSON types."""
    data = scenario.model_dump(mode=mode, exclude_none=True)
    data["retailers"] = {r.pop("name"): r for r in data["retailers"]}
    roster = data.pop("roster", None)
    if roster is not None:  # file form: keys of [influencers]
        data["influencers"].update({key: roster[field] for key, field in ROSTER_KEYS.items()})
    return data


def with_overrides(scenario: Scenario,
                   overrides: Mapping[str, Any] | Sequence[str]) -> Scenario:
    """A new validated scenario: ``scenario`` with dotted-key overrides applied."""
    data = scenario_dict(scenario)
    apply_overrides(data, parse_overrides(overrides))
    return validate_scenario(data, source="--set")


def to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as a TOML document (reads back to an equal scenario)."""
    import tomli_w

    return tomli_w.dumps(scenario_dict(scenario, mode="json"))


__all__ = ["KEYED_ARRAYS", "ScenarioDeprecationWarning", "apply_overrides", "load_scenario",
           "load_with_notes",
           "merge", "parse_overrides", "read_scenario_dict", "scenario_dict", "to_toml",
           "with_overrides"]
