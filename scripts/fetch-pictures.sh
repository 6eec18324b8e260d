#!/usr/bin/env bash
# Gets the example pictures from Debian's opencv-doc package: Van Gogh's The Starry Night
# (public domain) and a photograph. Idempotent.
set -euo pipefail

cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
pictures="$cache/pictures"
wanted=(starry_night.jpg building.jpg)
present=true
for picture in "${wanted[@]}"; do [ -f "$pictures/$picture" ] || present=false; done
if $present; then
    echo "Pictures: already in $pictures."
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Pictures: fetching Debian's opencv-doc…"
if ! (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    (cd "$work" && apt-get download opencv-doc >/dev/null)
fi
dpkg -x "$work"/opencv-doc_*.deb "$work/extracted"
mkdir -p "$pictures"
for picture in "${wanted[@]}"; do
    cp "$work/extracted/usr/share/doc/opencv-doc/examples/data/$picture" "$pictures/$picture"
done
echo "Pictures: ${wanted[*]} in $pictures."
