"""``socsim creators pick``: choose roster creators within a budget by simulated marginal gains.

    socsim creators pick scenarios/rosters/sample_roster.csv --scenario baseline \\
        --budget 20000 --objective orders --method celf --out shortlist.csv

The roster replaces the scenario's creators of the tiers it names; each candidate set is run
with those creators booked for one post each (sim.analysis.creator_value) under the same seeds,
and budgeted lazy greedy (CELF, sim.analysis.creator_pick) adds creators by marginal gain.
The shortlist CSV has one row per chosen creator, in the order they were added, with fee,
marginal gain and its 95 % t-interval over the seeds. ``--check`` (default) then compares the
pick with the biggest-followers-first pick and random picks of the same cost on fresh seeds.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from sim.cli import SetOption, fail, load_or_fail, say

creators = typer.Typer(help="Creator rosters: choose whom to book within a budget.",
                       no_args_is_help=True)

COLUMNS = ("rank", "creator_id", "tier", "platform", "followers", "fee", "marginal_gain",
           "gain_low", "gain_high")


def _write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing (a temporary file renamed into place)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shortlist_csv(result, roster) -> str:
    """The shortlist as CSV text (fees in the roster's yuan)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for rank, p in enumerate(result.picks, start=1):
        c = roster.creators[p.index]
        w.writerow([rank, c.creator_id, c.tier, c.platform, c.followers, f"{c.fee:g}",
                    f"{p.gain:.6g}", f"{p.low:.6g}", f"{p.high:.6g}"])
    return out.getvalue()


def _check(value, result, roster, budget: float, fresh: list[int]) -> list[str]:
    """The pick against biggest-first and random picks of its cost, on fresh seeds."""
    import numpy as np

    from sim.analysis.creator_pick import biggest_first, random_pick_of_cost, t_interval

    value.seeds = fresh
    fees = roster.fees()
    ours = value(result.chosen)
    big = value(biggest_first([c.followers for c in roster.creators], fees, budget))
    rng = np.random.default_rng(fresh[0])
    randoms = np.mean([value(random_pick_of_cost(fees, result.spent, rng)) for _ in range(5)],
                      axis=0)
    lines = []
    for name, other in (("biggest followers first", big), ("random picks of the same cost "
                                                            "(mean of 5)", randoms)):
        m, lo, hi = t_interval(ours - other)
        lines.append(f"pick − {name}: {m:+.4g} (95 % CI {lo:+.4g} to {hi:+.4g}, paired over "
                     f"{len(fresh)} fresh seeds)")
    return lines


@creators.command()
def pick(
    roster: Annotated[Path, typer.Argument(help="roster CSV (docs/formats.md)")],
    scenario: Annotated[Path, typer.Option("--scenario", help="scenario file or bundled name")],
    budget: Annotated[float, typer.Option("--budget", help="yuan for creator fees")],
    out: Annotated[Path, typer.Option("--out", help="shortlist CSV to write")],
    objective: Annotated[str, typer.Option(help="orders | reach | profit")] = "orders",
    method: Annotated[str, typer.Option(help="celf (lazy greedy) | greedy")] = "celf",
    reps: Annotated[int, typer.Option(help="seeds per evaluated set (common to all sets)")] = 4,
    check: Annotated[bool, typer.Option(help="compare with biggest-first and random picks "
                                        "on fresh seeds")] = True,
    set_: SetOption = None,
) -> None:
    """Choose creators of ROSTER within --budget that maximise --objective (CELF)."""
    from sim.analysis.creator_pick import pick_creators
    from sim.analysis.creator_value import OBJECTIVES, CreatorValue, with_roster
    from sim.config.scenario import ScenarioError

    if objective not in OBJECTIVES:
        fail(f"--objective: {objective!r}; allowed: {', '.join(OBJECTIVES)}")
    if method not in ("celf", "greedy"):
        fail(f"--method: {method!r}; allowed: celf, greedy")
    if not budget >= 0:
        fail(f"--budget: {budget!r} must be a number ≥ 0 (yuan)")
    if not 2 <= reps <= 1000:
        fail(f"--reps: {reps!r} must be 2..1000")
    if out.suffix.lower() != ".csv" or not out.parent.is_dir():
        fail(f"--out: {str(out)!r} must be a .csv file in an existing folder")
    scn = load_or_fail(scenario, set_)
    try:
        scn, ros = with_roster(scn, roster)
        value = CreatorValue(scn, ros, objective, [scn.run.seed + i for i in range(reps)])
    except ScenarioError as exc:
        fail(str(exc))
    start = time.perf_counter()
    result = pick_creators(value, ros.fees(), budget, method)
    wall = time.perf_counter() - start
    _write_atomically(out, shortlist_csv(result, ros))
    say(f"picked {len(result.picks)} of {len(ros.creators)} creators for "
        f"{result.spent:,.0f} of {budget:,.0f} yuan ({result.pass_name}); "
        f"{result.evaluations} sets, {value.runs} runs, {wall:.1f} s")
    for p in result.picks:
        c = ros.creators[p.index]
        say(f"  {c.creator_id} ({c.tier}, {c.followers:,} followers, fee {c.fee:,.0f}): "
            f"+{p.gain:.4g} {objective} [{p.low:.4g}, {p.high:.4g}]")
    if check and result.picks:
        fresh = [scn.run.seed + 10_000 + i for i in range(reps)]
        for line in _check(value, result, ros, budget, fresh):
            say(line)
    say(f"shortlist written to {out}")
