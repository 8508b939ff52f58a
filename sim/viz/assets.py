"""Offline installer for the front-end assets Solara normally fetches from a CDN.

Solara serves its JavaScript/CSS through a local proxy (``/_solara/cdn/...``) that fetches
from ``cdn.jsdelivr.net`` on first use and caches the result under
``solara.server.settings.assets.proxy_cache_dir``. Machines without CDN access therefore get
a blank page. This module fills that cache from the npm registry instead: for every package
reference the page asks for, ``npm pack REF`` and untar it (``--strip-components=1``) into
``CACHE/REF``, the folder named exactly as the reference (``requirejs@2.3.6``, ``vega@5``).

Run it with ``python -m sim.viz.assets`` (needs ``npm`` on PATH and the npm registry).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Package references requested by a Mesa 3.5.1 SolaraViz page (matplotlib and altair plots,
# sidebar controls, grid layout) served by Solara 1.64.1 with ipyvue/ipyvuetify 1.x.
# Obtained, not guessed: serve a SolaraViz page with Mesa's matplotlib and altair plots (a
# demo app, since replaced by the workshop page sim/viz/app.py, which asks for a subset) with
# an empty proxy cache and no CDN access, load it in headless Chromium, collect the server's
# "Could not load URL:
# 'https://cdn.jsdelivr.net/npm/<REF>/...'" lines, install them, repeat until none are left.
PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",  # round 1: page template (css, fonts, app bundle)
    "requirejs@2.3.6",  # round 1: page template
    "font-awesome@4.5.0",  # round 1: settings.assets.fontawesome_path
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # round 2: SolaraViz's draggable grid
    "vega@5",  # round 3: solara.FigureAltair (Mesa's altair plots and spaces)
    "vega-lite@5",  # round 3: idem
    "vega-embed@6",  # round 3: idem
)

# A CDN reference as written in Solara's templates and Vue sources, e.g.
# "{{cdn}}/requirejs@2.3.6/require.js" or "${this.getCdn()}/vega@5/build/vega.min.js".
_SOURCE_REF = re.compile(r"[cC]dn[^/\"' ]{0,6}/((?:@[a-z0-9-]+/)?[a-z0-9.-]+@[0-9][A-Za-z0-9.+-]*)/")


def _name(ref: str) -> str:
    """Return the package name of a reference: ``@scope/pkg@1.2`` -> ``@scope/pkg``."""
    return ref.rsplit("@", 1)[0]


def cache_dir() -> Path:
    """Return Solara's asset proxy cache directory (it need not exist yet)."""
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def references_in_solara_source() -> set[str]:
    """Return the CDN package references found in the installed Solara's source files.

    This covers the template, the Vue widgets and the Font Awesome setting, so a Solara
    upgrade that bumps a version shows up here even before anyone re-runs the discovery.
    """
    import solara
    import solara.server.settings as settings

    root = Path(solara.__file__).parent
    refs: set[str] = set()
    for pattern in ("*.py", "*.vue", "*.j2", "*.html"):
        for path in root.rglob(pattern):
            if "website" in path.parts:
                continue
            refs.update(_SOURCE_REF.findall(path.read_text(encoding="utf-8", errors="replace")))
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/", 1)[0]
    if "@" in fontawesome:
        refs.add(fontawesome)
    return refs


def needed_packages(verbose: bool = True) -> list[str]:
    """Return ``PACKAGES`` plus any newer version of them that Solara's source references.

    A reference in Solara's source whose package is in ``PACKAGES`` but with another version
    means Solara was upgraded: it is added (and a warning printed) so the page still works.
    """
    wanted = list(PACKAGES)
    names = {_name(ref) for ref in PACKAGES}
    in_source = references_in_solara_source()
    unused = sorted(ref for ref in in_source if _name(ref) not in names)
    if verbose and unused:
        print(f"not installed (Solara references them, the measured page did not ask): {unused}")
    for ref in sorted(in_source):
        if _name(ref) in names and ref not in wanted:
            wanted.append(ref)
            if verbose:
                print(
                    f"warning: Solara's source references {ref}, which is not in "
                    "sim.viz.assets.PACKAGES; installing it too. Re-run the discovery and "
                    "update PACKAGES.",
                    file=sys.stderr,
                )
    return wanted


def _install(ref: str, target: Path, verbose: bool) -> None:
    """``npm pack`` one reference and unpack it into ``target`` (atomically, via a rename)."""
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = subprocess.run(
            ["npm", "pack", ref, "--json", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        ).stdout
        info = json.loads(out)[0]
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        with tarfile.open(Path(tmp) / info["filename"]) as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts[1:]  # strip-components=1
                if not parts:
                    continue
                member.name = str(Path(*parts))
                tar.extract(member, unpacked, filter="data")
        unpacked.rename(target)
        if verbose:
            print(f"installed {ref} ({info['version']}, {info['size'] / 1e6:.1f} MB packed)")


def ensure_assets(verbose: bool = True) -> Path:
    """Make sure every needed package is unpacked in Solara's proxy cache; return the cache.

    Packages whose folder already exists are skipped, so a second call only scans Solara's
    source (well under a second). Raises ``FileNotFoundError`` if ``npm`` is missing and
    ``subprocess.CalledProcessError`` if ``npm pack`` fails.
    """
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    missing = [ref for ref in needed_packages(verbose) if not (cache / ref).is_dir()]
    if missing and shutil.which("npm") is None:
        raise FileNotFoundError(f"npm is needed to install {missing} into {cache}")
    for ref in missing:
        target = cache / ref
        target.parent.mkdir(parents=True, exist_ok=True)  # the @scope folder
        _install(ref, target, verbose)
    if verbose and not missing:
        print(f"all {len(PACKAGES)} Solara asset packages already in {cache}")
    return cache


if __name__ == "__main__":
    ensure_assets()
