"""pmlab from Python: one environment with Gymnasium's Env interface, a batch stepped in C++, a
task family's tasks, and a policy trained by pmlab rl in this process, read back from its run
folder and played. Run it with the package on the path:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/environments.py
"""

import tempfile
import time

import numpy as np

import pmlab

# One environment, as Gymnasium's: reset, step, render.
env = pmlab.make("LunarLander-v3", render_mode="rgb_array")
obs, info = env.reset(seed=0)
env.action_space.seed(0)
total, steps = 0.0, 0
while True:
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    total, steps = total + reward, steps + 1
    if terminated or truncated:
        break
frame = env.render()
print(f"{env.spec.id}: a random episode of {steps} steps returned {total:.1f}; its last frame is {frame.shape} {frame.dtype}")

# 64 walkers stepped together in C++ on 2 threads, with next-step autoreset.
envs = pmlab.make_vec("BipedalWalker-v3", num_envs=64, threads=2)
obs, info = envs.reset(seed=0)
rng = np.random.default_rng(0)
start, ended = time.perf_counter(), 0
for _ in range(200):
    obs, rewards, terminations, truncations, info = envs.step(rng.uniform(-1, 1, size=(64, 4)).astype(np.float32))
    ended += int(terminations.sum() + truncations.sum())
elapsed = time.perf_counter() - start
print(f"{envs.spec.id} x {envs.num_envs}: observations {obs.shape} {obs.dtype}, {200 * 64 / elapsed:,.0f} steps/s, {ended} episodes ended")

# Tasks of a family are environment specs: the same seed gives the same tasks.
for task in pmlab.sample_tasks("PointNav", 3, seed=1):
    nav = pmlab.make(task)
    obs, _ = nav.reset(seed=0)
    _, reward, *_ = nav.step(np.zeros(2, np.float32))
    print(f"{task}: reward {reward:.3f} after standing still for one step")

# Train CartPole with its preset (PPO, a few seconds), then read the run and play its policy.
with tempfile.TemporaryDirectory() as folder:
    pmlab.cli(["rl", "--env", "CartPole-v1", "--quiet", "--out", f"{folder}/cartpole"])
    run = pmlab.Run(f"{folder}/cartpole")
    metrics = run.metrics
    print(f"{run.kind} run of {run.config['env']}: {len(metrics)} iterations, {int(metrics['steps_total'][len(metrics) - 1]):,} steps, "
          f"final mean return {run.summary['final_mean_return']:.1f}")
    policy = run.policy()
    env = pmlab.make("CartPole-v1")
    obs, _ = env.reset(seed=123)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy(obs, deterministic=True))
        total, done = total + reward, terminated or truncated
    print(f"its policy keeps the pole up for {total:.0f} steps; pmlab eval's mean over 20 episodes: "
          f"{run.evaluate(episodes=20, deterministic=True)['return_mean']:.1f}")
