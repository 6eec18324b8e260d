// ImageFile.decode on JPEG input (TurboJPEG, our marker walk and EXIF parser, CMYK conversion).
import Foundation
import FuzzSupport
import Imaging

ImageFile.maximumPixels = Harness.maximumPixels
Harness.main(seeds: { directory in
    let picture = Image(width: 5, height: 3, samples: (0..<45).map { Float($0 * 5) })
    try ImageFile.write(picture, to: directory.appendingPathComponent("rgb.jpg").path, jpegQuality: 80)
    let jpeg = try directory.read("rgb.jpg")
    let exif = Array("Exif\0\0".utf8) + Bytes.exifOrientation(6)
    let app1: [UInt8] = [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif
    try directory.write("rgb-exif-right.jpg", Array(jpeg[..<2]) + app1 + Array(jpeg[2...]))
    // (scripts/fuzz.sh adds the CMYK and YCCK test fixtures.)
}) { bytes in
    guard bytes.starts(with: [0xFF, 0xD8, 0xFF]) else { return false }
    Harness.run { _ = try ImageFile.decode(bytes, source: "input.jpg") }
    return true
}
