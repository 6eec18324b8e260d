import Foundation

/// What a client asks for in `POST /api/jobs` (see the OpenAPI document for each field).
struct JobRequest: Decodable {
    var method: String
    var content: String
    var model: String?
    var styleIndex: Int?
    var styleMix: String?
    var style: String?
    var strength: Double?
    var alpha: Double?
    var preserveColors: Bool?
    var size: Int?
    var iterations: Int?
    var styleWeight: Double?
    var contentWeight: Double?
    var previewEvery: Int?
}

/// A checked job: the `neural-style` command line that does it and what it needs.
struct JobPlan: Sendable {
    /// `stylize` or `gatys`.
    let method: String
    /// The arguments after the tool's name, with `{DIR}` standing for the job's own folder.
    let arguments: [String]
    /// Uploads the job reads (kept until it ends).
    let uploads: [String]
    /// Gatys: iterations in all, and the preview period (0 for stylize).
    let iterations: Int, previewEvery: Int
    /// Memory it is expected to take while it runs, in bytes.
    let estimatedBytes: Int

    /// Defaults the page shows for Gatys (the CLI's, but a smaller picture and fewer iterations).
    static let gatysDefaults = ["size": 512, "iterations": 300, "styleWeight": 100, "contentWeight": 5, "previewEvery": 10]

    /// Checks `request` against the catalog and the uploads; every refusal is an `APIError` naming the field.
    static func make(_ request: JobRequest, catalog: ModelCatalog, uploads: UploadStore) async throws -> JobPlan {
        let content = try await uploads.upload(try identifier(request.content, field: "content"), field: "content")
        var arguments: [String]
        var used = [content.id]
        let size = request.size ?? 0
        guard (0...8192).contains(size) else { throw APIError(.badRequest, "size must be between 0 and 8192") }
        let side = size > 0 ? size : max(content.width, content.height)
        let pixels = Double(side * side) * Double(min(content.width, content.height)) / Double(max(content.width, content.height))
        switch request.method {
        case "stylize":
            guard let name = request.model else { throw APIError(.badRequest, "model is required for stylize") }
            guard let model = catalog.model(named: name) else { throw APIError(.notFound, "no model called \(name)") }
            arguments = ["stylize", "--model", model.path, "--input", content.path, "--output", "{DIR}/result.png"]
            if size > 0 { arguments += ["--size", String(size)] }
            if model.takesStyleImage {
                guard let style = request.style else { throw APIError(.badRequest, "style (an upload) is required for \(name)") }
                let painting = try await uploads.upload(try identifier(style, field: "style"), field: "style")
                used.append(painting.id)
                arguments += ["--style-image", painting.path]
                if let strength = request.strength ?? request.alpha {
                    guard (0...1).contains(strength) else { throw APIError(.badRequest, "strength/alpha must be between 0 and 1") }
                    arguments += ["--strength", String(strength)]
                }
            } else {
                if let index = request.styleIndex {
                    guard model.styles.indices.contains(index) else {
                        throw APIError(.badRequest, "styleIndex \(index) is out of range: \(name) has \(model.styles.count) styles")
                    }
                    arguments += ["--style-index", String(index)]
                }
                if let mix = request.styleMix {
                    guard request.styleIndex == nil else { throw APIError(.badRequest, "give styleIndex or styleMix, not both") }
                    guard mix.range(of: #"^[0-9]+:[0-9.eE+-]+(,[0-9]+:[0-9.eE+-]+)*$"#, options: .regularExpression) != nil else {
                        throw APIError(.badRequest, "styleMix must look like 3:0.5,12:0.5")
                    }
                    arguments += ["--style-mix", mix]
                }
            }
            if request.preserveColors == true { arguments += ["--preserve-colors", "luminance-swap"] }
            return JobPlan(method: "stylize", arguments: arguments, uploads: used, iterations: 0, previewEvery: 0,
                           estimatedBytes: Int(200e6 + 1500 * pixels))
        case "gatys":
            guard let style = request.style else { throw APIError(.badRequest, "style (an upload) is required for gatys") }
            let painting = try await uploads.upload(try identifier(style, field: "style"), field: "style")
            used.append(painting.id)
            let iterations = request.iterations ?? gatysDefaults["iterations"]!
            let previewEvery = request.previewEvery ?? gatysDefaults["previewEvery"]!
            guard (1...10000).contains(iterations) else { throw APIError(.badRequest, "iterations must be between 1 and 10000") }
            guard (0...10000).contains(previewEvery) else { throw APIError(.badRequest, "previewEvery must be between 0 and 10000") }
            let gatysSide = size > 0 ? size : gatysDefaults["size"]!
            arguments = ["transfer", "--content", content.path, "--style", painting.path, "--output", "{DIR}/result.png",
                         "--size", String(gatysSide), "--iterations", String(iterations), "--print-every", "0",
                         "--log", "{DIR}/log.jsonl"]
            if previewEvery > 0 { arguments += ["--save-every", String(previewEvery)] }
            for (field, value, option) in [("styleWeight", request.styleWeight, "--style-weight"),
                                           ("contentWeight", request.contentWeight, "--content-weight")] {
                guard let value else { continue }
                guard value.isFinite, value >= 0 else { throw APIError(.badRequest, "\(field) must be a finite number ≥ 0") }
                arguments += [option, String(value)]
            }
            if request.preserveColors == true { arguments += ["--preserve-colors", "luminance-swap"] }
            let gatysPixels = pixels * Double(gatysSide * gatysSide) / Double(side * side)
            return JobPlan(method: "gatys", arguments: arguments, uploads: used, iterations: iterations,
                           previewEvery: previewEvery, estimatedBytes: Int(300e6 + 2500 * gatysPixels))
        default:
            throw APIError(.badRequest, "method must be stylize or gatys")
        }
    }

    /// `text` if it has the form of an upload id, else a 404 naming `field`.
    private static func identifier(_ text: String, field: String) throws -> String {
        guard RandomIdentifier.isValid(text) else { throw APIError(.notFound, "no upload \(text) (\(field))") }
        return text
    }
}
