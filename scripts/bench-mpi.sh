#!/usr/bin/env bash
# The paper's round (Fashion-MNIST, FCNN, 100 workers, full local gradients) on 1, 2 and 4
# processes of one thread each, dense against Top-2%: seconds per round and the bytes that
# cross between processes per round. Usage:
#   scripts/bench-mpi.sh [PMLAB_BINARY] [ROUNDS]
# Prints a Markdown table. The round time is the median over rounds 2..ROUNDS of metrics.csv.
set -euo pipefail
pmlab=${1:-build/pmlab}
rounds=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
field() { sed -n "s/.*\"$1\": \([0-9.e+]*\).*/\1/p" "$2/summary.json"; }
echo "| compress | processes | s per round | messages in (bytes/round) | their bits column (bytes/round) | x out (bytes/round) |"
echo "|---|---|---|---|---|---|"
for compress in none topk:0.02; do
  for p in 0 1 2 4; do
    run="$out/$compress-$p"
    args=(train --workers 100 --compress "$compress" --iters "$rounds" --eval-every 0 --checkpoint-every 0 --threads 1 --quiet --out "$run")
    if [ "$p" -eq 0 ]; then "$pmlab" "${args[@]}"; else mpirun --allow-run-as-root --oversubscribe -np "$p" "$pmlab" "${args[@]}"; fi
    round=$(awk -F, 'NR > 2 { print $NF - previous } { previous = $NF }' "$run/metrics.csv" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    awk -v c="$compress" -v p="$p" -v s="$round" -v r="$rounds" -v mb="$(field wire_message_bytes "$run")" \
      -v bits="$(field wire_message_bits "$run")" -v sb="$(field wire_server_bytes "$run")" \
      'BEGIN { printf "| %s | %s | %.2f s | %.0f | %.0f | %.0f |\n", c, p == 0 ? "1 (no mpirun)" : p, s, mb / r, bits / 8 / r, sb / r }'
  done
done
