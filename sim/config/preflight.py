"""Pre-flight estimate of a job's memory and time, so a run that cannot finish is refused at once.

The estimate is deliberately coarse (upper-side) and cheap: it reads the scenario only. Its
terms, per run:

* consumers ``n`` and their ties (``n × mean_degree``): population arrays, CSR graph, trackers;
* creators (Mesa agents) per tier;
* exposures, on the busiest day (memory) and over the run (time): paid impressions bought
  with the ads line at the cheapest CPM (``budget × (1 − reserve) × ads share / CPM × 1000``,
  paced over the campaign days, the busiest day taken as twice the average), creator posts
  (at most 16 per creator a day, or what the tier's line pays) × followers × organic reach ×
  lifetime × (1 + amplification), plus word of mouth (half an exposure per consumer-day);
* time: a cost per consumer-day plus a cost per exposure.

Coefficients were measured on the bundled baseline (2,000–200,000 consumers, CPM 0.01–60) on a
2-core machine: ~300 MB for the interpreter with numba and Mesa loaded (up to ~1.2 GB
in a process that compiles every kernel first, as on a fresh install: the base below allows for it), ~1.6 kB per consumer
at mean degree 15, ~70 B per exposure of the busiest day, ~0.35 µs per consumer-day and
~0.15 µs per exposure; they are rounded up here. Limits: memory below
:data:`MEMORY_SHARE` of this machine's available memory, time below :data:`MAX_SECONDS`; both
can be changed with the environment variables ``SOCSIM_MAX_MEMORY_MB`` and
``SOCSIM_MAX_SECONDS`` (the fuzz tests use small ones).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

BASE_BYTES = 1000e6
"""Interpreter with numpy, pandas and Mesa loaded and the numba kernels compiled in this process.
Their first compilation, before the on-disk cache exists, costs the most: a 2,000-consumer run at
CPM 0.05 peaked at 1,177 MB in the project's CI on a fresh install (2026-12-05; 720 MB cold and
470 MB with the cache on this 2-core development machine). The base keeps the estimate above the
CI figure with ~200 MB to spare, since each new kernel adds to the first compilation."""
BYTES_PER_CONSUMER = 600.0
BYTES_PER_TIE = 100.0  # both directions of the CSR, trust, strong flag, trackers
BYTES_PER_CREATOR = 4000.0
BYTES_PER_DAILY_EXPOSURE = 80.0
SECONDS_PER_CONSUMER_DAY = 4e-7
SECONDS_PER_EXPOSURE = 2e-7
ORGANIC_PER_CONSUMER_DAY = 0.5  # measured: about 0.2 word-of-mouth exposures per consumer-day
PACING_PEAK = 2.0  # the ads line is paced over the campaign days; the busiest day up to twice
SECONDS_PER_RUN = 0.2  # building the world
MEMORY_SHARE = 0.8
MAX_SECONDS = 4 * 3600.0
"""Default time limit of one command (wall clock, all runs, with its workers)."""
POSTS_PER_CREATOR_DAY = 16  # the retailer's guard on commissions (sim.engine.agents.retailer)


@dataclass(frozen=True)
class Estimate:
    """Memory (bytes, one run) and time (seconds, one run) of a scenario; peak daily exposures."""

    memory: float
    seconds: float
    daily_exposures: float

    def describe(self) -> str:
        return (f"about {self.memory / 1e6:,.0f} MB and {self.seconds:,.1f} s "
                f"(up to {self.daily_exposures:,.0f} exposures on the busiest day)")


def _shares(allocation: dict[str, float], disabled: Sequence[str]) -> dict[str, float]:
    live = {k: v for k, v in allocation.items() if k not in disabled}
    total = sum(live.values())
    return {k: v / total for k, v in live.items()} if total > 0 else {}


def _exposures(scn: "Scenario", n: int) -> tuple[float, float]:
    """Upper-side exposures (busiest day, whole run)."""
    cheapest = min(p.ad_cpm for p in scn.platforms.values())
    organic = ORGANIC_PER_CONSUMER_DAY * n  # word of mouth and UGC
    daily, total = organic, organic * scn.run.days
    if scn.run.mode != "full":
        return daily, total
    scale = n / scn.run.reference_consumers
    retailers = scn.retailers.values() if isinstance(scn.retailers, dict) else scn.retailers
    for r in retailers:
        shares = _shares(r.allocation, r.disabled_channels)
        spendable = r.budget * (1.0 - r.reserve_share)
        days = max(1, min(scn.run.days, (r.end_day or scn.run.days)) - r.start_day + 1)
        ads = spendable * scale * shares.get("ads", 0.0) / cheapest * 1000.0
        daily += PACING_PEAK * ads / days
        total += ads
        for name, tier in scn.influencers.items():
            line = spendable * shares.get(name, 0.0) / days  # yuan a day (fees scale alike)
            platform = scn.platforms.get(tier.platform)
            if platform is None or line <= 0:
                continue
            posts = POSTS_PER_CREATOR_DAY * tier.count
            if tier.fee > 0:
                posts = min(posts, line / tier.fee + 1)
            per_day = (posts * tier.followers_share * n * platform.organic_reach
                       * platform.content_lifetime * (1.0 + platform.amplification_factor))
            daily += per_day
            total += per_day * days
    return daily, total


def estimate(scn: "Scenario") -> Estimate:
    """Memory and time of one run of ``scn`` (see the module docstring for the terms)."""
    n = scn.run.consumers
    ties = 0.0 if scn.graph.kind == "well_mixed" else n * scn.graph.mean_degree
    creators = sum(t.count for t in scn.influencers.values())
    daily, total = _exposures(scn, n)
    memory = (BASE_BYTES + BYTES_PER_CONSUMER * n + BYTES_PER_TIE * ties
              + BYTES_PER_CREATOR * creators + BYTES_PER_DAILY_EXPOSURE * daily)
    seconds = (SECONDS_PER_RUN + SECONDS_PER_CONSUMER_DAY * n * scn.run.days
               + SECONDS_PER_EXPOSURE * (total + ties))
    return Estimate(memory, seconds, daily)


def available_memory() -> float:
    """Bytes this machine can give (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8e9


def limits() -> tuple[float, float]:
    """(memory bytes, seconds) a job may use; environment overrides in MB and seconds."""
    memory = MEMORY_SHARE * available_memory()
    seconds = MAX_SECONDS
    for var, scale in (("SOCSIM_MAX_MEMORY_MB", 1e6), ("SOCSIM_MAX_SECONDS", 1.0)):
        raw = os.environ.get(var, "").strip()
        if raw:
            try:
                value = float(raw) * scale
            except ValueError:
                continue
            if value > 0:
                memory, seconds = (value, seconds) if var.endswith("MB") else (memory, value)
    return memory, seconds


def check_job(scenarios: Sequence["Scenario"], runs: int, workers: int = 1) -> tuple[str, list[str]]:
    """Check a job of ``runs`` runs over ``scenarios`` on ``workers`` processes.

    Returns ``(problem, notes)``: ``problem`` is '' when the estimate is within the limits,
    else one sentence with the numbers; ``notes`` are informative lines for big jobs.
    """
    ests = [estimate(s) for s in scenarios]
    per_run_memory = max(e.memory for e in ests)
    per_run_seconds = sum(e.seconds for e in ests) / len(ests)
    parallel = max(1, min(workers, runs, os.cpu_count() or 1))
    memory = per_run_memory * max(1, min(workers, runs))
    seconds = per_run_seconds * runs / parallel
    mem_limit, time_limit = limits()
    problems = []
    if memory > mem_limit:
        problems.append(f"needs about {memory / 1e6:,.0f} MB of memory ({max(1, min(workers, runs))} "
                        f"run(s) at once, {per_run_memory / 1e6:,.0f} MB each) but "
                        f"{mem_limit / 1e6:,.0f} MB are allowed")
    if seconds > time_limit:
        problems.append(f"would take about {seconds:,.0f} s ({runs:,} run(s) of "
                        f"{per_run_seconds:,.1f} s on {parallel} process(es)) but "
                        f"{time_limit:,.0f} s are allowed")
    problem = ("pre-flight estimate: this job " + " and ".join(problems)) if problems else ""
    notes = []
    if not problems and seconds > 600:
        notes.append(f"pre-flight estimate: about {seconds / 60:,.0f} min and "
                     f"{memory / 1e6:,.0f} MB")
    return problem, notes
