"""Fuzzing the CLI with generated scenario files, edge lists and ``--set`` values (hypothesis).

Every input must end in exit 0 or exit 2 with a message: never a traceback, never a hang, never
over the time and memory limits. Files are mutations of a tiny baseline (300 consumers, 8 days):
values of every type at every key (booleans, quoted numbers, NaN/inf, 1e-300, huge integers,
markup and formula strings, deep nesting), deleted and unknown keys, raw byte edits (non-UTF-8,
truncation), and edge lists with random lines. Most go through ``validate``; a bounded subset of
the valid ones through ``run``, with the pre-flight limits lowered so a bomb is refused rather
than computed. The examples are derandomized (the same ones every CI run) and counted in
``COUNTS`` (printed with ``-s``).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweep_toys import toml_value
from typer.testing import CliRunner

from sim.cli import app
from sim.config.scenario import read_scenario_dict

ROOT = Path(__file__).resolve().parents[2]
BASE = read_scenario_dict(ROOT / "scenarios" / "baseline.toml")
BASE["run"].update({"consumers": 300, "days": 8, "replications": 1})
MAX_RUNS = 30
SECONDS_PER_VALIDATE = 5.0
SECONDS_PER_RUN = 20.0
MAX_RSS_BYTES = 4e9
COUNTS: Counter = Counter()
pytestmark = pytest.mark.slow  # hundreds of CLI invocations / a forkserver start
runner = CliRunner()
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _leaves(data: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        out = [prefix] if prefix else []
        for k, v in data.items():
            out += _leaves(v, (*prefix, k))
        return out
    if isinstance(data, list):
        out = [prefix]
        for i, v in enumerate(data):
            out += _leaves(v, (*prefix, i))
        return out
    return [prefix]


PATHS = _leaves(BASE)
NASTY = ["[/]", "[bold]x[/bold]", "[link=http://x]y[/link]", "=cmd|' /C calc'!A0", "+1", "@x",
         "3", "true", "1e400", r"Plan $\frac{1$", "ads", "orders", "gmv", "feed", "", " ",
         "edgelist", "well_mixed", "bass", "ünïcødé", "\x00", "a" * 300]
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-5, 200_000),
    st.integers(10**15, 10**60),
    st.sampled_from([-1, 0, 1, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-300, 1e300, 5e-324, -0.0, 0.5, 1e-5]),
    st.text(max_size=20),
    st.sampled_from(NASTY),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "x", "days", "ads"]),
                                                 inner, max_size=3)), max_leaves=8)
DEEP = st.integers(5, 60).map(lambda d: json.loads("[" * d + "1" + "]" * d))
EDGE_LINES = st.lists(st.one_of(
    st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda t: f"{t[0]},{t[1]},1.0"),
    st.sampled_from(["% comment", "# comment", "", "1", "1 2 3 4", "a b nan", "x y"]),
    st.text(max_size=12)), max_size=60)


FACTORS = [0, 0.5, 0.9, 1.1, 2, 3, 10, 100, 1000, -1]


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _plausible(value: Any, factor: float) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return int(value * factor)
    if isinstance(value, float):
        return value * factor
    return value


def _set(data: dict, path: tuple, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _delete(data: dict, path: tuple) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)


@st.composite
def scenario_files(draw) -> tuple[bytes, str | None]:
    """A mutated tiny baseline as bytes, and an edge list's text (or None)."""
    data = json.loads(json.dumps(BASE, default=str))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        op = draw(st.sampled_from(["plausible"] * 8 + ["set"] * 4 + ["deep", "delete", "delete",
                                                                 "unknown"]))
        try:
            if op == "plausible":  # the same type, another magnitude: often still valid
                _set(data, path, _plausible(_get(data, path), draw(st.sampled_from(FACTORS))))
            elif op == "set":
                _set(data, path, draw(VALUES))
            elif op == "deep":
                _set(data, path, draw(DEEP))
            elif op == "delete":
                _delete(data, path)
            else:
                _set(data, (*path[:-1], draw(st.sampled_from(["colour", "dayz", "ads"]))), 1)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation replaced the table this path went through
    edges = None
    if draw(st.integers(0, 9)) == 0:
        graph = data.setdefault("graph", {}) if isinstance(data.get("graph", {}), dict) else {}
        graph.update(kind="edgelist", path="edges.txt")
        edges = "\n".join(draw(EDGE_LINES))
    text = "\n".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in data.items()) + "\n"
    raw = text.encode("utf-8", "surrogatepass")
    edit = draw(st.integers(0, 9))
    if edit == 0:  # raw byte damage: an inserted run of bytes, or a truncated file
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
    elif edit == 1:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw, edges


