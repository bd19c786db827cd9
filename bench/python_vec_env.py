"""Steps per second of pmlab.make_vec from Python: LunarLander-v3 with uniformly random actions
(drawn beforehand, so the figure is the environments' and the call's), for 16 and 64
environments on 1 and 2 threads. Set it against pmlab_bench's ParallelLunarLanders, the same
environments stepped in C++ without Python (docs/benchmarks.md):

    PYTHONPATH=build/python /usr/bin/python3 bench/python_vec_env.py
"""

import time

import numpy as np

import pmlab

STEPS = 2000
REPEATS = 5

for num_envs in (16, 64):
    actions = np.random.default_rng(0).integers(4, size=(STEPS, num_envs))
    for threads in (1, 2):
        envs = pmlab.make_vec("LunarLander-v3", num_envs=num_envs, threads=threads)
        rates = []
        for repeat in range(REPEATS):
            envs.reset(seed=repeat)
            start = time.perf_counter()
            for a in actions:
                envs.step(a)
            rates.append(STEPS * num_envs / (time.perf_counter() - start))
        print(f"LunarLander-v3 x {num_envs:2d}, {threads} thread(s): {np.median(rates):9,.0f} steps/s (median of {REPEATS})")
