import Foundation

/// What a run was made of, written into its checkpoints so that a resume with other inputs or
/// options is refused, naming what differs. A fingerprint is `key: value` parts joined by "; ";
/// pictures appear as their size and SHA-256.
enum RunFingerprint {
    /// One `key: value` part per stored property of `options` except `ignoring` (the step
    /// counts, which a resume may raise), values as compact JSON, keys sorted.
    static func parts<Options: Encodable>(of options: Options, ignoring: Set<String>) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(options),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [] }
        return object.keys.sorted().filter { !ignoring.contains($0) }.map { key in
            let value = (try? JSONSerialization.data(withJSONObject: object[key]!, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "?"
            return "\(key): \(value)"
        }
    }

    /// What differs between two fingerprints, naming each input or option: e.g.
    /// `content picture (2x2 sha256 1a2b3c4d5e6f… there, 2x2 sha256 9f8e7d6c5b4a… here)`.
    static func differences(saved: String, current: String) -> [String] {
        func entries(_ fingerprint: String) -> [(key: String, value: String)] {
            fingerprint.components(separatedBy: "; ").map { part in
                guard let colon = part.range(of: ": ") else { return (part, "") }
                // Digests shortened to 12 digits: enough to tell two pictures apart in a message.
                let value = part[colon.upperBound...].replacingOccurrences(
                    of: "([0-9a-f]{12})[0-9a-f]{52}", with: "$1…", options: .regularExpression)
                return (String(part[..<colon.lowerBound]), value)
            }
        }
        let there = entries(saved), here = entries(current)
        var result: [String] = []
        for (key, value) in here {
            let old = there.first { $0.key == key }?.value
            if old != value { result.append("\(key) (\(old ?? "absent") there, \(value) here)") }
        }
        for (key, value) in there where !here.contains(where: { $0.key == key }) {
            result.append("\(key) (\(value) there, absent here)")
        }
        return result
    }
}
