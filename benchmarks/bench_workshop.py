"""Workshop page: Step click to new frame in a real browser, Play rate, and the server's share.

    python benchmarks/bench_workshop.py [--consumers 3000] [--shown 2000] [--days 40]
                                        [--clicks 30] [--no-browser] [--quick]

What a participant sees: ``socsim viz`` is started, the page opened in headless Chromium
(Debian's, via Playwright) at 1280×800, the "Viral cascade" preset pressed (so frames carry
many spread ties), and for each click on Step the time until the page shows the new day and
a new, fully loaded network frame (p90 target ≤ 400 ms with 2,000 consumers drawn). Then Play
runs for a few seconds and the days per second are counted.

Then, in this process, the server's share of a Step: ``WorkshopModel.step()`` (one day of the
baseline with the preset's levers), ``NetworkPainter.render()`` (2,000 consumers drawn from
positions computed once, JPEG) and ``ChartsPainter.render()`` (four live charts, JPEG). The
first frame, which also draws the static layers, is reported apart. Wall-clock and process
CPU time are both recorded, with the load average: on a shared machine wall-clock includes
waiting for a core, CPU time does not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np

from common import load, save, versions
from sim.viz.charts import ChartsPainter
from sim.viz.drawing import NetworkPainter
from sim.viz.workshop import PRESETS, Levers, WorkshopModel, WorkshopSettings


def stats(values: list[float]) -> dict[str, float]:
    ms = 1000 * np.asarray(values)
    return {"median_ms": float(np.median(ms)), "p90_ms": float(np.percentile(ms, 90)),
            "max_ms": float(ms.max())}


def serve(consumers: int) -> tuple[subprocess.Popen, str]:
    """Start ``socsim viz`` on a free loopback port; return the process and the page's URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    socsim = str(Path(sys.executable).parent / "socsim")
    proc = subprocess.Popen([socsim, "viz", "--port", str(port), "--consumers", str(consumers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    return proc, url


NEW_FRAME = """([day, src]) => {
    const d = document.querySelector('.ws-day');
    const i = document.querySelector('.ws-network img');
    return d && d.textContent.startsWith(day + ' /') && i && i.src !== src
        && i.complete && i.naturalWidth > 0; }"""


def tree_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by a process and its children (psutil)."""
    try:
        import psutil
    except ImportError:
        return None
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def day_shown(page) -> int:
    return int(page.locator(".ws-day").inner_text().split("/")[0])


def browser_latency(consumers: int, clicks: int, play_s: float) -> dict:
    """Seconds from each Step click to the new day and network frame being on screen, and
    the days per second while playing."""
    from playwright.sync_api import sync_playwright

    proc, url = serve(consumers)
    try:
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=args)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.locator(".ws-network img").first.wait_for()
            page.get_by_role("button", name="Viral cascade").click()
            page.wait_for_function("() => document.querySelector('.ws-event') !== null")
            out = []
            cpu0 = tree_cpu_s(proc.pid)
            for day in range(1, clicks + 1):
                src = page.locator(".ws-network img").first.get_attribute("src")
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(NEW_FRAME, arg=[day, src], polling="raf")
                out.append(time.perf_counter() - t0)
            cpu1 = tree_cpu_s(proc.pid)
            server_cpu = None if cpu0 is None else (cpu1 - cpu0) / clicks
            start_day, t0 = day_shown(page), time.perf_counter()
            page.get_by_role("button", name="▶").click()
            time.sleep(play_s)
            played = day_shown(page) - start_day
            elapsed = time.perf_counter() - t0
            pause = page.get_by_role("button", name="❚❚")
            if pause.is_enabled():  # disabled once Play has reached the run's last day
                pause.click()
            browser.close()
        return {"clicks": len(out), **stats(out), "server_cpu_ms_per_click": 1000 * server_cpu
                if server_cpu is not None else None, "play_days": played,
                "play_days_per_s": played / elapsed, "load_after": load()}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def report(result: dict, shown: int, build_s: float, first_frame_s: float) -> None:
    """Print the figures of one benchmark run."""
    load_before, load_after = result["load_before"], result["load_after"]
    browser = result["browser_step_click"]
    print(f"{result['consumers']:,} consumers, {shown:,} drawn, {result['days']} days "
          f"(load {load_before} → {load_after}); world built in {build_s:.2f} s, "
          f"first frame {first_frame_s * 1000:.0f} ms")
    for k, v in result["per_day"].items():
        print(f"  {k:10s} median {v['median_ms']:6.0f} ms   p90 {v['p90_ms']:6.0f} ms   "
              f"max {v['max_ms']:6.0f} ms")
    if browser:
        print(f"  Step click → new day and frame on screen (Chromium, {browser['clicks']} clicks): "
              f"median {browser['median_ms']:.0f} ms, p90 {browser['p90_ms']:.0f} ms, "
              f"max {browser['max_ms']:.0f} ms; server CPU "
              f"{browser['server_cpu_ms_per_click'] or float('nan'):.0f} ms per click; "
              f"Play {browser['play_days_per_s']:.1f} days/s "
              f"(load {browser['load_before']} → {browser['load_after']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=3000)
    ap.add_argument("--shown", type=int, default=2000)
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--clicks", type=int, default=30, help="Step clicks timed in the browser")
    ap.add_argument("--no-browser", action="store_true", help="only the in-process timings")
    ap.add_argument("--quick", action="store_true", help="10 days, 8 clicks, 3 s of Play")
    args = ap.parse_args()
    if args.quick:
        args.days, args.clicks = 10, 8
    browser = None
    if not args.no_browser:  # first, while nothing else of ours runs
        load_before_browser = load()
        browser = {**browser_latency(args.consumers, args.clicks, 3.0 if args.quick else 8.0),
                   "load_before": load_before_browser}

    settings = WorkshopSettings(consumers=args.consumers, max_shown=args.shown)
    base = settings.base_scenario()
    settings.levers = replace(Levers.from_scenario(base), **PRESETS["Viral cascade"])
    load_before = load()
    t0 = time.perf_counter()
    model = WorkshopModel(settings)
    net, charts = NetworkPainter(model), ChartsPainter(model)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.render(), charts.render()
    first_frame_s = time.perf_counter() - t0

    rows: dict[str, list[float]] = {k: [] for k in
                                    ("step", "network", "charts", "total", "total_cpu")}
    for day in range(args.days):
        if day == args.days // 2:
            model.algorithm_change()
        c0, w0 = time.process_time(), time.perf_counter()
        model.step()
        w1 = time.perf_counter()
        net.render()
        w2 = time.perf_counter()
        charts.render()
        w3, c3 = time.perf_counter(), time.process_time()
        rows["step"].append(w1 - w0)
        rows["network"].append(w2 - w1)
        rows["charts"].append(w3 - w2)
        rows["total"].append(w3 - w0)
        rows["total_cpu"].append(c3 - c0)
    load_after = load()

    result = {
        "consumers": args.consumers, "shown": len(model.view.shown), "days": args.days,
        "build_world_s": build_s, "first_frame_s": first_frame_s,
        "per_day": {k: stats(v) for k, v in rows.items()},
        "load_before": load_before, "load_after": load_after,
        "browser_step_click": browser,
        "versions": versions("mesa", "matplotlib", "solara", "numpy"),
    }
    path = save("workshop", result)
    report(result, len(model.view.shown), build_s, first_frame_s)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
