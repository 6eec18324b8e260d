#!/usr/bin/env bash
# Installs the Debian packages the build needs, if any are missing. Idempotent.
set -euo pipefail

# g++: the tests build an emulated GPU from our CUDA kernels (scripts/cuda/emulated_gpu.py).
packages=(libdnnl-dev libturbojpeg0-dev libpng-dev libgif-dev libwebp-dev python3 python3-pip g++)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && continue
    # A python3 or pip outside Debian's packages (e.g. pyenv's) serves as well.
    [ "$package" = python3 ] && command -v python3 >/dev/null && continue
    [ "$package" = python3-pip ] && python3 -m pip --version >/dev/null 2>&1 && continue
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "System packages: all present (${packages[*]})."
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "System packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "System packages: installed."
