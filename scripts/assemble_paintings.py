"""Puts gcompris' jigsaw paintings back together (see fetch-paintings.sh).

    assemble_paintings.py PAINTINGS.RCC OUTPUT-FOLDER "PACKAGE VERSION"

Reads the Qt resource file (header "qres", a tree of 22-byte entries, UTF-16 names, data
blocks that may be zlib-compressed), then for each board/boardN_0.qml places every piece with
its centre at (x·width, y·height) of the board, crops to the painting and fills the few pixels
no piece covers (seams at the edges) with the painting's mean colour.
"""
import io
import os
import re
import struct
import sys
import unicodedata
import zlib

from PIL import Image


def resources(path):
    """{name: bytes} of every file in a Qt .rcc (format versions 1-3; zlib or none)."""
    data = open(path, "rb").read()
    if data[:4] != b"qres":
        sys.exit(f"{path}: not a Qt resource file")
    version, tree, blobs, names = struct.unpack(">IIII", data[4:20])
    entry = 22 if version >= 2 else 14
    files = {}

    def name(offset):
        length = struct.unpack(">H", data[names + offset:names + offset + 2])[0]
        return data[names + offset + 6:names + offset + 6 + 2 * length].decode("utf-16-be")

    def walk(index, prefix):
        base = tree + index * entry
        name_offset, flags = struct.unpack(">IH", data[base:base + 6])
        path = f"{prefix}/{name(name_offset)}" if index else ""
        if flags & 2:  # a directory
            count, first = struct.unpack(">II", data[base + 6:base + 14])
            for child in range(count):
                walk(first + child, path)
            return
        offset = struct.unpack(">I", data[base + 10:base + 14])[0]
        size = struct.unpack(">I", data[blobs + offset:blobs + offset + 4])[0]
        blob = data[blobs + offset + 4:blobs + offset + 4 + size]
        if flags & 4:
            sys.exit(f"{path}: zstd-compressed, which this reader does not handle")
        files[path] = zlib.decompress(blob[4:]) if flags & 1 else blob

    walk(0, "")
    return files


def slug(title):
    """'Vincent Van Gogh, Village Street in Auvers - 1890' → 'van-gogh-village-street-in-auvers'."""
    painter, _, work = title.partition(",")
    work = re.sub(r"\s+-\s+[\d/-]+\.?$", "", work.strip())
    names = painter.split()
    words = (names[1:] or names) + re.findall(r"[A-Za-z]+", work)
    ascii_words = (unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in words)
    return "-".join(w.lower() for w in ascii_words)


def main():
    rcc, out, package = sys.argv[1:4]
    files = resources(rcc)
    boards = sorted((p for p in files if re.search(r"/board/board\d+_0\.qml$", p)),
                    key=lambda p: int(re.search(r"board(\d+)_0", p).group(1)))
    rows = ["file\tpainting\tsource\tcopyright (Debian's copyright file)"]
    for board in boards:
        text = files[board].decode("utf-8")
        folder = board.rsplit("/board/", 1)[0]
        title = re.search(r'qsTr\("(.*?)"\)', text).group(1).replace("Hokusa,", "Hokusai,")
        width = int(re.search(r'"width"\s*:\s*(\d+)', text).group(1))
        height = int(re.search(r'"height"\s*:\s*(\d+)', text).group(1))
        pieces = re.findall(r'"pixmapfile"\s*:\s*"(image/[^"]+\.webp)",\s*"x"\s*:\s*"([\d.]+)",\s*"y"\s*:\s*"([\d.]+)"',
                            text)
        canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        for piece, x, y in pieces:
            image = Image.open(io.BytesIO(files[f"{folder}/{piece}"])).convert("RGBA")
            centre = (float(x) * width, float(y) * height)
            canvas.alpha_composite(image, (round(centre[0] - image.width / 2), round(centre[1] - image.height / 2)))
        painting = canvas.crop(canvas.getchannel("A").point(lambda a: 255 if a > 250 else 0).getbbox())
        mean = tuple(round(v) for v in painting.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))
        filled = Image.new("RGBA", painting.size, mean + (255,))
        filled.alpha_composite(painting)
        name = slug(title) + ".png"
        filled.convert("RGB").save(os.path.join(out, name))
        rows.append(f"{name}\t{title}\t{package}, usr/share/gcompris-qt/rcc/paintings.rcc "
                    f"({board.lstrip('/')}, {len(pieces)} pieces)\tscan: WebMuseum, GPL-3+; painting: public domain")
    with open(os.path.join(out, "ATTRIBUTION.txt"), "w", encoding="utf-8") as attribution:
        attribution.write("\n".join(rows) + "\n")
    print(f"Paintings: {len(boards)} put back together.")


main()