def _invoke(args: list[str], limit: float) -> Any:
    start = time.perf_counter()
    res = runner.invoke(app, args)
    elapsed = time.perf_counter() - start
    tb = res.exception if not isinstance(res.exception, SystemExit) else None
    assert tb is None, f"{args}: {type(tb).__name__}: {tb}\n{res.output[-2000:]}"
    assert res.exit_code in (0, 2), f"{args}: exit {res.exit_code}\n{res.output[-2000:]}"
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        assert "error:" in res.output, res.output  # one message, not a bare exit
    assert elapsed < limit, f"{args}: {elapsed:.1f} s"
    COUNTS[f"{args[0]} exit {res.exit_code}"] += 1
    return res


@pytest.fixture(scope="module", autouse=True)
def small_limits():
    """Pre-flight limits small enough that a bomb is refused, not computed."""
    saved = {k: os.environ.get(k) for k in ("SOCSIM_MAX_SECONDS", "SOCSIM_MAX_MEMORY_MB")}
    os.environ.update(SOCSIM_MAX_SECONDS="2", SOCSIM_MAX_MEMORY_MB="1500")
    yield
    for k, v in saved.items():
        os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    print("\nfuzz counts:", dict(sorted(COUNTS.items())))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 < MAX_RSS_BYTES


@SETTINGS
@given(case=scenario_files(), also_run=st.integers(0, 7))
def test_generated_scenario_files(tmp_path_factory, case, also_run):
    raw, edges = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "s.toml"
    path.write_bytes(raw)
    if edges is not None:
        (folder / "edges.txt").write_text(edges, encoding="utf-8", errors="surrogateescape")
    COUNTS["files"] += 1
    res = _invoke(["validate", str(path)], SECONDS_PER_VALIDATE)  # no traceback, in time
    assert res.exit_code in (0, 2)
    if res.exit_code == 0 and also_run == 0 and COUNTS["run exit 0"] + COUNTS["run exit 2"] < MAX_RUNS:
        ran = _invoke(["run", str(path), "--reps", "1", "--out", str(folder / "out")],
                      SECONDS_PER_RUN)
        # a run either writes its whole result or nothing at all
        assert (ran.exit_code == 0) == (folder / "out" / "summary.json").exists()


SET_KEYS = st.one_of(st.sampled_from([".".join(map(str, p)) for p in PATHS if p]),
                     st.text(max_size=15))
SET_VALUES = st.one_of(VALUES.map(toml_value), st.text(max_size=25), st.sampled_from(
    ["9" * 5000, "[" * 3000, "true", '"3"', "nan", "-inf", "1e-300", '"[/]"', "{a = 1}"]))


@settings(SETTINGS, max_examples=250)
@given(sets=st.lists(st.tuples(SET_KEYS, SET_VALUES), min_size=1, max_size=3),
       raw=st.one_of(st.none(), st.text(max_size=30)))
def test_generated_set_values(tmp_path_factory, sets, raw):
    folder = tmp_path_factory.mktemp("fuzzset")
    path = folder / "s.toml"
    path.write_text("\n".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in BASE.items()))
    args = ["validate", str(path)]
    for key, value in sets:
        args += ["--set", f"{key}={value}"]
    if raw is not None:
        args += ["--set", raw]
    COUNTS["set lists"] += 1
    res = _invoke(args, SECONDS_PER_VALIDATE)  # no traceback, in time
    assert res.exit_code in (0, 2)
    if res.exit_code == 2:  # a refused --set is blamed on the --set, not on the file
        assert "--set" in res.output or "s.toml" in res.output, res.output
