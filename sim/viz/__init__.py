"""The workshop page (Mesa SolaraViz) and its offline front-end assets."""
