#!/usr/bin/env bash
# Builds a folder of paintings for training (the style pictures of `train --style` and `train
# --arbitrary adain --style-dataset`), $CACHE/paintings/, from Debian's gcompris-qt-data: its
# "paintings" jigsaw activity keeps 22 paintings (Hokusai, Hiroshige, Van Gogh, Kandinsky,
# Renoir, Bruegel, Dürer, …) as RGBA WebP pieces inside a Qt resource file
# (rcc/paintings.rcc), with each piece's centre in board/boardN_0.qml. The pieces are put
# back together (scripts/assemble_paintings.py, with the pinned Pillow of $VENV) and written as
# PNGs named after painter and title; ATTRIBUTION.txt says where each came from. The paintings
# are in the public domain; Debian's copyright file gives the scans as "WebMuseum, GPL-3+", so
# keep ATTRIBUTION.txt with anything made from them. Idempotent.
#
#   scripts/fetch-paintings.sh PYTHON      (a Python with Pillow; `make paintings` passes $VENV's)
set -euo pipefail

python="${1:?usage: scripts/fetch-paintings.sh PYTHON}"
cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
paintings="$cache/paintings"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -f "$paintings/ATTRIBUTION.txt" ] && [ "$(find "$paintings" -name '*.png' | wc -l)" -eq 22 ]; then
    echo "Paintings: already in $paintings (22)."
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Paintings: fetching Debian's gcompris-qt-data…"
if ! (cd "$work" && apt-get download gcompris-qt-data >/dev/null 2>&1); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    (cd "$work" && apt-get download gcompris-qt-data >/dev/null)
fi
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$work"/gcompris-qt-data_*.deb |
    tar -x -C "$work/x" ./usr/share/gcompris-qt/rcc/paintings.rcc ./usr/share/doc/gcompris-qt-data/copyright
version=$(dpkg-deb -f "$work"/gcompris-qt-data_*.deb Version)

# Build beside the final folder, then swap it in, so an interrupted run leaves no half set.
staging="$paintings.partial"
rm -rf "$staging"
mkdir -p "$staging"
cp "$work/x/usr/share/doc/gcompris-qt-data/copyright" "$staging/COPYRIGHT-gcompris-qt-data.txt"
"$python" "$here/assemble_paintings.py" "$work/x/usr/share/gcompris-qt/rcc/paintings.rcc" "$staging" \
    "gcompris-qt-data $version"
rm -rf "$paintings"
mv "$staging" "$paintings"
echo "Paintings: $(find "$paintings" -name '*.png' | wc -l) in $paintings."
