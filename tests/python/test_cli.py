"""pmlab.cli: pmlab's command line in the Python process, the same run as the program's, errors
as exceptions with the command's message, and the interpreter's signal handlers left as they were."""

import json
import os
import signal
import subprocess

import pytest

import pmlab

PMLAB = os.environ.get("PMLAB_BINARY", "pmlab")


def test_a_run_from_python_is_the_programs(tmp_path):
    args = ["rl", "--env", "CartPole-v1", "--preset", "none", "--iters", "4", "--quiet", "--threads", "2"]
    handler = signal.getsignal(signal.SIGINT)
    assert pmlab.cli(args + ["--out", str(tmp_path / "python")]) == 0
    assert signal.getsignal(signal.SIGINT) is handler
    subprocess.run([PMLAB, *args, "--out", str(tmp_path / "program")], check=True, capture_output=True)
    hashes = [json.loads((tmp_path / r / "summary.json").read_text())["parameter_hash"] for r in ("python", "program")]
    assert hashes[0] == hashes[1]
    # Twice in one process: each command starts afresh.
    assert pmlab.cli(args + ["--out", str(tmp_path / "again")]) == 0
    assert json.loads((tmp_path / "again" / "summary.json").read_text())["parameter_hash"] == hashes[0]


def test_errors_raise_with_the_commands_message(tmp_path):
    with pytest.raises(ValueError, match=r"pmlab rl: error: --discount: must be in \(0, 1\]"):
        pmlab.cli(["rl", "--discount", "0", "--out", str(tmp_path / "bad")])
    assert not (tmp_path / "bad").exists()
    with pytest.raises(RuntimeError, match="pmlab eval: error: '.*nowhere' does not exist"):
        pmlab.cli(["eval", str(tmp_path / "nowhere")])
    with pytest.raises(ValueError, match="a list of words"):
        pmlab.cli("rl --env CartPole-v1")
