"""Sweep files: the pydantic schema and loading with clear errors (the design: sim.sweeps.design).

A sweep file names a ``base`` scenario, the swept ``[[parameters]]`` (dotted scenario keys with
``low``/``high`` or ``values``), a ``design`` and its size. See
``scenarios/sweeps/example_sweep.toml`` for every key. Execution lives in :mod:`sim.sweeps.driver`.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)


try:  # the engine's error type, so callers catch one exception for bad input files
    from sim.config.scenario import ScenarioError as _ErrorBase
except ImportError:  # engine not there
    _ErrorBase = ValueError

__all__ = [
    "Parameter",
    "Sweep",
    "SweepError",
    "load_sweep",
    "planned_runs",
    "validate_sweep",
]

#: errors the scenario may raise for a bad override
OVERRIDE_ERRORS = (_ErrorBase, ValueError, KeyError, TypeError)
Design_ = Literal["grid", "latin_hypercube", "sobol", "morris"]
MAX_LEVELS = 1_000_000
MAX_SAMPLES = 2**24
MAX_RUNS = 10**8
"""Hard ceilings, whatever ``--allow-large`` says: a design is generated in memory."""


class SweepError(*((_ErrorBase,) if issubclass(_ErrorBase, ValueError) else (_ErrorBase, ValueError))):  # type: ignore[misc]
    """A bad sweep file or an output directory that cannot be used."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- spec


class Parameter(BaseModel):
    """One swept scenario parameter: a range (``low``/``high``) or a list of ``values``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$|^[A-Za-z_][A-Za-z0-9_]*$")
    low: float | None = None
    high: float | None = None
    values: list[StrictBool | StrictInt | StrictFloat | str] | None = Field(None, min_length=1)
    levels: int | None = Field(None, ge=2, le=MAX_LEVELS,
                               description="grid only: evenly spaced points in [low, high]")
    integer: bool = False
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        has_range = self.low is not None or self.high is not None
        if self.values is not None:
            if has_range:
                raise ValueError(f"{self.name}: give either values or low/high, not both")
            if self.levels is not None or self.integer or self.scale != "linear":
                raise ValueError(f"{self.name}: levels/integer/scale apply to low/high ranges, not to values")
            kinds = {_value_kind(v) for v in self.values}
            if len(kinds) > 1:
                raise ValueError(
                    f"{self.name}: values must all be numbers, all booleans or all strings (got {self.values})"
                )
            if len(set(map(repr, self.values))) != len(self.values):
                raise ValueError(f"{self.name}: values contain duplicates (got {self.values})")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.name}: needs both low and high, or a list of values")
        if not self.low < self.high:
            raise ValueError(f"{self.name}: low must be < high (got low={self.low}, high={self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"{self.name}: scale = 'log' needs low > 0 (got low={self.low})")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"{self.name}: integer = true needs whole low/high (got {self.low}, {self.high})")
        return self

    @property
    def arrow_type(self) -> str:
        """Column type of this parameter in the results."""
        if self.values is None:
            return "int64" if self.integer else "float64"
        return {"str": "string", "bool": "bool", "int": "int64", "float": "float64"}[_values_kind(self.values)]

    def sampling_bounds(self) -> list[float]:
        """Bounds of the (continuous) space SALib samples for this parameter."""
        if self.values is not None:
            return [0.0, float(len(self.values))]
        lo, hi = float(self.low), float(self.high) + (1.0 if self.integer else 0.0)  # type: ignore[arg-type]
        return [math.log(lo), math.log(hi)] if self.scale == "log" else [lo, hi]

    def from_sample(self, x: float) -> Any:
        """Map a sampled coordinate to the parameter value given to the scenario."""
        if self.values is not None:
            return self.values[min(int(math.floor(x)), len(self.values) - 1)]
        v = math.exp(x) if self.scale == "log" else float(x)
        if self.integer:
            return int(min(math.floor(v), self.high))  # type: ignore[arg-type]
        return float(min(max(v, self.low), self.high))  # type: ignore[type-var]

    def grid_values(self) -> list[Any]:
        """The grid levels of this parameter (``values``, or ``levels`` points in [low, high])."""
        if self.values is not None:
            return list(self.values)
        space = np.geomspace if self.scale == "log" else np.linspace
        pts = space(self.low, self.high, self.levels)
        if self.integer:
            return list(dict.fromkeys(int(round(p)) for p in pts))
        return [float(f"{p:.12g}") for p in pts]  # 0.225, not 0.22500000000000003

    def representative_values(self) -> list[Any]:
        """Values used to check the parameter against the scenario schema."""
        if self.values is not None:
            return list(self.values)
        if self.integer:
            return [int(self.low), int(self.high)]  # type: ignore[arg-type]
        return [float(self.low), float(self.high)]  # type: ignore[arg-type]


def _value_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return "str"


def _values_kind(values: list[Any]) -> str:
    kind = _value_kind(values[0])
    if kind == "number":
        return "int" if all(isinstance(v, int) for v in values) else "float"
    return kind


class Sweep(BaseModel):
    """A sweep file, validated. Build with :func:`load_sweep` (resolves ``base``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    base: str = Field(description="base scenario TOML, relative to the sweep file")
    design: Design_
    parameters: list[Parameter] = Field(min_length=1)
    samples: int | None = Field(None, ge=1, le=MAX_SAMPLES,
                                description="N for latin_hypercube/sobol/morris")
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    kpis: list[str] | None = Field(None, min_length=1)
    timeseries: bool = False
    set: dict[str, Any] = Field(
        default_factory=dict, description="fixed overrides applied to the base scenario (dotted or nested keys)"
    )
    second_order: bool = False
    morris_levels: int = Field(4, ge=2, le=1000)
    name: str | None = None
    description: str | None = None

    _source: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> Sweep:
        names = [p.name for p in self.parameters]
        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        if dup:
            raise ValueError(f"parameters: duplicate name(s) {dup}")
        if self.kpis is not None and len(set(self.kpis)) != len(self.kpis):
            raise ValueError(f"kpis: duplicate names (got {self.kpis})")
        clash = sorted(set(_flatten(self.set)) & set(names))
        if clash:
            raise ValueError(f"set: {clash} are also swept parameters; keep each key in one place")
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError(
                    f"samples: not used by design 'grid' (got {self.samples}); the grid size is the "
                    "product of each parameter's values/levels"
                )
            for p in self.parameters:
                if p.values is None and p.levels is None:
                    raise ValueError(f"{p.name}: design 'grid' needs values = [...] or levels = K (>= 2)")
        else:
            if self.samples is None:
                raise ValueError(f"samples: design '{self.design}' needs samples = N (>= 1)")
            bad = [p.name for p in self.parameters if p.levels is not None]
            if bad:
                raise ValueError(f"levels: only used by design 'grid' (set on {bad}, design is '{self.design}')")
        if self.design == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            lo = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"samples: design 'sobol' needs a power of 2 (got {self.samples}; try {lo} or {lo * 2})"
            )
        if planned_runs(self) > MAX_RUNS:
            raise ValueError(f"the design has {planned_runs(self):,} runs; at most {MAX_RUNS:,} "
                             "are allowed (fewer values, levels, samples or replications)")
        if self.second_order and self.design != "sobol":
            raise ValueError(f"second_order: only for design 'sobol' (design is '{self.design}')")
        if "morris_levels" in self.model_fields_set and self.design != "morris":
            raise ValueError(f"morris_levels: only for design 'morris' (design is '{self.design}')")
        return self

    @property
    def source(self) -> Path | None:
        """The sweep file this came from (None if built in Python)."""
        return self._source

    @property
    def base_path(self) -> Path:
        """``base`` resolved relative to the sweep file (or the working directory)."""
        root = self._source.parent if self._source is not None else Path.cwd()
        return (root / self.base).resolve()

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def fixed_overrides(self) -> dict[str, Any]:
        """``set`` flattened to dotted keys (``run.consumers = 500`` in TOML is a nested table)."""
        return _flatten(self.set)


