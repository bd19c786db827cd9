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
    pmlab_cli("rl", "--env", "LunarLanderContinuous-v3", "--preset", "none", "--workers", "2",
              "--iters", "3", "--eval-every", "0", "--quiet", "--out", "lander", cwd=root)
    pmlab_cli("rl", "--env", "PointNav-v0", "--preset", "PointNav-v0", "--normalize-observations", "true", "--iters", "20", "--eval-every", "0",
              "--quiet", "--out", "nav", cwd=root)
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


def test_evaluate_is_pmlab_eval(runs):
    before = fingerprint(runs / "rl")
    run = pmlab.Run(runs / "rl")
    for kwargs, flags in [({}, []), ({"episodes": 7, "seed": 3, "deterministic": True}, ["--episodes", "7", "--seed", "3", "--deterministic"])]:
        cli = json.loads(pmlab_cli("eval", str(runs / "rl"), "--json", *(flags or ["--episodes", "100"]), cwd=runs))
        assert run.evaluate(**kwargs) == cli
    assert fingerprint(runs / "rl") == before


def test_the_policy_acts_as_pmlab_eval_does(runs):
    # PointNav-v0 starts every episode at the origin, so an episode played here with the
    # policy's mode is the one pmlab eval plays: the same actions give the same return, bit
    # for bit, through the run's observation normalisation.
    before = fingerprint(runs / "nav")
    run = pmlab.Run(runs / "nav")
    policy = run.policy()
    assert policy.env == "PointNav-v0" and policy.iteration == 20
    evaluation = run.evaluate(episodes=2, deterministic=True)
    env = pmlab.make("PointNav-v0")
    obs, _ = env.reset(seed=0)
    total, length, done = 0.0, 0, False
    while not done:
        action = policy(obs, deterministic=True)
        assert action.dtype == np.float32 and action.shape == (2,)
        obs, reward, terminated, truncated, _ = env.step(action)
        total, length, done = total + reward, length + 1, terminated or truncated
    assert evaluation["returns"] == [total, total] and evaluation["lengths"] == [length, length]
    # A batch of observations is each observation's action (to float32 rounding: the network's
    # products take other kernels for one column than for many), and sampling follows its seed.
    batch = np.random.default_rng(0).normal(size=(5, 2))
    modes = policy(batch, deterministic=True)
    assert modes.shape == (5, 2)
    assert all(np.allclose(modes[i], policy(batch[i], deterministic=True), rtol=1e-5, atol=1e-6) for i in range(5))
    assert np.array_equal(run.policy(seed=4)(batch), run.policy(seed=4)(batch))
    assert not np.array_equal(run.policy(seed=4)(batch), run.policy(seed=5)(batch))
    cartpole = pmlab.Run(runs / "rl").policy(seed=0)
    action = cartpole(np.zeros(4, np.float32))
    assert isinstance(action, np.int64) and action in (0, 1)
    assert fingerprint(runs / "nav") == before


@pytest.mark.parametrize("name", ["rl", "lander"])
def test_pmlab_evals_episodes_replayed_in_python_give_its_returns(runs, name):
    # Each of pmlab eval's episodes, reset with its seed and played with the policy's mode
    # through pmlab.make, gives eval's return and length exactly (the lander's with float32 box
    # actions). Exactly, because without observation normalisation the policy reads the
    # float32 observation either way; with it, pmlab normalises the double observation and
    # Python the float32 one Gymnasium's API hands out, and the actions agree to rounding (the
    # PointNav test above is exact because its observations are float32 numbers already).
    run = pmlab.Run(runs / name)
    evaluation = run.evaluate(episodes=4, seed=11, deterministic=True)
    policy = run.policy()
    for episode in range(4):
        env = pmlab.make(run.config["env"])
        obs, _ = env.reset(seed=pmlab._pmlab._evaluation_episode_seed(11, episode))
        total, length, done = 0.0, 0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(policy(obs, deterministic=True))
            total, length, done = total + reward, length + 1, terminated or truncated
        assert (total, length) == (evaluation["returns"][episode], evaluation["lengths"][episode])


def test_policies_of_other_kinds_and_damaged_checkpoints_raise(runs, tmp_path):
    for kind in ("train", "meta"):
        with pytest.raises(ValueError, match=f"a checkpoint of a {kind} run"):
            pmlab.Run(runs / kind).policy()
        with pytest.raises(ValueError, match=f"a checkpoint of a {kind} run"):
            pmlab.Run(runs / kind).evaluate()
    policy = pmlab.Run(runs / "rl").policy()
    for bad in (np.zeros(3), np.zeros((2, 5)), [[np.nan] * 4], "obs"):
        with pytest.raises(ValueError):
            policy(bad)
    with pytest.raises(ValueError, match="episodes"):
        pmlab.Run(runs / "rl").evaluate(episodes=0)
    # A copy of the run whose only checkpoint is damaged: refused, never half read.
    import shutil

    copy = tmp_path / "damaged"
    shutil.copytree(runs / "rl", copy)
    checkpoints = sorted((copy / "checkpoints").glob("*.pmlab"))
    for extra in checkpoints[:-1]:
        extra.unlink()
    data = bytearray(checkpoints[-1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    checkpoints[-1].write_bytes(bytes(data))
    before = fingerprint(copy)
    with pytest.raises(RuntimeError):
        pmlab.Run(copy).policy()
    with pytest.raises(RuntimeError):
        pmlab.Run(copy).evaluate()
    assert fingerprint(copy) == before
