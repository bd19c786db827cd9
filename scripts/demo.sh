#!/usr/bin/env bash
# `make demo`: a short version of the paper's comparison on Fashion-MNIST. 100 workers with
# fixed shards of 600 images send Top-2% of their full local gradients; the server runs
# momentum (beta = 0.1) in one run and biased gradient descent (beta = 1) in the other.
set -euo pipefail
pmlab=${1:-build/pmlab}
rounds=${DEMO_ROUNDS:-30}
level=${DEMO_LOSS_LEVEL:-1.0}
out=runs/demo

# The demo owns runs/demo; earlier demo results are replaced.
rm -rf "$out/momentum" "$out/gd"
mkdir -p "$out"
echo "== momentum (beta = 0.1), $rounds rounds"
"$pmlab" train --workers 100 --iters "$rounds" --lr 0.5 --beta 0.1 --compress topk:0.02 --eval-every 10 \
  --out "$out/momentum"
echo "== biased gradient descent (beta = 1), same configuration"
"$pmlab" train --config "$out/momentum/config.toml" --beta 1 --out "$out/gd"
echo
echo "== summary: rounds to reach train loss $level, final test accuracy"
"$pmlab" compare "$out/momentum" "$out/gd" --loss-level "$level"
echo
echo "Results: $out/momentum and $out/gd (config.toml, metrics.csv, summary.json)."
