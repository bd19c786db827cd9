"""pmlab.make and pmlab.make_vec: Gymnasium's contract on every registered environment and on a
task of each family, seeding, the vector environment against single ones, and bad input."""

import numpy as np
import pytest

import pmlab

ENVIRONMENTS = sorted(pmlab.environments())
FAMILY_TASKS = [pmlab.sample_tasks(family, 1, seed=3)[0] for family in sorted(pmlab.families())]


def actions(space, count, seed):
    """`count` actions of a single environment's space from their own generator."""
    space.seed(seed)
    return [space.sample() for _ in range(count)]


def rollout(env, seed, acts):
    """Observations, rewards and flags of an episode from reset(seed) under `acts` (to its end)."""
    obs, info = env.reset(seed=seed)
    out = [(obs, 0.0, False, False)]
    for a in acts:
        obs, reward, terminated, truncated, info = env.step(a)
        out.append((obs, reward, terminated, truncated))
        if terminated or truncated:
            break
    return out


def same(a, b):
    assert len(a) == len(b)
    for (o1, r1, te1, tr1), (o2, r2, te2, tr2) in zip(a, b):
        assert np.array_equal(o1, o2) and r1 == r2 and te1 == te2 and tr1 == tr2


@pytest.mark.parametrize("name", ENVIRONMENTS + FAMILY_TASKS)
def test_gymnasium_contract(name):
    env = pmlab.make(name, render_mode="rgb_array")
    obs_space, act_space = env.observation_space, env.action_space
    assert obs_space.dtype == np.float32 and obs_space.low.dtype == np.float32 and obs_space.high.dtype == np.float32
    assert obs_space.shape == obs_space.low.shape == obs_space.high.shape and len(obs_space.shape) == 1
    if hasattr(act_space, "n"):
        assert act_space.dtype == np.int64 and act_space.shape == () and act_space.n >= 2
    else:
        assert act_space.dtype == np.float32 and act_space.shape == act_space.low.shape
    assert env.spec.id == name.split("(")[0]
    assert env.spec.max_episode_steps >= 1
    assert env.metadata["render_modes"] == ["rgb_array"] and env.metadata["render_fps"] > 0

    obs, info = env.reset(seed=7)
    assert isinstance(info, dict)
    assert obs.dtype == np.float32 and obs.shape == obs_space.shape
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3 and frame.min() < frame.max()
    obs, reward, terminated, truncated, info = env.step(act_space.sample())
    assert obs.dtype == np.float32 and obs.shape == obs_space.shape
    assert type(reward) is float and type(terminated) is bool and type(truncated) is bool and isinstance(info, dict)
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step(act_space.sample())


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_a_seed_fixes_the_episode_and_the_ones_after_it(name):
    a, b = pmlab.make(name), pmlab.make(name)
    acts = actions(a.action_space, 60, seed=1)
    same(rollout(a, 11, acts), rollout(b, 11, acts))
    # The episode after a seeded one is fixed by that seed too, and differs from it.
    a.reset(seed=11)
    b.reset(seed=11)
    next_a, _ = a.reset()
    next_b, _ = b.reset()
    assert np.array_equal(next_a, next_b)
    if name != "PointNav-v0":  # the point always starts at the origin
        other = [rollout(a, s, acts[:5])[1][0] for s in (1, 2)]
        assert not np.array_equal(other[0], other[1])


def test_integers_of_any_width_and_arrays_are_actions():
    env = pmlab.make("CartPole-v1")
    for action in (0, np.int64(1), np.int32(0), np.array(1), np.uint8(0)):
        env.reset(seed=0)
        env.step(action)
    walker = pmlab.make("BipedalWalker-v3")
    walker.reset(seed=0)
    for action in ([0.1, -0.2, 0.3, 0.0], np.zeros(4, np.float32), np.ones(4, np.float64), (1, 1, 1, 1)):
        walker.step(action)


def test_time_limit_truncates_and_stepping_on_raises():
    env = pmlab.make("Pendulum-v1", max_episode_steps=5)
    assert env.spec.max_episode_steps == 5
    env.reset(seed=0)
    flags = [env.step(np.zeros(1, np.float32))[2:4] for _ in range(5)]
    assert flags == [(False, False)] * 4 + [(False, True)]
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step(np.zeros(1, np.float32))
    with pytest.raises(RuntimeError, match="before Reset"):
        pmlab.make("CartPole-v1").step(0)


