"""Packages of the socsim wheel (everything else is in pyproject.toml).

The ``sim`` packages, plus the repository's top-level ``scenarios/`` folder shipped as package
data ``sim.scenarios`` (mapped in pyproject.toml's ``package-dir``), so that an installed socsim
runs the bundled scenarios by name from any folder (``socsim run baseline``; see
``sim/config/bundled.py``). The folder itself stays where users and the docs look for it.
"""

from setuptools import find_packages, setup

BUNDLED = ["sim.scenarios", "sim.scenarios.reference", "sim.scenarios.rosters",
           "sim.scenarios.sweeps"]

setup(packages=[*find_packages(include=["sim", "sim.*"]), *BUNDLED])
