#!/usr/bin/env bash
# Gets NVIDIA's runtime compiler (NVRTC, CUDA 13) from PyPI's nvidia-cuda-nvrtc 13.5.37 wheel
# (the only network access: pip), checks its SHA-256 and unpacks its two libraries into the
# cache's nvrtc/ folder. Only for checking our CUDA kernel sources on machines without a GPU
# (the tests that compile them skip where no NVRTC is found); a GPU machine has its own.
# Idempotent.
set -euo pipefail

cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
target="$cache/nvrtc"
version="13.5.37"
wheel_name="nvidia_cuda_nvrtc-$version-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl"
wheel_sha256="86b4d68058807988b7d9af5b44917a0601e9c337f35ccd657bfb3c759ff8d8bc"

if [ -f "$target/libnvrtc.so.13" ]; then
    echo "NVRTC: already in $target."
    exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
    echo "NVRTC: the pinned wheel is for x86-64 Linux only; the CUDA kernel tests will skip here." >&2
    exit 1
fi
echo "NVRTC: downloading nvidia-cuda-nvrtc $version (wheel, 58 MB) from PyPI…"
downloads=$(mktemp -d)
trap 'rm -rf "$downloads"' EXIT
python3 -m pip download --quiet --no-deps --no-cache-dir --only-binary :all: --platform manylinux_2_12_x86_64 \
    --dest "$downloads" "nvidia-cuda-nvrtc==$version"
if ! echo "$wheel_sha256  $downloads/$wheel_name" | sha256sum --check --status; then
    echo "NVRTC: the nvidia-cuda-nvrtc $version wheel has the wrong SHA-256." >&2
    exit 1
fi
python3 -m zipfile -e "$downloads/$wheel_name" "$downloads/wheel"
mkdir -p "$target.partial"
cp "$downloads"/wheel/nvidia/cu13/lib/libnvrtc.so.13 "$downloads"/wheel/nvidia/cu13/lib/libnvrtc-builtins.so.* \
    "$target.partial/"
rm -rf "$target"
mv "$target.partial" "$target"
echo "NVRTC: $(ls "$target" | tr '\n' ' ')in $target."
