// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses for every reader of outside bytes, kept out of the main package so that
// `swift build`, `swift test` and `make` there never compile them. Build and run them with
// scripts/fuzz.sh, which passes `-sanitize=fuzzer,address` to every target (ours included).
let harnesses = ["png", "jpeg", "webp", "safetensors", "style-model", "training-checkpoint", "checkpoint",
                 "onnx", "protobuf", "tensor-program", "torch-legacy", "torch-zip", "numpy-pickle"]

let package = Package(
    name: "neural-style-fuzz",
    dependencies: [.package(name: "swift-neural-style", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport",
                dependencies: ["CLibFuzzer", .product(name: "NeuralStyle", package: "swift-neural-style")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-" + name, dependencies: ["FuzzSupport"], path: "Sources/fuzz-" + name,
                          swiftSettings: [.swiftLanguageMode(.v5)])
    }
)
