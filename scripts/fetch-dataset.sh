#!/usr/bin/env bash
# Builds the training folder for the feed-forward models, $CACHE/dataset/, from two Debian
# packages: endless-sky-data's landscape and city photographs (images/land/, 273 JPEGs,
# 720x360) and the colour photographs among opencv-doc's example data. Writes
# ATTRIBUTION.txt beside the pictures (per file: package, author, licence, as the packages'
# copyright files say) and copies both copyright files there. Idempotent.
#
# The CC-BY-SA pictures need their attribution kept with any model trained on them: ship
# ATTRIBUTION.txt (or its CC-BY-SA lines) with such a model.
set -euo pipefail

cache="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
dataset="$cache/dataset"
attribution="$dataset/ATTRIBUTION.txt"

# opencv-doc's samples/data: colour photographs, shorter side >= 256 px. Left out:
# building.jpg (the demo's unseen test photo); paintings (starry_night.jpg, graffiti
# graf1/graf3.png); test charts and documents (left/right01-14.jpg, chessboard.png,
# sudoku.png, pca_test1.jpg, text_defocus/text_motion.jpg); synthetic, rendered or edited
# pictures (Blender_Suzanne*, cards, detect_blob, ellipses, gradient, pic1-6, digits, notes,
# imageText*, ml, logos, blox, aloeGT, ela_modified, licenseplate_motion); the second frame
# of near-duplicate pairs (aloeR, leuvenB, rubberwhale2, right.jpg, basketball2); grey
# pictures (basketball1/2, box_in_scene, box); tiny ones (HappyFish, mask, templ, tmpl).
opencv_kept=(aero1.jpg aero3.jpg aloeL.jpg apple.jpg baboon.jpg board.jpg butterfly.jpg
             chicky_512.png ela_original.jpg fruits.jpg home.jpg left.jpg leuvenA.jpg
             messi5.jpg orange.jpg rubberwhale1.png smarties.png squirrel_cls.jpg stuff.jpg)
land=usr/share/games/endless-sky/images/land
opencv_data=usr/share/doc/opencv-doc/examples/data

summary() {
    python3 - "$attribution" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
rows = rows[1:]  # header
by_package = collections.OrderedDict()
for file, package, version, source, copyright, licence, *_ in rows:
    by_package.setdefault(package, collections.Counter())["CC-BY-SA" if licence.startswith("CC-BY-SA") else licence] += 1
parts = [f"{sum(c.values())} from {p} ({', '.join(f'{n} {k}' for k, n in c.items())})" for p, c in by_package.items()]
print(f"{len(rows)} pictures: " + "; ".join(parts))
PY
}

complete() {
    [ -f "$attribution" ] || return 1
    local file
    while IFS=$'\t' read -r file _; do
        case "$file" in ''|'#'*|file) continue ;; esac
        [ -f "$dataset/$file" ] || return 1
    done <"$attribution"
}

if complete; then
    echo "Dataset: already in $dataset: $(summary)."
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Dataset: fetching Debian's endless-sky-data and opencv-doc…"
if ! (cd "$work" && apt-get download endless-sky-data opencv-doc >/dev/null 2>&1); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    (cd "$work" && apt-get download endless-sky-data opencv-doc >/dev/null)
fi
mkdir -p "$work/x"
# Only the pictures and the copyright files, not the whole packages.
dpkg-deb --fsys-tarfile "$work"/endless-sky-data_*.deb |
    tar -x -C "$work/x" --wildcards "./$land/*" ./usr/share/doc/endless-sky-data/copyright
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb |
    tar -x -C "$work/x" --wildcards "./$opencv_data/*" ./usr/share/doc/opencv-doc/copyright
endless_version=$(dpkg-deb -f "$work"/endless-sky-data_*.deb Version)
opencv_version=$(dpkg-deb -f "$work"/opencv-doc_*.deb Version)

# Build beside the final folder, then swap it in, so an interrupted run leaves no half set.
staging="$dataset.partial"
rm -rf "$staging"
mkdir -p "$staging"
cp "$work/x/usr/share/doc/endless-sky-data/copyright" "$staging/COPYRIGHT-endless-sky-data.txt"
cp "$work/x/usr/share/doc/opencv-doc/copyright" "$staging/COPYRIGHT-opencv-doc.txt"
python3 - "$work/x" "$staging" "$endless_version" "$opencv_version" "$land" "$opencv_data" \
    "${opencv_kept[@]}" <<'PY'
