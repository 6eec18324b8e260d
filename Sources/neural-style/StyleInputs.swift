import Foundation
import Imaging
import NeuralStyle

/// Reading the style pictures and region masks named on the command line.
enum StyleInputs {
    /// The pictures of a comma-separated list of files and directories (every PNG/JPEG/WebP in a
    /// directory, by name).
    static func read(_ list: String) throws -> [Image] {
        var paths: [String] = []
        for item in list.split(separator: ",").map(String.init) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: item, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: item).sorted()
                    .filter(ImageFile.hasImageExtension)
                guard !names.isEmpty else { throw StyleTransferError.badOption("no PNG, JPEG or WebP pictures in \(item)") }
                paths += names.map { URL(fileURLWithPath: item).appendingPathComponent($0).path }
            } else {
                paths.append(item)
            }
        }
        return try paths.map(ImageFile.read)
    }

    /// One mask per style: the listed black/white files, or the regions of one colour-coded
    /// file whose colours `colors` gives in style order.
    static func masks(_ list: String, colors: String?, styleCount: Int) throws -> [Image] {
        let files = try list.split(separator: ",").map { try ImageFile.read(String($0)) }
        guard let colors else {
            guard files.count == styleCount else {
                throw StyleTransferError.badOption("\(files.count) masks for \(styleCount) style images; give one "
                                                   + "each, or one colour-coded mask with --mask-colors")
            }
            return files
        }
        guard files.count == 1 else { throw StyleTransferError.badOption("--mask-colors needs exactly one mask file") }
        let palette = try colors.split(separator: ",").map { try RegionMasks.color(hex: String($0)) }
        guard palette.count == styleCount else {
            throw StyleTransferError.badOption("\(palette.count) mask colours for \(styleCount) style images")
        }
        return RegionMasks.split(files[0], colors: palette)
    }
}
