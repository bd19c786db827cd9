"""pmlab from Python: its environments with Gymnasium's interface, at C++ speed.

    import pmlab
    env = pmlab.make("LunarLander-v3", render_mode="rgb_array")    # Gymnasium's Env
    obs, info = env.reset(seed=0)
    envs = pmlab.make_vec("BipedalWalker-v3", num_envs=64, threads=2)  # Gymnasium's VectorEnv
    pmlab.cli(["rl", "--env", "CartPole-v1", "--out", "runs/cp"])  # any command, in this process
    run = pmlab.Run("runs/cp")               # config, metrics (a DataFrame), summary, checkpoints
    policy = run.policy()                    # policy(obs, deterministic=True) -> action

See help(pmlab.make), help(pmlab.make_vec) and the README's "Python" section.
"""

from .envs import EnvSpec, PmlabEnv, PmlabVecEnv, environments, families, make, make_vec, sample_tasks
from .runs import Policy, Run, Sweep, cli

__all__ = ["EnvSpec", "PmlabEnv", "PmlabVecEnv", "Policy", "Run", "Sweep", "cli", "environments", "families", "make", "make_vec", "sample_tasks"]