def test_keywords_and_specs_are_the_same_environment():
    a = pmlab.make("LunarLander-v3", continuous=True, gravity=-8.5, enable_wind=False)
    b = pmlab.make("LunarLander-v3(continuous=true,gravity=-8.5)")
    acts = actions(a.action_space, 100, seed=2)
    same(rollout(a, 5, acts), rollout(b, 5, acts))
    assert a.spec.kwargs == {"continuous": "true", "gravity": "-8.5", "enable_wind": "false"}


def test_family_tasks_are_environment_specs_drawn_from_their_seed():
    tasks = pmlab.sample_tasks("PointNav", 4, seed=9)
    assert tasks == pmlab.sample_tasks("PointNav", 4, seed=9) and len(set(tasks)) == 4
    assert all(t.startswith("PointNav-v0(goal_x=") for t in tasks)
    env = pmlab.make(tasks[0])
    env.reset(seed=0)
    assert env.spec.kwargs["goal_x"] == tasks[0].split("goal_x=")[1].split(",")[0]


def test_a_task_of_a_family_by_its_parameters_or_its_spec():
    by_goal = pmlab.make("PointNav", task={"goal": [0.3, -0.2]})
    by_names = pmlab.make("PointNav-v0", goal_x=0.3, goal_y=-0.2)
    acts = actions(by_goal.action_space, 20, seed=0)
    same(rollout(by_goal, 1, acts), rollout(by_names, 1, acts))
    assert by_goal.spec.id == "PointNav-v0" and by_goal.spec.kwargs == {"goal_x": "0.3", "goal_y": "-0.2"}
    task = pmlab.sample_tasks("LunarLander", 1, seed=2)[0]
    assert pmlab.make("LunarLander", task=task).spec.kwargs == pmlab.make(task).spec.kwargs
    vec = pmlab.make_vec("PointNav", num_envs=2, task={"goal": [0.3, -0.2]})
    assert vec.spec.kwargs == {"goal_x": "0.3", "goal_y": "-0.2"}
    for bad, message in [("CartPole-v1(pole_length=1)", "a task of LunarLander is a spec of LunarLander-v3"), (3, "not int"),
                         ({"gravity": [1, 2, 3, 4]}, "1 to 3")]:
        with pytest.raises(ValueError, match=message):
            pmlab.make("LunarLander", task=bad)
    with pytest.raises(ValueError, match="not a task family"):
        pmlab.make("CartPole-v1", task={"pole_length": 1})


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: pmlab.make("Nonsense-v0"), ValueError, "unknown environment 'Nonsense-v0'"),
        (lambda: pmlab.make("CartPole-v1", pole_length=1e300), ValueError, "pole_length"),
        (lambda: pmlab.make("CartPole-v1", bogus=1), ValueError, "bogus"),
        (lambda: pmlab.make("CartPole-v1(pole_length=0.6)", pole_length=0.7), ValueError, "both in the spec and as a keyword"),
        (lambda: pmlab.make("CartPole-v1", render_mode="human"), ValueError, "render_mode"),
        (lambda: pmlab.make("CartPole-v1").reset(seed=-1), ValueError, "seed"),
        (lambda: pmlab.make("CartPole-v1").reset(seed=2**64), ValueError, "seed"),
        (lambda: pmlab.make_vec("CartPole-v1", num_envs=0), ValueError, "num_envs"),
        (lambda: pmlab.make_vec("LunarLander-v3", num_envs=10**7), ValueError, "num_envs: must be from 1 to 65536"),
        (lambda: pmlab.make_vec("CartPole-v1", num_envs=2, threads=-1), ValueError, "threads"),
        (lambda: pmlab.make_vec("CartPole-v1", num_envs=2).reset(seed=[1]), ValueError, "1 seeds for 2"),
        (lambda: pmlab.make_vec("CartPole-v1", num_envs=2).step(np.zeros(2, np.int64)), RuntimeError, "step before reset"),
        (lambda: pmlab.sample_tasks("Nowhere", 2), ValueError, "Nowhere"),
    ],
)
def test_bad_input_raises_the_named_exception(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_actions_raise_value_errors():
    env = pmlab.make("CartPole-v1")
    env.reset(seed=0)
    for bad in (2, -1, 0.5, [0, 1], "left", np.nan):
        with pytest.raises((ValueError, TypeError)):
            env.step(bad)
    walker = pmlab.make("BipedalWalker-v3")
    walker.reset(seed=0)
    for bad in ([0.0] * 3, np.full(4, np.inf), [[0.0] * 4]):
        with pytest.raises(ValueError):
            walker.step(bad)
    vec = pmlab.make_vec("BipedalWalker-v3", num_envs=3)
    vec.reset(seed=0)
    for bad in (np.zeros((3, 3)), np.zeros((2, 4)), np.zeros(12)):
        with pytest.raises(ValueError, match="shape"):
            vec.step(bad)
    # A bad action anywhere in the batch is refused before any environment steps.
    good = np.full((3, 4), 0.5, np.float32)
    reference = pmlab.make_vec("BipedalWalker-v3", num_envs=3)
    reference.reset(seed=0)
    bad = good.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="environment 2"):
        vec.step(bad)
    assert np.array_equal(vec.step(good)[0], reference.step(good)[0])
    lander = pmlab.make_vec("LunarLander-v3", num_envs=3)
    lander.reset(seed=0)
    with pytest.raises(ValueError, match="environment 1"):
        lander.step(np.array([0, 4, 1]))


