"""Workbooks: the sheets read back equal to the command's CSV outputs, with number formats."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

SETS = ["--set", "run.consumers=800", "--set", "run.days=15"]


def _read(path, sheet):
    return pd.read_excel(path, sheet_name=sheet)


def test_compare_workbook_equals_the_csv(tmp_path, baseline_path):
    pytest.importorskip("openpyxl")
    out, book = tmp_path / "out", tmp_path / "compare.xlsx"
    res = CliRunner().invoke(app, ["compare", str(baseline_path.parent / "kol_pyramid.toml"),
                                   str(baseline_path.parent / "kol_koc_swarm.toml"), "--reps",
                                   "2", "--out", str(out), "--attribution-reps", "1",
                                   "--xlsx", str(book), *SETS])
    assert res.exit_code == 0, res.output
    sheets = pd.ExcelFile(book).sheet_names
    assert sheets[:5] == ["Verdict", "KPIs", "Attribution", "Time series", "Inputs"]
    csv = pd.read_csv(out / "comparison.csv")
    pd.testing.assert_frame_equal(_read(book, "KPIs"), csv, rtol=1e-12)
    assert _read(book, "Verdict")["verdict"].iloc[0].startswith(("kol_", "No ", "Keep"))
    assert set(_read(book, "Attribution")["scenario"]) == {"kol_pyramid", "kol_koc_swarm"}
    from openpyxl import load_workbook

    ws = load_workbook(book)["KPIs"]
    formats = {ws.cell(r, 2).value: ws.row_dimensions[r] for r in range(2, ws.max_row + 1)}
    assert formats  # each row is formatted by its KPI
    kinds = {}
    for r in range(2, ws.max_row + 1):
        kinds[ws.cell(r, 2).value] = ws.cell(r, 3).number_format
    assert kinds["gmv"] == "#,##0" and kinds["roi"] == "0.00"


def test_explore_writes_files_and_workbook(tmp_path, baseline_path):
    pytest.importorskip("openpyxl")
    out, book = tmp_path / "exp", tmp_path / "explore.xlsx"
    plans = [str(baseline_path.parent / f"{n}.toml") for n in ("kol_head_heavy", "kol_koc_swarm")]
    res = CliRunner().invoke(app, ["explore", *plans, "--uncertain",
                                   "behaviour.follower_trust=0.3:0.9", "--futures", "3",
                                   "--reps", "1", "--workers", "1", "--target", "0",
                                   "--out", str(out), "--xlsx", str(book), *SETS])
    assert res.exit_code == 0, res.output
    for name in ("outcomes.parquet", "robustness.csv", "discovery.csv", "report.html"):
        assert (out / name).is_file()
    assert "most robust plan" in (out / "report.html").read_text()
    # Excel stores numbers only: 1.0 reads back as an integer, so compare values, not dtypes
    pd.testing.assert_frame_equal(_read(book, "KPIs"), pd.read_csv(out / "robustness.csv"),
                                  rtol=1e-12, check_dtype=False)
    pd.testing.assert_frame_equal(_read(book, "Discovery"), pd.read_csv(out / "discovery.csv"),
                                  rtol=1e-12, check_dtype=False)
