// ImageFile.decode on PNG input (libpng's simplified API, and our eXIf walk).
import Foundation
import FuzzSupport
import Imaging

ImageFile.maximumPixels = Harness.maximumPixels
Harness.main(seeds: { directory in
    let picture = Image(width: 5, height: 3, samples: (0..<45).map { Float($0 * 5) })
    try ImageFile.write(picture, to: directory.appendingPathComponent("rgb.png").path)
    let rgb = try directory.read("rgb.png")
    try directory.write("rgb-exif-right.png", PNGBytes.inserting(("eXIf", Bytes.exifOrientation(6)), into: rgb))
    try directory.write("grey.png", PNGBytes.make(width: 2, height: 2, bitDepth: 8, colourType: 0, scanlines: [[0, 255], [128, 64]]))
    try directory.write("palette-trns.png", PNGBytes.make(
        width: 2, height: 1, bitDepth: 8, colourType: 3, scanlines: [[0, 1]],
        chunks: [("PLTE", [255, 0, 0, 0, 0, 255]), ("tRNS", [128])]))
    try directory.write("rgba16.png", PNGBytes.make(
        width: 1, height: 2, bitDepth: 16, colourType: 6,
        scanlines: [[255, 255, 0, 0, 0, 0, 128, 0], [0, 0, 255, 255, 0, 0, 255, 255]]))
    try directory.write("grey-alpha-exif-left.png", PNGBytes.make(
        width: 2, height: 1, bitDepth: 8, colourType: 4, scanlines: [[10, 255, 200, 0]],
        chunks: [("eXIf", Bytes.exifOrientation(8))]))
}) { bytes in
    guard bytes.starts(with: PNGBytes.signature) else { return false } // the JPEG and WebP harnesses take the rest
    Harness.run { _ = try ImageFile.decode(bytes, source: "input.png") }
    return true
}
