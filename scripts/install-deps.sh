#!/usr/bin/env bash
# Installs the Debian packages pmlab builds and tests with, and any named as arguments; only
# those missing.
# Quiet when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libtbb-dev libcereal-dev libcli11-dev libgtest-dev libbenchmark-dev
  libopenblas-dev zlib1g-dev libbox2d-dev libstb-dev libgif-dev dataset-fashion-mnist
  libtomlplusplus-dev gnuplot-nox libopenmpi-dev openmpi-bin
  pybind11-dev python3-dev python3-numpy python3-pytest python3-pandas
  "$@"  # more for one target, e.g. doxygen for make docs
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "pmlab: installing missing packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
