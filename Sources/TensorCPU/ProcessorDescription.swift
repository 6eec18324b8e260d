import Foundation

extension CPUBackend {
    /// This CPU in one line: its model, the threads the backend uses and the instruction sets
    /// its kernels look for, e.g. "AMD EPYC, 2 threads, AVX2 + FMA (no AVX-512, no AMX)".
    public static var processorDescription: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            info.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let features = [("AVX2 + FMA", flags.contains("avx2") && flags.contains("fma")),
                        ("AVX-512", flags.contains("avx512f")), ("AMX", flags.contains("amx_tile"))]
        let present = features.filter(\.1).map(\.0), absent = features.filter { !$0.1 }.map { "no " + $0.0 }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let sets = info.isEmpty ? "" : ", " + (present.isEmpty ? "baseline instructions" : present.joined(separator: ", "))
            + (absent.isEmpty ? "" : " (\(absent.joined(separator: ", ")))")
        return "\(field("model name") ?? "unknown model"), \(threads) thread\(threads == 1 ? "" : "s")\(sets)"
    }
}
