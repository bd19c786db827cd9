"""pmlab's environments with Gymnasium's interface: one (make) or a batch stepped in C++ (make_vec).

The physics, rewards and seeding are pmlab's own (the same code as ``pmlab rl``'s rollouts);
these classes only give them Gymnasium's calls and types. With Gymnasium installed they are
``gymnasium.Env`` and ``gymnasium.vector.VectorEnv`` subclasses with ``gymnasium.spaces``.

Behaviour that Gymnasium leaves to each environment, stated:

- ``step`` before ``reset``, after the episode ended without a ``reset``, or after ``close``
  raises RuntimeError (Gymnasium's OrderEnforcing wrapper raises for the first; its own
  environments only warn for the second).
- ``reset(seed=s)`` fixes that episode and every later one reset without a seed; before any
  seed, episodes are seeded from the operating system.
- The vector environment resets an ended environment on the next ``step`` (Gymnasium 1.x's
  default, ``AutoresetMode.NEXT_STEP``): that step ignores its action and returns the new
  episode's first observation, reward 0 and both flags false.
"""

import functools

import numpy as np

from . import _pmlab, spaces

try:
    import gymnasium as _gymnasium
    from gymnasium.envs.registration import EnvSpec as _GymnasiumEnvSpec
    from gymnasium.vector import AutoresetMode as _AutoresetMode

    _EnvBase = _gymnasium.Env
    _VectorEnvBase = _gymnasium.vector.VectorEnv
    _NEXT_STEP = _AutoresetMode.NEXT_STEP
except ImportError:  # the same attributes on plain classes
    _gymnasium = None
    _EnvBase = object
    _VectorEnvBase = object
    _NEXT_STEP = "NextStep"

# Gymnasium's metadata["render_fps"] for its environments of the same names; pmlab's own
# environments use the frame rate of the GIFs pmlab writes.
_RENDER_FPS = {"CartPole": 50, "LunarLander": 50, "BipedalWalker": 50, "Pendulum": 30}
_DEFAULT_FPS = 25
_MAX_SEED = 2**64


class EnvSpec:
    """Gymnasium's EnvSpec fields that describe a pmlab environment (used without Gymnasium)."""

    def __init__(self, id, entry_point, kwargs, max_episode_steps, reward_threshold):
        self.id = id
        self.entry_point = entry_point
        self.kwargs = kwargs
        self.max_episode_steps = max_episode_steps
        self.reward_threshold = reward_threshold

    def make(self, **kwargs):
        """A new environment of this spec (keywords such as render_mode added)."""
        return self.entry_point(**self.kwargs, **kwargs)

    def __repr__(self):
        return f"EnvSpec(id={self.id!r}, kwargs={self.kwargs!r}, max_episode_steps={self.max_episode_steps})"


def _format(value):
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    if isinstance(value, str):
        return value
    raise ValueError(f"an environment parameter is a number, a bool or a string, not {type(value).__name__}")


def _parse_spec(id):
    """("Name", {key: text}) of a pmlab spec such as "LunarLander-v3(continuous=true)"."""
    if "(" not in id:
        return id, {}
    if not id.endswith(")"):
        raise ValueError(f"'{id}': a spec is Name or Name(key=value,...)")
    name, inner = id[:-1].split("(", 1)
    kwargs = {}
    for item in filter(None, inner.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"'{id}': '{item}' is not key=value")
        kwargs[key.strip()] = value.strip()
    return name, kwargs


