"""``python -m sim.cli``: the socsim command line."""

from sim.cli.app import main

main()
