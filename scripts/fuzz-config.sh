#!/usr/bin/env bash
# Fuzzes the config and sweep file readers for SECONDS (default 600), seeded with the config.toml
# of a run of each kind and the sweep files of experiments/.
# Usage: scripts/fuzz-config.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with -DPMLAB_FUZZ=ON)
set -euo pipefail
build=${1:?usage: scripts/fuzz-config.sh BUILD_DIR [SECONDS]}
seconds=${2:-600}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
corpus="$build/fuzz-config-corpus"
mkdir -p "$corpus"
"$build/pmlab" train --problem quadratic --iters 1 --quiet --out "$work/train"
"$build/pmlab" meta --task sine --iters 1 --quiet --out "$work/meta"
"$build/pmlab" rl --env CartPole-v1 --iters 1 --quiet --out "$work/rl"
for kind in train meta rl; do cp "$work/$kind/config.toml" "$corpus/config-$kind.toml"; done
cp "$here"/experiments/*.toml "$corpus/"
rm -rf "$work"
"$build/fuzz/config_reader_fuzz" "$corpus" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1