"""Copies the pictures and resolves each one's copyright stanza (DEP-5 copyright files)."""
import fnmatch, os, re, shutil, sys

root, out, endless_version, opencv_version, land, opencv_data, *opencv_kept = sys.argv[1:]


def stanzas(path):
    found = []
    for block in re.split(r"\n[ \t]*\n", open(path, encoding="utf-8").read()):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t"):
                if key:
                    fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Files" in fields and "License" in fields:
            found.append(fields)
    return found


def directory_wide(pattern):
    # "*", "images/*", "images/land/*": a whole directory, not particular names.
    return pattern == "*" or (pattern.endswith("/*") and not any(c in pattern[:-2] for c in "*?"))


def resolve(rules, upstream_path):
    """DEP-5: the last matching stanza wins. Where it is a broad public-domain pattern
    (e.g. 'images/land/mountain1*') that also sweeps up a picture a named photographer's
    stanza gives under CC-BY-SA ('images/land/*-sfiera*' for mountain10-sfiera.jpg), keep
    the attribution: we treat the picture as that photographer's, under CC-BY-SA."""
    matches = [(s, p) for s in rules for p in s["Files"].split() if fnmatch.fnmatchcase(upstream_path, p)]
    if not matches:
        sys.exit(f"no copyright stanza matches {upstream_path}")
    winner, note = matches[-1][0], ""
    attributed = [(s, p) for s, p in matches if not directory_wide(p) and s["License"].startswith("CC-BY")]
    if not winner["License"].startswith("CC-BY") and attributed:
        broad = matches[-1][1]
        winner, pattern = attributed[-1]
        note = f"matches '{pattern}' (CC-BY-SA) and the later public-domain '{broad}'; attribution kept"
    return winner, note


def one_line(text):
    return " ".join(text.split())


rows = []
doc = os.path.join(root, "usr/share/doc")
endless = stanzas(os.path.join(doc, "endless-sky-data/copyright"))
for name in sorted(os.listdir(os.path.join(root, land))):
    stanza, note = resolve(endless, "images/land/" + name)
    rows.append(("endless-sky-data", endless_version, os.path.join(land, name), name, stanza, note))
opencv = stanzas(os.path.join(doc, "opencv-doc/copyright"))
for name in opencv_kept:
    stanza, note = resolve(opencv, "samples/data/" + name)
    note = note or "the copyright file names no photographer for this picture"
    rows.append(("opencv-doc", opencv_version, os.path.join(opencv_data, name), name, stanza, note))

prefix = {"endless-sky-data": "endless-sky_", "opencv-doc": "opencv_"}
with open(os.path.join(out, "ATTRIBUTION.txt"), "w", encoding="utf-8") as f:
    f.write(
        "# Training pictures for neural-style's feed-forward models, copied unchanged from Debian\n"
        "# packages (bookworm). Per picture: the package and version it came from, its path there,\n"
        "# and the Copyright and License lines of the stanza in that package's copyright file\n"
        "# (COPYRIGHT-<package>.txt beside this file, with the full licence texts).\n"
        "#\n"
        "# CC-BY-SA-3.0 / CC-BY-SA-4.0 pictures: keep their author and licence lines with any model\n"
        "# trained on them. The endless-sky stanzas' own comments say some were 'Cropped and edited'\n"
        "# from Wikimedia Commons by the packagers. Where a broad public-domain pattern of the\n"
        "# endless-sky copyright file also matches a picture that a photographer's CC-BY-SA stanza\n"
        "# names, the picture is listed under CC-BY-SA (see the note column).\n"
        "#\n"
        "# Tab-separated columns:\n")
    f.write("\t".join(["file", "package", "version", "source", "copyright", "license", "comment", "note"]) + "\n")
    for package, version, source, name, stanza, note in rows:
        licence_lines = stanza["License"].split("\n")
        comment = stanza.get("Comment") or (one_line(" ".join(licence_lines[1:])) if len(licence_lines) > 1 else "")
        target = prefix[package] + name
        shutil.copyfile(os.path.join(root, source), os.path.join(out, target))
        f.write("\t".join([target, package, version, "/" + source, one_line(stanza["Copyright"]),
                           licence_lines[0], one_line(comment), note]) + "\n")
PY
rm -rf "$dataset"
mv "$staging" "$dataset"
echo "Dataset: $(summary) in $dataset; attribution in $attribution."
