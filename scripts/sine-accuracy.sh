#!/usr/bin/env bash
# The sine accuracy table of docs/benchmarks.md: MAML, FOMAML, Reptile and Meta-SGD on sine
# (K = 10, one inner step of 0.01), with server momentum (beta = 0.1) and without (beta = 1),
# then meta-tested on 600 held-out tasks. Two runs at a time, one thread each.
# Usage: scripts/sine-accuracy.sh [OUT_DIR] [ITERS]   (defaults: runs/sine-accuracy, 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/sine-accuracy}
iters=${2:-20000}
pmlab=build/pmlab
[ -x "$pmlab" ] || { echo "build first: make build" >&2; exit 1; }
mkdir -p "$out"
common="--task sine --shots 10 --query 10 --inner-lr 0.01 --inner-steps 1 --meta-batch 25 --workers 5 --iters $iters --threads 1 --quiet"
# Reptile's direction x - phi is alpha times a gradient, so its step size is the others' / alpha.
runs=(
  "maml 0.1 --algo maml --lr 0.03"        "maml 1 --algo maml --lr 0.03"
  "fomaml 0.1 --algo fomaml --lr 0.03"    "fomaml 1 --algo fomaml --lr 0.03"
  "reptile 0.1 --algo reptile --lr 3"     "reptile 1 --algo reptile --lr 3"
  "metasgd 0.1 --algo metasgd --lr 0.03"  "metasgd 1 --algo metasgd --lr 0.03"
  "maml+topk5% 0.1 --algo maml --lr 0.03 --compress topk:0.05"
  "maml+topk5% 1 --algo maml --lr 0.03 --compress topk:0.05"
)
run_one() {
  read -r name beta flags <<<"$1"
  local dir="$out/$name-beta$beta"
  rm -rf "$dir"
  $pmlab meta $common $flags --beta "$beta" --out "$dir" || true  # a diverged run is a result too
}
for ((i = 0; i < ${#runs[@]}; i += 2)); do
  run_one "${runs[i]}" &
  run_one "${runs[i + 1]}" &
  wait
done
echo "| estimator | beta | status | meta-iterations evaluated | MSE after 1 step (600 tasks) | 95% CI | MSE before adapting |"
echo "|---|---|---|---|---|---|---|"
for entry in "${runs[@]}"; do
  read -r name beta _ <<<"$entry"
  dir="$out/$name-beta$beta"
  status=$(sed -n 's/.*"status": "\(.*\)".*/\1/p' "$dir/summary.json")
  curve=$($pmlab eval "$dir" --tasks 600 --steps 1)  # a diverged run: its last good checkpoint
  evaluated=$(sed -n '1s/.* after \([0-9]*\) meta-iterations.*/\1/p' <<<"$curve")
  read -r _ before _ < <(sed -n 3p <<<"$curve")
  read -r _ after ci < <(sed -n 4p <<<"$curve")
  echo "| $name | $beta | $status | $evaluated | $after | ± $ci | $before |"
done
