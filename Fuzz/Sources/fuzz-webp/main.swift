// ImageFile.decode on WebP input (libwebp's simple API).
import Foundation
import FuzzSupport
import Imaging

ImageFile.maximumPixels = Harness.maximumPixels
Harness.main(seeds: { directory in
    let picture = Image(width: 5, height: 3, samples: (0..<45).map { Float($0 * 5) })
    try ImageFile.write(picture, to: directory.appendingPathComponent("lossy.webp").path)
}) { bytes in
    guard bytes.starts(with: Array("RIFF".utf8)) else { return false }
    Harness.run { _ = try ImageFile.decode(bytes, source: "input.webp") }
    return true
}
