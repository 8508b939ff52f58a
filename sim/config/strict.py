"""Strict reading of scenario input: no guessed types, no reserved names, no absurd files.

* :func:`read_toml` - a scenario file must be UTF-8 TOML of at most :data:`MAX_FILE_BYTES`;
  undecodable bytes, nesting too deep for the parser and integers too long to convert are
  reported as errors naming the file, never as tracebacks.
* :func:`check_no_coercion` - a number field takes a number: ``true`` or ``"3"`` is refused
  (pydantic would read them as 1 and 3), and a real-valued field at most :data:`MAX_MAGNITUDE`
  in size (``budget = 1e308`` would overflow the impressions it buys).
* :func:`check_nesting` - at most :data:`MAX_DEPTH` levels of tables/arrays.
* :func:`check_names` - creator tiers, platforms, retailers and segments become parts of KPI
  and column names (``spend_<tier>``, ``orders_<platform>``, ``<retailer>_gmv``): they must be
  identifiers that are not KPI or channel words, and a name may not be used twice across
  kinds, so every KPI name has one meaning.
"""

from __future__ import annotations

import math
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config.channels import FIXED_CHANNELS, FORMAT_CHANNELS
from sim.config.kpis import CORE_KPIS, FAMILIES, FORMAT_KPIS, STAGES

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

MAX_FILE_BYTES = 4_000_000
MAX_MAGNITUDE = 1e12
"""Largest absolute value of a real-valued (float) field: beyond any budget or coefficient."""
MAX_DEPTH = 12
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")

CHANNEL_WORDS = frozenset(c.name for c in (*FIXED_CHANNELS, *FORMAT_CHANNELS))
"""Built-in budget and organic channels (a creator tier may not take one of these names)."""
KPI_WORDS = frozenset(
    {w for k in CORE_KPIS for w in k.split("_")}
    | {w for group in FORMAT_KPIS.values() for k in group for w in k.name.split("_")}
    | {w for f in FAMILIES for w in f.pattern.replace("{x}", "").split("_") if w}
    | set(STAGES) | {"replication", "step", "run_id", "point", "seed"}
)
"""Words KPI and result-column names are built from (from the KPI registry)."""


def read_toml(path: Path, error: type[Exception]) -> dict[str, Any]:
    """Parse a TOML file, raising ``error`` with a one-line reason naming ``path``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise error(f"{path}: file of {size:,} bytes; a scenario is at most "
                        f"{MAX_FILE_BYTES:,} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (undecodable byte at offset {exc.start}); "
                    "save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise error(f"{path}: arrays or tables nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        raise error(f"{path}: not valid TOML: {exc}") from None


def check_nesting(data: Any, source: str, depth: int = 0) -> None:
    """Raise ValueError if ``data`` nests deeper than :data:`MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        raise ValueError(f"values nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, dict):
        for v in data.values():
            check_nesting(v, source, depth + 1)
    elif isinstance(data, list):
        for v in data:
            check_nesting(v, source, depth + 1)


def _bare(annotation: Any) -> Any:
    """``X`` for ``Annotated[X, ...]``, else the annotation itself."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _numeric(annotation: Any) -> bool:
    """True if a field of this type is a number (int or float, optionally None)."""
    annotation = _bare(annotation)
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(_bare(a) in (int, float) for a in args)
    return False


def check_no_coercion(value: Any, annotation: Any) -> Any:
    """Return ``value`` unchanged, or raise ValueError if it is a boolean or a string given
    for a number (also inside ``list[number]`` and ``dict[str, number]`` fields)."""
    annotation = _bare(annotation)
    origin = typing.get_origin(annotation)
    if _numeric(annotation):
        items = [value]
    elif origin is list and _numeric(typing.get_args(annotation)[0]) and isinstance(value, list):
        items = value
    elif origin is dict and _numeric(typing.get_args(annotation)[1]) and isinstance(value, dict):
        items = list(value.values())
    else:
        return value
    whole = _whole(annotation)
    for item in items:
        if isinstance(item, (bool, str)):
            kind = "integer" if whole else "number"
            raise ValueError(f"Input should be a valid {kind}; booleans and quoted numbers are "
                             "not taken as numbers")
        if not whole and isinstance(item, (int, float)) and not _within(item):
            raise ValueError(f"Input should be at most {MAX_MAGNITUDE:g} in size (no scenario "
                             "quantity is larger; money is yuan)")
    return value


def _within(number: int | float) -> bool:
    """True if ``number`` is small enough (NaN and ±inf pass here: pydantic refuses them as
    not finite)."""
    try:
        v = float(number)
    except OverflowError:
        return False
    return abs(v) <= MAX_MAGNITUDE or not math.isfinite(v)


def _whole(annotation: Any) -> bool:
    annotation = _bare(annotation)
    return annotation is int or any(_bare(a) is int for a in typing.get_args(annotation))


def check_names(scn: "Scenario") -> None:
    """Raise ValueError naming the first tier, platform, retailer or segment name that is not
    an identifier, is a reserved KPI/channel word, or is used by two kinds of things."""
    retailers = scn.retailers.values() if isinstance(scn.retailers, dict) else scn.retailers
    kinds = {
        "influencers": list(scn.influencers),
        "platforms": list(scn.platforms),
        "retailers": [r.name for r in retailers],
        "population.segments": list(scn.population.segments),
    }
    owner: dict[str, str] = {}
    for kind, names in kinds.items():
        for name in names:
            if not NAME_RE.match(name):
                raise ValueError(f"{kind}: name {name!r} must start with a letter and hold "
                                 "only letters, digits and _ (at most 40 characters)")
            if kind != "population.segments":
                reserved = CHANNEL_WORDS | KPI_WORDS
                if all(part in reserved for part in name.lower().split("_")):
                    raise ValueError(f"{kind}: name {name!r} is a reserved KPI or channel word "
                                     f"(it would make KPI names such as spend_{name} or "
                                     f"{name}_gmv ambiguous); choose another name")
            if kind != "population.segments" and name in owner and owner[name] != kind:
                raise ValueError(f"{kind}: name {name!r} is also used in {owner[name]}; give "
                                 "each creator tier, platform and retailer its own name")
            owner.setdefault(name, kind)
