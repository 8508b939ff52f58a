"""Edge lists read strictly: comments, separators, weights, bad lines by number, sizes."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.config.scenario import load_scenario
from sim.world.graph import EdgeListError, fit_to_edgelist, read_edgelist

runner = CliRunner()


@pytest.fixture()
def karate(tmp_path):
    """Zachary's karate club (34 members, 78 ties) in mixed formats with both comment kinds."""
    g = nx.karate_club_graph()
    lines = ["% Zachary (1977) karate club", "# u v [weight]", ""]
    for i, (u, v) in enumerate(g.edges()):
        lines.append([f"{u} {v}", f"{u},{v}", f"{u}\t{v}\t1.5", f"{u}, {v}, 2"][i % 4])
    path = tmp_path / "karate.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_karate_club_reads_as_34_nodes_78_ties(karate):
    n, u, v = read_edgelist(karate)
    assert n == 34 and len(u) == 78
    g = nx.karate_club_graph()
    got = {tuple(sorted(e)) for e in zip(u.tolist(), v.tolist())}
    # labels are sorted as text: map back through the same order
    labels = np.unique(np.array([str(x) for e in g.edges() for x in e]))
    want = {tuple(sorted((int(np.searchsorted(labels, str(a))), int(np.searchsorted(labels, str(b))))))
            for a, b in g.edges()}
    assert got == want


@pytest.mark.parametrize("body, line", [
    ("1 2\n2 3\nfoo\n", 3),
    ("1 2\n# ok\n1 2 3 4\n", 3),
    ("1 2\n2 3 heavy\n", 2),
    ("1 2\n2 3 nan\n", 2),
    ("\n\n7\n", 3),
])
def test_a_bad_line_is_named_by_its_number(tmp_path, body, line):
    path = tmp_path / "e.txt"
    path.write_text(body)
    with pytest.raises(EdgeListError, match=f"line {line}:"):
        read_edgelist(path)


@pytest.mark.parametrize("raw, message", [
    (b"", "no edges"),
    (b"# only comments\n% here\n", "no edges"),
    (b"5 5\n", "single node"),
    (b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe", "not a text edge list"),
])
def test_empty_one_node_and_binary_lists_fail(tmp_path, raw, message):
    path = tmp_path / "e.txt"
    path.write_bytes(raw)
    with pytest.raises(EdgeListError, match=message):
        read_edgelist(path)


def _scenario(tmp_path, baseline_path, edges):
    path = tmp_path / "k.toml"
    path.write_text(f'extends = "{baseline_path.as_posix()}"\n[graph]\nkind = "edgelist"\n'
                    f'path = "{edges.name}"\n[run]\ndays = 5\n')
    return path


def test_consumers_and_creators_follow_the_graph(tmp_path, baseline_path, karate):
    scn, notes = fit_to_edgelist(load_scenario(_scenario(tmp_path, baseline_path, karate)))
    assert scn.run.consumers == 34
    assert all(t.count <= 34 for t in scn.influencers.values())
    assert any("34 nodes" in n for n in notes) and any("scaled" in n for n in notes)


def test_run_reports_the_graphs_real_size(tmp_path, baseline_path, karate):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(_scenario(tmp_path, baseline_path, karate)),
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "34 consumers" in res.output and "warning" in res.output
    assert json.loads((out / "summary.json").read_text())["consumers"] == 34
    assert json.loads((out / "summary.json").read_text())["kpis"]["reach"] <= 34


@pytest.mark.parametrize("body, message", [
    ("", "no edges"), ("1 2\nbad line here\n", "line 2"), ("3 3\n", "single node")])
def test_validate_and_run_exit_2_on_bad_lists(tmp_path, baseline_path, body, message):
    edges = tmp_path / "e.txt"
    edges.write_text(body)
    scenario = str(_scenario(tmp_path, baseline_path, edges))
    for cmd in ("validate", "run"):
        res = runner.invoke(app, [cmd, scenario])
        assert res.exit_code == 2 and message in res.output, res.output
        assert "Traceback" not in res.output
