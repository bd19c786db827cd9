#!/usr/bin/env bash
# The paper's run (Fashion-MNIST, FCNN, full local gradients) with Top-2% and error feedback at
# 10, 100 and 1,000 workers: peak memory and seconds per round. Usage:
#   scripts/bench-workers.sh [PMLAB_BINARY] [THREADS]
# Prints a Markdown table. Each run does 4 rounds; the round time is the median of rounds 2-4
# from metrics.csv (round 1 also builds the workers' buffers).
set -euo pipefail
pmlab=${1:-build/pmlab}
threads=${2:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| workers | peak memory | s per round |"
echo "|---|---|---|"
for n in 10 100 1000; do
  /usr/bin/time -f "%M" -o "$out/rss-$n" "$pmlab" train --workers "$n" --compress topk:0.02 --error-feedback ef --iters 4 \
    --eval-every 0 --checkpoint-every 0 --threads "$threads" --quiet --out "$out/run-$n"
  round=$(awk -F, 'NR > 2 { print $NF - previous } { previous = $NF }' "$out/run-$n/metrics.csv" | sort -g | sed -n 2p)
  awk -v n="$n" -v kb="$(cat "$out/rss-$n")" -v s="$round" 'BEGIN { printf "| %d | %.2f GB | %.2f s |\n", n, kb / 1048576, s }'
done