# -- the vector environment -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CartPole-v1", "LunarLander-v3", "BipedalWalker-v3", "PointNav"])
def test_a_batch_is_its_environments_stepped_one_by_one_on_any_thread_count(name):
    n, steps = 5, 120
    batches = []
    for threads in (1, 2, 3):
        vec = pmlab.make_vec(name, num_envs=n, threads=threads)
        vec.action_space.seed(4)
        obs, _ = vec.reset(seed=100)
        record = [obs]
        for _ in range(steps):
            obs, rewards, terminations, truncations, _ = vec.step(vec.action_space.sample())
            record += [obs, rewards, terminations, truncations]
        batches.append(record)
    for other in batches[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(batches[0], other))

    # Environment i of the batch is pmlab.make's environment reset with seed 100 + i, stepped
    # with column i of the actions and reset by the step after its episode ends.
    for i in range(n):
        env = pmlab.make(name)
        obs, _ = env.reset(seed=100 + i)
        assert np.array_equal(obs, batches[0][0][i])
        vec_actions = pmlab.make_vec(name, num_envs=n).action_space
        vec_actions.seed(4)
        ended = False
        for k in range(steps):
            a = vec_actions.sample()[i]
            if ended:
                obs, _ = env.reset()
                reward, terminated, truncated = 0.0, False, False
            else:
                obs, reward, terminated, truncated, _ = env.step(a)
            ended = terminated or truncated
            o, r, te, tr = batches[0][1 + 4 * k : 5 + 4 * k]
            assert np.array_equal(obs, o[i]) and reward == r[i] and terminated == te[i] and truncated == tr[i], (i, k)


def test_next_step_autoreset():
    assert str(pmlab.make_vec("CartPole-v1", num_envs=1).metadata["autoreset_mode"]).endswith(("NEXT_STEP", "NextStep"))
    vec = pmlab.make_vec("Pendulum-v1", num_envs=2, max_episode_steps=3)
    first, _ = vec.reset(seed=[5, 6])
    zeros = np.zeros((2, 1), np.float32)
    for _ in range(2):
        _, _, _, truncations, _ = vec.step(zeros)
        assert not truncations.any()
    obs, rewards, terminations, truncations, _ = vec.step(zeros)
    assert truncations.all() and not terminations.any()
    # The next step resets both: their first observations, reward 0, no flags.
    obs, rewards, terminations, truncations, _ = vec.step(np.ones((2, 1), np.float32))
    assert not truncations.any() and not terminations.any() and (rewards == 0).all()
    assert not np.array_equal(obs, first)  # new episodes, drawn from the seeds' streams
    again = pmlab.make_vec("Pendulum-v1", num_envs=2, max_episode_steps=3)
    again.reset(seed=[5, 6])
    for _ in range(4):
        later, *_ = again.step(zeros)
    assert np.array_equal(later, obs)


def test_vector_dtypes_and_spaces():
    vec = pmlab.make_vec("LunarLander-v3", num_envs=4, seed=0)
    obs, info = vec.reset()
    assert obs.dtype == np.float32 and obs.shape == (4, 8) and isinstance(info, dict)
    obs, rewards, terminations, truncations, info = vec.step(np.array([0, 1, 2, 3]))
    assert rewards.dtype == np.float64 and rewards.shape == (4,)
    assert terminations.dtype == np.bool_ and truncations.dtype == np.bool_
    assert vec.action_space.shape == (4,) and vec.single_action_space.n == 4
    # The seed given to make_vec is the first reset's.
    a, _ = pmlab.make_vec("LunarLander-v3", num_envs=4, seed=0).reset()
    b, _ = pmlab.make_vec("LunarLander-v3", num_envs=4).reset(seed=0)
    assert np.array_equal(a, b)
    frames = pmlab.make_vec("LunarLander-v3", num_envs=2, render_mode="rgb_array")
    frames.reset(seed=0)
    assert [f.shape[2] for f in frames.render()] == [3, 3]
