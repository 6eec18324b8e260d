// swift-tools-version:6.0
import PackageDescription

// The engine and its shims use language mode 5: C pointers crossing closures make
// Swift 6's strict Sendable checking noisy without making the single-stream code safer.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "swift-neural-style",
    products: [
        .library(name: "NeuralStyle", targets: ["NeuralStyle"]),
        .executable(name: "neural-style", targets: ["neural-style"]),
        .executable(name: "neural-style-server", targets: ["neural-style-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CImageCodecs", path: "Sources/CImageCodecs"),
        .target(name: "CWinograd"),
        .target(name: "CNarrowConvolution"),
        .target(name: "CKernels"),
        .target(name: "Tensor", swiftSettings: swift5),
        .target(name: "TensorCPU", dependencies: ["Tensor", "CDNNL", "CWinograd", "CNarrowConvolution", "CKernels"], swiftSettings: swift5),
        // NVIDIA's libraries are opened at run time: nothing of CUDA is needed to build or to run on the CPU.
        .target(name: "TensorCUDA", dependencies: ["Tensor"], swiftSettings: swift5),
        .target(name: "Imaging", dependencies: ["CImageCodecs"], swiftSettings: swift5),
        .target(name: "Models", dependencies: ["Tensor"], swiftSettings: swift5),
        .target(name: "NeuralStyle",
                dependencies: ["Tensor", "TensorCPU", "TensorCUDA", "Imaging", "Models"], swiftSettings: swift5),
        .executableTarget(name: "neural-style",
                          dependencies: ["NeuralStyle",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: swift5),
        .executableTarget(name: "neural-style-bench",
                          dependencies: ["NeuralStyle", "Tensor", "TensorCPU", "Models", "Imaging",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: swift5),
        // The web app (`neural-style serve`), its own executable so that the CLI builds without a web server.
        .target(name: "NeuralStyleServer",
                dependencies: ["Models", "Imaging", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: swift5),
        .executableTarget(name: "neural-style-server",
                          dependencies: ["NeuralStyleServer",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: swift5),
        .target(name: "TensorTestSupport", dependencies: ["Tensor", "TensorCPU"], path: "Tests/TensorTestSupport",
                swiftSettings: swift5),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TensorCPU", "TensorTestSupport"], swiftSettings: swift5),
        .testTarget(name: "TensorCUDATests", dependencies: ["TensorCUDA", "Tensor"], swiftSettings: swift5),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")], swiftSettings: swift5),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "TensorCPU"],
                    resources: [.copy("Fixtures")], swiftSettings: swift5),
        .testTarget(name: "NeuralStyleTests", dependencies: ["NeuralStyle", "Tensor", "Models", "Imaging", "TensorTestSupport"],
                    swiftSettings: swift5),
        .testTarget(name: "CommandLineTests", dependencies: ["neural-style"], swiftSettings: swift5),
        .testTarget(name: "ServerTests",
                    dependencies: ["NeuralStyleServer", "neural-style",
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: swift5),
    ]
)