def planned_runs(sweep: Sweep) -> int:
    """Runs the sweep will have (design points × replications), computed without sampling."""
    d = len(sweep.parameters)
    if sweep.design == "grid":
        points = math.prod(len(p.values) if p.values is not None else (p.levels or 1)
                           for p in sweep.parameters)
    else:
        n = sweep.samples or 0
        points = {"latin_hypercube": n, "morris": n * (d + 1),
                  "sobol": n * (2 * d + 2 if sweep.second_order else d + 2)}[sweep.design]
    return points * sweep.replications


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


_FIELDS = {(): Sweep, ("parameters",): Parameter}


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _format_errors(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            model = _FIELDS.get(tuple(p for p in loc[:-1] if not isinstance(p, int)), Sweep)
            msg = f"unknown key {loc[-1]!r}; allowed: {', '.join(model.model_fields)}"
        elif e["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}"
        elif not isinstance(e.get("input"), dict):
            msg += f" (got {e['input']!r})"
        lines.append(f"{source}: {_loc_text(loc)}: {msg}" if loc else f"{source}: {msg}")
    return "\n".join(lines)


def load_sweep(path: str | Path | dict[str, Any], *, source: str | Path | None = None) -> Sweep:
    """Read and validate a sweep file (or a dict). Raises :class:`SweepError` naming the field."""
    if isinstance(path, dict):
        data, src = path, Path(source) if source else None
    else:
        src = Path(path)
        try:
            data = tomllib.loads(src.read_text(encoding="utf-8"))
        except (FileNotFoundError, IsADirectoryError):
            raise SweepError(f"{src}: sweep file not found") from None
        except UnicodeDecodeError as exc:
            raise SweepError(f"{src}: not UTF-8 text (byte {exc.start})") from None
        except RecursionError:
            raise SweepError(f"{src}: nested too deeply") from None
        except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
            raise SweepError(f"{src}: invalid TOML: {exc}") from None
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as exc:
        raise SweepError(_format_errors(exc, str(src or "sweep"))) from None
    sweep._source = src.resolve() if src is not None else None
    return sweep


def validate_sweep(sweep: Sweep, scenario: Any) -> None:
    """Check every parameter against the scenario schema (``scenario.with_overrides``).

    Tries the range ends (or every listed value) one parameter at a time, so an unknown key or
    an out-of-range value fails here, naming the parameter, before any run.
    """
    src = str(sweep.source or "sweep")
    for i, p in enumerate(sweep.parameters):
        for v in p.representative_values():
            try:
                scenario.with_overrides({p.name: v})
            except OVERRIDE_ERRORS as exc:
                raise SweepError(
                    f"{src}: parameters[{i}].name: {p.name} = {v!r} rejected by the scenario: {exc}"
                ) from None
