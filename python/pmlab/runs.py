"""Run and sweep folders as Python objects: config (dict), metrics (a pandas DataFrame, or a numpy
structured array without pandas), summary (dict) and checkpoints. Reading never writes: a folder
is the same after any of these calls.
"""

import json
import pathlib
import tomllib

import numpy as np

from . import _pmlab
from .envs import _check_seed

try:
    import pandas as _pandas
except ImportError:  # pandas is optional: numpy's structured arrays serve instead
    _pandas = None

_MAX_TEXT = 64 << 20  # config and summary files are small; a larger one is not pmlab's


def _read_table(path, numeric):
    """A CSV file of pmlab's (a header, then rows) with every number read back exactly; empty
    cells are NaN. `numeric`: every column is a number (metrics.csv), else types are inferred."""
    if _pandas is not None:
        return _pandas.read_csv(path, float_precision="round_trip")
    return np.genfromtxt(path, delimiter=",", names=True, dtype=float if numeric else None, encoding="utf-8", ndmin=1)


def _read_text(path):
    with open(path, "rb") as f:
        data = f.read(_MAX_TEXT + 1)
    if len(data) > _MAX_TEXT:
        raise ValueError(f"{path}: larger than {_MAX_TEXT >> 20} MiB; not a file pmlab wrote")
    return data.decode("utf-8")


class Run:
    """A run folder of ``pmlab train``, ``meta`` or ``rl`` (or one of its checkpoints).

    ``Run("runs/lander")`` reads ``config.toml`` (``.config``, with ``.kind`` its command),
    ``metrics.csv`` (``.metrics``), ``summary.json`` (``.summary``) and lists the checkpoints
    (``.checkpoints``, oldest first). A checkpoint file's path reads the folder it is in, with
    ``.checkpoint`` that file. Raises FileNotFoundError for a missing path and ValueError for a
    folder that is not a run.
    """

    def __init__(self, path):
        path = pathlib.Path(path)
        if not path.exists():
            raise FileNotFoundError(f"'{path}' does not exist")
        if path.is_file():
            if path.parent.name != "checkpoints" or path.suffix != ".pmlab":
                raise ValueError(f"'{path}': a run is a folder, or a checkpoint file in a run's checkpoints/ folder")
            self.checkpoint = path
            path = path.parent.parent
        else:
            self.checkpoint = None
        if not (path / "config.toml").is_file():
            raise ValueError(f"'{path}' is not a run folder: it has no config.toml (pmlab train, meta and rl write one)")
        self.path = path
        self._target = str(self.checkpoint or path)  # what pmlab eval would be given
        config = tomllib.loads(_read_text(path / "config.toml"))
        if len(config) != 1:
            raise ValueError(f"{path / 'config.toml'}: one table ([train], [meta] or [rl]) expected, found {sorted(config)}")
        (self.kind, self.config), = config.items()
        if self.checkpoint is None and self.checkpoints:
            self.checkpoint = self.checkpoints[-1]

    @property
    def metrics(self):
        """metrics.csv, one row per iteration (a DataFrame with pandas, else a numpy record array)."""
        return _read_table(self.path / "metrics.csv", numeric=True)

    @property
    def summary(self):
        """summary.json as a dict (empty while the run has not written one)."""
        file = self.path / "summary.json"
        return json.loads(_read_text(file)) if file.is_file() else {}

    @property
    def checkpoints(self):
        """The checkpoint files, oldest first."""
        return sorted((self.path / "checkpoints").glob("ckpt-*.pmlab"))

    def policy(self, seed=None):
        """The trained policy of an rl run (its newest checkpoint, or the one this Run was opened
        from), with the run's observation normalisation: ``policy(obs, deterministic=False)``.

        `seed` seeds the sampled actions (the operating system's when None). Raises ValueError
        for a run of another kind, RuntimeError for a damaged checkpoint.
        """
        return Policy(self._target, seed)

    def evaluate(self, episodes=100, seed=None, deterministic=False):
        """What ``pmlab eval RUN --json`` reports, as a dict: `episodes` whole episodes from the
        streams of `seed` (the run's own seed when None), with the policy's mode or samples."""
        if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)):
            raise ValueError(f"episodes: a whole number from 1 to 1000000, not {episodes!r}")
        seed = _check_seed(seed)
        result = _pmlab.evaluate(self._target, int(episodes), seed, bool(deterministic))
        result["env"] = self.config["env"]
        result["seed"] = self.config["seed"] if seed is None else seed
        return result

    def __repr__(self):
        return f"<pmlab.Run {self.kind} {str(self.path)!r}>"


class Policy:
    """An rl run's trained policy: ``policy(obs)`` gives the action for one observation (an int
    for a discrete space, a float32 vector for a box, unclipped as pmlab eval passes it to the
    environment, which clips it) or the actions for a batch of observations (rows)."""

    def __init__(self, target, seed=None):
        self._core = _pmlab.TrainedPolicy(target, _check_seed(seed))
        self.env = self._core.env
        self.iteration = self._core.iteration

    def __call__(self, obs, deterministic=False):
        """The action(s) for `obs`: sampled, or the policy's mode when `deterministic`."""
        return self._core.act(obs, bool(deterministic))

    def __repr__(self):
        return f"<pmlab.Policy {self.env} after {self.iteration} iterations>"


class Sweep:
    """A folder of ``pmlab sweep``: ``.summary`` is its summary.csv (one row per run), ``.runs``
    its runs by name, ``.config`` the sweep file it ran."""

    def __init__(self, path):
        path = pathlib.Path(path)
        if not path.exists():
            raise FileNotFoundError(f"'{path}' does not exist")
        if not (path / "sweep.toml").is_file():
            raise ValueError(f"'{path}' is not a sweep folder: it has no sweep.toml (pmlab sweep writes one)")
        self.path = path
        self.config = tomllib.loads(_read_text(path / "sweep.toml"))

    @property
    def summary(self):
        """summary.csv: each run's settings and results (a DataFrame with pandas, else numpy)."""
        return _read_table(self.path / "summary.csv", numeric=False)

    @property
    def runs(self):
        """The runs that have started, as {name: Run}."""
        return {d.name: Run(d) for d in sorted(self.path.iterdir()) if (d / "config.toml").is_file()}

    def __repr__(self):
        return f"<pmlab.Sweep {str(self.path)!r}>"


def cli(args):
    """Runs a pmlab command in this process, as the pmlab program would run it.

    ``pmlab.cli(["rl", "--env", "CartPole-v1", "--out", "runs/cp"])`` trains and writes its run
    folder, with its progress line, exactly as ``pmlab rl --env CartPole-v1 --out runs/cp``.
    Returns the exit code: 0 done, 3 diverged. Raises ValueError for a usage error (exit 2)
    and RuntimeError for a failure (exit 1), with the command's message; Ctrl-C stops a run
    after its round with a checkpoint, then raises KeyboardInterrupt.
    """
    if isinstance(args, (str, bytes)) or not all(isinstance(a, (str, int, float)) for a in args):
        raise ValueError("cli: args is a list of words, e.g. ['rl', '--env', 'CartPole-v1']")
    code, errors = _pmlab.cli([str(a) for a in args])
    message = next((line for line in errors.splitlines() if ": error: " in line), errors.strip())
    if code == 2:
        raise ValueError(message)
    if code == 1:
        raise RuntimeError(message)
    if code == 128 + 2:
        raise KeyboardInterrupt(message)
    return code
