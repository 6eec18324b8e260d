/// A value produced by the subset of Python's pickle protocols 2 and 3 that `torch.save`
/// and numpy use. Nothing is ever called: globals, reductions and builds stay descriptions
/// for the caller to interpret.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`, as its little-endian two's-complement bytes.
    case wideInt([UInt8])
    case string(String)
    /// A Python `bytes` object.
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// A dict (or `collections.OrderedDict`) in insertion order.
    case dict([(PickleValue, PickleValue)])
    /// A `module.name` reference (a class or function).
    case global(String)
    /// An object reference resolved outside the pickle (torch's storages).
    case persistent(PickleValue)
    /// `callable(*arguments)`.
    case reduce(PickleValue, PickleValue)
    /// `object.__setstate__(state)`.
    case build(PickleValue, PickleValue)
}

/// Reads one pickle at a time from a byte stream, accepting only the opcodes that
/// `torch.save` and numpy's array pickles need and refusing every other one by name.
struct PickleReader {
    private let bytes: [UInt8]
    private let acceptedGlobals: Set<String>?
    private(set) var position: Int

    /// A reader of `bytes`; with `acceptedGlobals`, any other GLOBAL is refused where it appears.
    init(_ bytes: [UInt8], acceptedGlobals: Set<String>? = nil) {
        self.bytes = bytes
        self.acceptedGlobals = acceptedGlobals
        position = 0
    }

    /// A stack entry and the memo keys it was stored under.
    private struct Slot {
        var value: PickleValue
        var memoKeys: [Int] = []
    }

    /// Decodes the next pickle and moves past its STOP opcode.
    mutating func next() throws -> PickleValue {
        var stack: [Slot] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func push(_ value: PickleValue) { stack.append(Slot(value: value)) }
        func pop() throws -> PickleValue {
            guard let slot = stack.popLast() else { throw WeightsFormatError("pickle stack underflow at byte \(position)") }
            return slot.value
        }
        func popToMark() throws -> [PickleValue] {
            guard let mark = marks.popLast(), mark <= stack.count else {
                throw WeightsFormatError("pickle MARK missing at byte \(position)")
            }
            defer { stack.removeSubrange(mark...) }
            return stack[mark...].map(\.value)
        }
        func top() throws -> PickleValue {
            guard let slot = stack.last else { throw WeightsFormatError("pickle stack underflow at byte \(position)") }
            return slot.value
        }
        // Python mutates one shared object; our values are copies, so the memo's copies follow.
        // (Pickles fill a container right after creating it, before anything else refers to it.)
        func replaceTop(_ value: PickleValue) {
            stack[stack.count - 1].value = value
            for key in stack[stack.count - 1].memoKeys { memo[key] = value }
        }
        func put(_ key: Int) throws {
            guard !stack.isEmpty else { throw WeightsFormatError("pickle stack underflow at byte \(position)") }
            memo[key] = stack[stack.count - 1].value
            stack[stack.count - 1].memoKeys.append(key)
        }

        while true {
            let opcodePosition = position
            let opcode = try byte()
            switch opcode {
            case 0x80: _ = try byte() // PROTO
            case 0x2E: // STOP
                guard stack.count == 1 else {
                    throw WeightsFormatError("malformed pickle: \(stack.count) values left at its end (byte \(position))")
                }
                return try pop()
            case 0x28: marks.append(stack.count) // MARK
            case 0x4E: push(.none)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case 0x4B: push(.int(Int(try byte()))) // BININT1
            case 0x4D: push(.int(Int(try littleEndian(2)))) // BININT2
            case 0x4A: push(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4))))) // BININT
            case 0x8A: // LONG1
                let length = Int(try byte())
                guard length <= 8 else { push(.wideInt(Array(try take(length)))); continue }
                let raw = try littleEndian(length)
                let shift = UInt64(64 - 8 * length)
                push(.int(length == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
            case 0x58: // BINUNICODE
                let length = Int(try littleEndian(4))
                push(.string(String(decoding: try take(length), as: UTF8.self)))
            case 0x43: push(.bytes(Array(try take(Int(try byte()))))) // SHORT_BINBYTES
            case 0x42: push(.bytes(Array(try take(Int(try littleEndian(4)))))) // BINBYTES
            case 0x63: // GLOBAL
                let name = try line() + "." + line()
                if let acceptedGlobals, !acceptedGlobals.contains(name) {
                    throw WeightsFormatError("refused pickle global \(name) at byte \(opcodePosition) (accepted: "
                                             + acceptedGlobals.sorted().joined(separator: ", ") + ")")
                }
                push(.global(name))
            case 0x7D: push(.dict([]))
            case 0x5D: push(.list([]))
            case 0x29: push(.tuple([]))
            case 0x74: push(.tuple(try popToMark()))
            case 0x85: push(.tuple([try pop()]))
            case 0x86: let b = try pop(), a = try pop(); push(.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); push(.tuple([a, b, c]))
            case 0x71: try put(Int(try byte())) // BINPUT
            case 0x72: try put(Int(try littleEndian(4))) // LONG_BINPUT
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let key = Int(opcode == 0x68 ? UInt64(try byte()) : try littleEndian(4))
                guard let value = memo[key] else { throw WeightsFormatError("pickle memo \(key) is empty") }
                stack.append(Slot(value: value, memoKeys: [key]))
            case 0x51: push(.persistent(try pop())) // BINPERSID
            case 0x52: // REDUCE
                let arguments = try pop(), callable = try pop()
                // An OrderedDict is a dict whose order we keep anyway; SETITEMS then fills it.
                if case .global("collections.OrderedDict") = callable, case .tuple(let items) = arguments, items.isEmpty {
                    push(.dict([]))
                } else {
                    push(.reduce(callable, arguments))
                }
            case 0x62: // BUILD
                let state = try pop()
                replaceTop(.build(try top(), state))
            case 0x73, 0x75: // SETITEM, SETITEMS
                let items = opcode == 0x73 ? [try pop(), try pop()].reversed() : try popToMark()
                guard items.count % 2 == 0, case .dict(var pairs) = try top() else {
                    throw WeightsFormatError("pickle SETITEMS without a dict at byte \(position)")
                }
                for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
                replaceTop(.dict(pairs))
            case 0x61, 0x65: // APPEND, APPENDS
                let items = opcode == 0x61 ? [try pop()] : try popToMark()
                guard case .list(let list) = try top() else {
                    throw WeightsFormatError("pickle APPENDS without a list at byte \(position)")
                }
                replaceTop(.list(list + items))
            default:
                let name = PickleOpcode.name(opcode).map { " (\($0))" } ?? ""
                throw WeightsFormatError("unsupported pickle opcode 0x\(String(opcode, radix: 16))\(name) "
                                         + "at byte \(opcodePosition)")
            }
        }
    }

    /// `count` raw bytes.
    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
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
