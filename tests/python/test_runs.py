"""pmlab.Run and pmlab.Sweep on small train, meta, rl runs and a sweep made here by the pmlab
program just built: every number as the files hold it, and the folders unchanged by reading."""

import csv
import hashlib
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import pmlab
import pmlab.runs

PMLAB = os.environ.get("PMLAB_BINARY", "pmlab")


def pmlab_cli(*args, cwd):
    out = subprocess.run([PMLAB, *args], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def fingerprint(folder):
    """Every file's path, size, mode and contents, to show a read changed nothing."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(folder.rglob("*")) if p.is_file()
    } | {"files": sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    pmlab_cli("train", "--problem", "quadratic", "--workers", "4", "--iters", "6", "--quiet", "--out", "train", cwd=root)
    pmlab_cli("meta", "--task", "linreg", "--iters", "4", "--quiet", "--out", "meta", cwd=root)
    pmlab_cli("rl", "--env", "CartPole-v1", "--preset", "none", "--iters", "5", "--eval-every", "2", "--quiet", "--out", "rl", cwd=root)
    (root / "sweep.toml").write_text('command = "train"\n[base]\nproblem = "quadratic"\nworkers = 2\niters = 3\n[axes]\nbeta = [0.1, 1]\n')
    pmlab_cli("sweep", "sweep.toml", "--quiet", "--out", "sweep", cwd=root)
    return root


def exact_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(x) if x else float("nan") for x in row] for row in rows[1:]]


@pytest.mark.parametrize("name, kind", [("train", "train"), ("meta", "meta"), ("rl", "rl")])
@pytest.mark.parametrize("with_pandas", [True, False])
def test_a_run_reads_as_its_files_say(runs, name, kind, with_pandas, monkeypatch):
    if not with_pandas:
        monkeypatch.setattr(pmlab.runs, "_pandas", None)
    folder = runs / name
    before = fingerprint(folder)
    run = pmlab.Run(folder)
    assert run.kind == kind and run.path == folder
    assert run.config["seed"] == 1 and "iters" in run.config
    header, rows = exact_rows(folder / "metrics.csv")
    table = run.metrics
    columns = list(table.columns) if with_pandas else list(table.dtype.names)
    assert columns == header and len(table) == len(rows) == run.config["iters"]
    values = table.to_numpy(dtype=float) if with_pandas else np.array([list(r) for r in table])
    assert np.array_equal(values, np.array(rows), equal_nan=True)  # every number exactly as written
    assert run.summary == json.loads((folder / "summary.json").read_text())
    assert run.checkpoints and run.checkpoint == run.checkpoints[-1]
    assert pmlab.Run(run.checkpoints[0]).checkpoint == run.checkpoints[0]
    assert fingerprint(folder) == before


@pytest.mark.parametrize("with_pandas", [True, False])
def test_a_sweep_reads_its_summary_and_runs(runs, with_pandas, monkeypatch):
    if not with_pandas:
        monkeypatch.setattr(pmlab.runs, "_pandas", None)
    before = fingerprint(runs / "sweep")
    sweep = pmlab.Sweep(runs / "sweep")
    summary = sweep.summary
    assert len(summary) == 2 and list(summary["beta"]) == [0.1, 1.0]
    assert sorted(sweep.runs) == ["beta-0.1", "beta-1"] and all(r.kind == "train" for r in sweep.runs.values())
    assert sweep.config["axes"]["beta"] == [0.1, 1]
    assert fingerprint(runs / "sweep") == before


def test_bad_paths_raise_the_named_exceptions(runs, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        pmlab.Run(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="not a run folder"):
        pmlab.Run(tmp_path)
    with pytest.raises(ValueError, match="a run is a folder"):
        pmlab.Run(runs / "rl" / "metrics.csv")
    with pytest.raises(ValueError, match="not a sweep folder"):
        pmlab.Sweep(runs / "rl")
    with pytest.raises(FileNotFoundError):
        pmlab.Sweep(tmp_path / "nowhere")
    (tmp_path / "config.toml").write_text("[rl]\nenv = \n")
    with pytest.raises(ValueError):  # tomllib's TOMLDecodeError is a ValueError
        pmlab.Run(tmp_path)
