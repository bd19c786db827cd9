#!/usr/bin/env bash
# Fuzzes the checkpoint reader for SECONDS (default 600), seeded with real checkpoints.
# Usage: scripts/fuzz-checkpoint.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with -DPMLAB_FUZZ=ON)
set -euo pipefail
build=${1:?usage: scripts/fuzz-checkpoint.sh BUILD_DIR [SECONDS]}
seconds=${2:-600}
work=$(mktemp -d)
corpus="$build/fuzz-corpus"
mkdir -p "$corpus"
# Seeds: small real checkpoints with error feedback and worker momentum; as whole files
# (first byte 0) and as bare payloads (first byte 1).
"$build/pmlab" train --problem quadratic --workers 3 --quadratic-dim 5 --iters 3 --compress topk:2 \
  --error-feedback ef --momentum-at worker --quiet --out "$work/run"
for f in "$work"/run/checkpoints/*.pmlab; do
  { printf '\0'; cat "$f"; } > "$corpus/file-$(basename "$f")"
  { printf '\1'; tail -c +33 "$f"; } > "$corpus/payload-$(basename "$f")"
done
rm -rf "$work"
"$build/fuzz/checkpoint_reader_fuzz" "$corpus" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1