def _spec_text(id, kwargs):
    """The pmlab spec of an id and keyword parameters."""
    name, given = _parse_spec(id)
    both = set(given) & set(kwargs)
    if both:
        raise ValueError(f"'{id}': {', '.join(sorted(both))} given both in the spec and as a keyword")
    params = dict(given, **{key: _format(value) for key, value in kwargs.items()})
    text = name + ("(" + ",".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
    return name, params, text


def _task_spec(family, task):
    """The environment spec of one task of `family`: `task` is a spec the family drew
    (sample_tasks) or a dict of the task's parameters, where a vector parameter may be a list
    ({"goal": [0.3, -0.2]} for goal_x and goal_y)."""
    if family not in families():
        raise ValueError(f"task: '{family}' is not a task family (families: {', '.join(sorted(families()))})")
    env = sample_tasks(family, 1, seed=0)[0].split("(")[0]
    if isinstance(task, str):
        if task.split("(")[0] != env:
            raise ValueError(f"task: a task of {family} is a spec of {env}, not '{task}'")
        return task, {}
    if not isinstance(task, dict):
        raise ValueError(f"task: a spec from sample_tasks or a dict of {env}'s parameters, not {type(task).__name__}")
    params = {}
    for key, value in task.items():
        if isinstance(value, (list, tuple, np.ndarray)):
            if not 1 <= len(value) <= 3:
                raise ValueError(f"task: {key} has {len(value)} entries; a vector parameter has 1 to 3 (x, y, z)")
            params.update({f"{key}_{axis}": v for axis, v in zip("xyz", value)})
        else:
            params[key] = value
    return env, params


def _check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < _MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to 2^64 - 1, not {seed!r}")
    return int(seed)


def _render_fps(name):
    return next((fps for prefix, fps in _RENDER_FPS.items() if name.startswith(prefix)), _DEFAULT_FPS)


def _make_spec(name, params, core):
    # The entry point rebuilds the environment from the spec's parameters, as Gymnasium's
    # EnvSpec.make (and so its environment checker) does.
    threshold, limit, entry = core.reward_threshold, core.time_limit, functools.partial(PmlabEnv, name)
    if _gymnasium is not None:
        return _GymnasiumEnvSpec(id=name, entry_point=entry, reward_threshold=threshold, max_episode_steps=limit, kwargs=params)
    return EnvSpec(name, entry, params, limit, threshold)


def _check_render_mode(render_mode):
    if render_mode not in (None, "rgb_array"):
        raise ValueError(f"render_mode: pmlab's environments render 'rgb_array' (or None), not {render_mode!r}")
    return render_mode


class PmlabEnv(_EnvBase):
    """One pmlab environment with Gymnasium's Env interface (create it with pmlab.make)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": _DEFAULT_FPS}

    def __init__(self, id, render_mode=None, task=None, **kwargs):
        if task is not None:
            id, task_params = _task_spec(id, task)
            kwargs = dict(task_params, **kwargs)
        name, params, text = _spec_text(id, kwargs)
        self.render_mode = _check_render_mode(render_mode)
        self._core = _pmlab.Env(text)
        self.metadata = dict(PmlabEnv.metadata, render_fps=_render_fps(name))
        self.observation_space = spaces.from_description(self._core.observation_space)
        self.action_space = spaces.from_description(self._core.action_space)
        self.spec = _make_spec(name, params, self._core)
        self._closed = False

    def reset(self, *, seed=None, options=None):
        """Starts an episode: returns (observation, info). `seed` fixes it and every later one."""
        seed = _check_seed(seed)
        if self._closed:
            raise RuntimeError(f"{self.spec.id}: the environment is closed")
        if _gymnasium is not None:
            super().reset(seed=seed)
        return self._core.reset(seed), {}

    def step(self, action):
        """One step: returns (observation, reward, terminated, truncated, info)."""
        if self._closed:
            raise RuntimeError(f"{self.spec.id}: the environment is closed")
        obs, reward, terminated, truncated = self._core.step(action)
        return obs, reward, terminated, truncated, {}

    def render(self):
        """The current state as an H x W x 3 uint8 image (render_mode "rgb_array"), else None."""
        if self.render_mode is None:
            return None
        return self._core.render()

    def close(self):
        """Releases nothing that needs releasing; later steps raise."""
        self._closed = True

    def __repr__(self):
        return f"<PmlabEnv {self._core.id}>"


class PmlabVecEnv(_VectorEnvBase):
    """pmlab environments of one spec stepped together in C++ (create it with pmlab.make_vec).

    Gymnasium 1.x's VectorEnv interface: batched observation and action spaces, numpy arrays in
    and out, and the next-step autoreset stated in metadata["autoreset_mode"]. A step releases
    the GIL and steps every environment on `threads` threads (0: every core); the results do not
    depend on it.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": _DEFAULT_FPS, "autoreset_mode": _NEXT_STEP}

    def __init__(self, id, num_envs, threads=0, seed=None, render_mode=None, task=None, **kwargs):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise ValueError(f"num_envs: a whole number from 1, not {num_envs!r}")
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
            raise ValueError(f"threads: a whole number from 0 (every core), not {threads!r}")
        if task is not None:
            id, task_params = _task_spec(id, task)
            kwargs = dict(task_params, **kwargs)
        name, params, text = _spec_text(id, kwargs)
        self.render_mode = _check_render_mode(render_mode)
        self._core = _pmlab.VecEnv(text, int(num_envs), int(threads))
        self._seed = _check_seed(seed)
        self.num_envs = int(num_envs)
        self.metadata = dict(PmlabVecEnv.metadata, render_fps=_render_fps(name))
        self.single_observation_space = spaces.from_description(self._core.observation_space)
        self.single_action_space = spaces.from_description(self._core.action_space)
        self.observation_space = spaces.batched(self.single_observation_space, self.num_envs)
        self.action_space = spaces.batched(self.single_action_space, self.num_envs)
        self.spec = _make_spec(name, params, self._core)
        self.closed = False

    def reset(self, *, seed=None, options=None):
        """Resets every environment: returns (observations, info).

        `seed` is one number (environment i takes seed + i, as in Gymnasium), a list of one per
        environment, or None (the `seed` given to make_vec on the first reset, else the operating
        system's).
        """
        if self.closed:
            raise RuntimeError(f"{self.spec.id}: the environments are closed")
        if seed is None and self._seed is not None:
            seed, self._seed = self._seed, None
        if seed is None:
            seeds = None
        elif isinstance(seed, (list, tuple)):
            if len(seed) != self.num_envs:
                raise ValueError(f"reset: {len(seed)} seeds for {self.num_envs} environments")
            seeds = [_check_seed(s) for s in seed]
        else:
            first = _check_seed(seed)
            if first + self.num_envs > _MAX_SEED:
                raise ValueError(f"reset: seeds {first} + i must stay below 2^64")
            seeds = [first + i for i in range(self.num_envs)]
        return self._core.reset(seeds), {}

    def step(self, actions):
        """Steps every environment: returns (observations, rewards, terminations, truncations, info)."""
        if self.closed:
            raise RuntimeError(f"{self.spec.id}: the environments are closed")
        obs, rewards, terminations, truncations = self._core.step(actions)
        return obs, rewards, terminations, truncations, {}

    def render(self):
        """Each environment's current image (render_mode "rgb_array"), else None."""
        if self.render_mode is None:
            return None
        return tuple(self._core.render(i) for i in range(self.num_envs))

    def close(self, **kwargs):
        """Later calls raise."""
        self.closed = True

    def __repr__(self):
        return f"<PmlabVecEnv {self._core.id} x {self.num_envs}>"


def make(id, render_mode=None, task=None, **kwargs):
    """A pmlab environment with Gymnasium's Env interface.

    `id` names a registered environment or task family ("LunarLander-v3", "PointNav"), or a
    pmlab spec with parameters ("LunarLander-v3(continuous=true)"); keyword arguments are more
    parameters (``pmlab.make("LunarLander-v3", continuous=True, gravity=-8)``), including
    Gymnasium's ``max_episode_steps``. ``pmlab.environments()`` and ``pmlab.families()`` list
    them. A family alone draws a new task every episode; with `task` it is one task: a spec
    from ``sample_tasks`` or the task's parameters (``pmlab.make("PointNav", task={"goal":
    [0.3, -0.2]})``). Raises ValueError naming an unknown environment, parameter or value.
    """
    return PmlabEnv(id, render_mode=render_mode, task=task, **kwargs)


def make_vec(id, num_envs=1, threads=0, seed=None, render_mode=None, task=None, **kwargs):
    """`num_envs` pmlab environments of one spec with Gymnasium's VectorEnv interface.

    One ``step`` call steps all of them in C++ on `threads` threads (0: every core) with the
    GIL released; results never depend on `threads`. `seed` seeds the first reset without one.
    Other arguments as for make.
    """
    return PmlabVecEnv(id, num_envs, threads=threads, seed=seed, render_mode=render_mode, task=task, **kwargs)


def environments():
    """The registered environments as {name: summary}."""
    return dict(_pmlab.environments())


def families():
    """The registered task families as {name: summary}."""
    return dict(_pmlab.families())


def sample_tasks(family, count, seed=0):
    """`count` tasks of a family as environment specs, which make() and make_vec() take.

    ``pmlab.sample_tasks("PointNav", 3, seed=1)`` gives specs such as
    "PointNav-v0(goal_x=0.12,goal_y=-0.4)"; the same seed gives the same tasks.
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise ValueError(f"count: a whole number, not {count!r}")
    return _pmlab.sample_tasks(family, int(count), _check_seed(seed))
