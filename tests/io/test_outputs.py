"""Output folders as transactions: new/empty/forced-socsim only, atomic rename, late failures."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.io.outputs import MARKER, OutputError, OutputFolder, write_file_atomic


def _publish(out, files: dict[str, str], force: bool = False) -> OutputFolder:
    tx = OutputFolder(out, force=force, command="test")
    tx.begin()
    for name, text in files.items():
        tx.write(name, lambda p, t=text: p.write_text(t))
    tx.commit()
    return tx


def test_new_folder_is_written_whole_with_marker(tmp_path):
    out = tmp_path / "a" / "b"
    _publish(out, {"x.txt": "1", "y.txt": "2"})
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "x.txt", "y.txt"]
    assert [p.name for p in tmp_path.joinpath("a").iterdir()] == ["b"]  # no temporary left


def test_nothing_is_visible_before_commit(tmp_path):
    out = tmp_path / "out"
    tx = OutputFolder(out)
    tx.begin()
    tx.write("x.txt", lambda p: p.write_text("1"))
    assert not out.exists()
    tx.commit()
    assert (out / "x.txt").read_text() == "1"


def test_previous_output_refused_then_replaced_whole_with_force(tmp_path):
    out = tmp_path / "out"
    _publish(out, {"summary.json": "old", "attribution.csv": "old"})
    with pytest.raises(OutputError, match="--force"):
        OutputFolder(out).begin()
    _publish(out, {"summary.json": "new"}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "summary.json"]  # no stale file
    assert (out / "summary.json").read_text() == "new"


def test_foreign_folder_is_never_replaced_even_with_force(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(OutputError, match="not a socsim output"):
        OutputFolder(out, force=True).begin()
    assert (out / "thesis.tex").read_text() == "precious"


def test_empty_folder_is_accepted(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    _publish(out, {"x.txt": "1"})
    assert (out / "x.txt").exists()


def test_unwritable_destination_fails_at_begin(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("I am a file")
    with pytest.raises(OutputError, match="cannot write"):
        OutputFolder(blocker / "out").begin()
    with pytest.raises(OutputError, match="is a file"):
        OutputFolder(blocker).begin()


def test_late_failure_keeps_earlier_files_and_says_which_failed(tmp_path):
    out = tmp_path / "out"
    tx = OutputFolder(out)
    tx.begin()
    tx.write("comparison.csv", lambda p: p.write_text("a,b\n"))

    def full_disk(p):
        p.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    assert not tx.write("report.html", full_disk)
    assert tx.commit()
    assert (out / "comparison.csv").exists() and not (out / "report.html").exists()
    assert tx.failed == {"report.html": os.strerror(errno.ENOSPC)}


def test_nothing_written_means_no_folder(tmp_path):
    out = tmp_path / "out"
    tx = OutputFolder(out)
    tx.begin()
    tx.write("x", lambda p: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    assert not tx.commit()
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_killed_process_leaves_old_output_and_leftovers_are_cleaned(tmp_path):
    out = tmp_path / "out"
    _publish(out, {"summary.json": "old"})
    code = (
        "import os, signal, sys\n"
        "from sim.io.outputs import OutputFolder\n"
        f"tx = OutputFolder({str(out)!r}, force=True)\n"
        "tx.begin()\n"
        "tx.write('summary.json', lambda p: p.write_text('new'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9
    assert (out / "summary.json").read_text() == "old"  # untouched by the killed writer
    leftovers = [p for p in tmp_path.iterdir() if p.name != "out"]
    assert leftovers and all(".socsim-tmp-" in p.name for p in leftovers)
    _publish(out, {"summary.json": "newer"}, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_file_atomic_keeps_extension_and_old_file_on_failure(tmp_path):
    path = tmp_path / "figure.png"
    path.write_text("old")
    seen = []
    with pytest.raises(RuntimeError):
        write_file_atomic(path, lambda p: (seen.append(p.suffix), p.write_text("x"),
                                           (_ for _ in ()).throw(RuntimeError("boom"))))
    assert seen == [".png"] and path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png"]


def test_full_tmpfs(tmp_path):
    """A real full disk: a 64 kB tmpfs (needs root and mount; skipped elsewhere)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        tx = OutputFolder(mnt / "out")
        tx.begin()
        assert tx.write("small.txt", lambda p: p.write_text("ok"))
        assert not tx.write("big.bin", lambda p: p.write_bytes(b"x" * 1_000_000))
        assert tx.commit()
        assert (mnt / "out" / "small.txt").exists() and not (mnt / "out" / "big.bin").exists()
        assert "space" in tx.failed["big.bin"].lower()
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_out_taken_by_someone_else_meanwhile_keeps_results_aside(tmp_path):
    out = tmp_path / "out"
    tx = OutputFolder(out)
    tx.begin()
    tx.write("summary.json", lambda p: p.write_text("new"))
    out.mkdir()
    (out / "theirs.txt").write_text("theirs")  # another program wrote there while we computed
    with pytest.raises(OutputError, match="kept in") as info:
        tx.commit()
    kept = Path(str(info.value).rsplit("kept in ", 1)[1])
    assert (kept / "summary.json").read_text() == "new"
    assert sorted(p.name for p in out.iterdir()) == ["theirs.txt"]
