"""The example scripts under examples/python run as the README says and print what they claim."""

import os
import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def test_environments_example_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "environments.py")], capture_output=True, text=True, env=os.environ, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("LunarLander-v3: a random episode of") and "(400, 600, 3) uint8" in lines[0]
    assert lines[1].startswith("BipedalWalker-v3 x 64: observations (64, 24) float32")
    assert len(lines) == 7 and all(line.startswith("PointNav-v0(goal_x=") for line in lines[2:5])
    assert lines[5].startswith("rl run of CartPole-v1: 400 iterations, 102,400 steps")
    assert lines[6].startswith("its policy keeps the pole up for")
