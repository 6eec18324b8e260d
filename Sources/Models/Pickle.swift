/// A value produced by the subset of Python's pickle protocol 2 that `torch.save` uses.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`, as its little-endian two's-complement bytes.
    case wideInt([UInt8])
    case string(String)
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([(PickleValue, PickleValue)])
    /// A `module.name` reference (a class or function).
    case global(String)
    /// An object reference resolved outside the pickle (torch's storages).
    case persistent(PickleValue)
    /// `callable(*arguments)`, left unevaluated for the caller to interpret.
    case reduce(PickleValue, PickleValue)
}

/// Why a weights file could not be read.
public struct WeightsFormatError: Error, CustomStringConvertible {
    /// What is wrong, in one line.
    public let description: String
    /// Describes a problem with a weights file.
    public init(_ description: String) { self.description = description }
}

/// Reads one pickle from a byte stream, accepting only the opcodes `torch.save`'s legacy
/// format needs and rejecting everything else by name.
struct PickleReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
    }

    /// Decodes the next pickle and moves past its STOP opcode.
    mutating func next() throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func pop() throws -> PickleValue {
            guard let value = stack.popLast() else { throw WeightsFormatError("pickle stack underflow at byte \(position)") }
            return value
        }
        func popToMark() throws -> [PickleValue] {
            guard let mark = marks.popLast() else { throw WeightsFormatError("pickle MARK missing at byte \(position)") }
            defer { stack.removeSubrange(mark...) }
            return Array(stack[mark...])
        }

        while true {
            let opcode = try byte()
            switch opcode {
            case 0x80: _ = try byte() // PROTO
            case 0x2E: return try pop() // STOP
            case 0x28: marks.append(stack.count) // MARK
            case 0x4E: stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4B: stack.append(.int(Int(try byte()))) // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2)))) // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4))))) // BININT
            case 0x8A: // LONG1
                let length = Int(try byte())
                guard length <= 8 else { stack.append(.wideInt(Array(try take(length)))); continue }
                let raw = try littleEndian(length)
                let shift = UInt64(64 - 8 * length)
                stack.append(.int(length == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
            case 0x58: // BINUNICODE
                let length = Int(try littleEndian(4))
                stack.append(.string(String(decoding: try take(length), as: UTF8.self)))
            case 0x63: // GLOBAL
                stack.append(.global(try line() + "." + line()))
            case 0x7D: stack.append(.dict([]))
            case 0x5D: stack.append(.list([]))
            case 0x29: stack.append(.tuple([]))
            case 0x74: stack.append(.tuple(try popToMark()))
            case 0x85: stack.append(.tuple([try pop()]))
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))
            case 0x71: memo[Int(try byte())] = stack.last // BINPUT
            case 0x72: memo[Int(try littleEndian(4))] = stack.last // LONG_BINPUT
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let key = Int(opcode == 0x68 ? UInt64(try byte()) : try littleEndian(4))
                guard let value = memo[key] else { throw WeightsFormatError("pickle memo \(key) is empty") }
                stack.append(value)
            case 0x51: stack.append(.persistent(try pop())) // BINPERSID
            case 0x52: let arguments = try pop(), callable = try pop(); stack.append(.reduce(callable, arguments))
            case 0x73, 0x75: // SETITEM, SETITEMS
                let items = opcode == 0x73 ? [try pop(), try pop()].reversed() : try popToMark()
                guard items.count % 2 == 0, case .dict(var pairs) = try pop() else {
                    throw WeightsFormatError("pickle SETITEMS without a dict at byte \(position)")
                }
                for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
                stack.append(.dict(pairs))
            case 0x61, 0x65: // APPEND, APPENDS
                let items = opcode == 0x61 ? [try pop()] : try popToMark()
                guard case .list(let list) = try pop() else {
                    throw WeightsFormatError("pickle APPENDS without a list at byte \(position)")
                }
                stack.append(.list(list + items))
            default:
                throw WeightsFormatError("unsupported pickle opcode 0x\(String(opcode, radix: 16)) at byte \(position - 1)")
            }
        }
    }

    /// `count` raw bytes.
    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, position + count <= bytes.count else {
            throw WeightsFormatError("file ends early: wanted \(count) bytes at \(position) of \(bytes.count)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// An unsigned little-endian integer of `count` bytes.
    mutating func littleEndian(_ count: Int) throws -> UInt64 {
        try take(count).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw WeightsFormatError("unterminated pickle GLOBAL") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }
}
