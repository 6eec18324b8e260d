import Foundation
@testable import Models
import XCTest

/// Pickles of numpy arrays as numpy writes them (scripts/pytorch/numpy_pickle_fixture.py).
final class NumpyPickleTests: XCTestCase {
    func testReadsNestedDictsOfArraysExactly() throws {
        let arrays = try NumpyPickle.arrays(in: try fixtureBytes("numpy-pickle", "arrays.pkl"))
        let json = try fixtureBytes("numpy-pickle", "arrays.json")
        let expected = try JSONDecoder().decode(ExpectedArrays.self, from: Data(json))
        XCTAssertEqual(Set(arrays.keys), ["Net_0/Conv_0/kernel", "Net_0/Conv_0/bias", "scale"])
        for (name, array) in expected.arrays {
            XCTAssertEqual(arrays[name], NamedArray(shape: array.shape, values: array.values.map(Float.init)), name)
        }
    }

    /// A 1.5 KB pickle whose dict n holds dict n − 1 twice (through the memo) kept the reader
    /// walking 2⁴⁰ entries: it hung the numpy-pickle fuzz harness until its timeout.
    func testDictsSharedThroughTheMemoCannotMultiplyTheWork() {
        func unicode(_ s: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
        func memo(_ opcode: UInt8, _ key: Int) -> [UInt8] { [opcode] + withUnsafeBytes(of: UInt32(key).littleEndian, Array.init) }
        var pickle: [UInt8] = [0x80, 0x03, 0x7D, 0x28] + unicode("l0") + [0x7D] + memo(0x72, 0) // LONG_BINPUT
        for level in 1..<40 {
            pickle += unicode("l\(level)") + [0x7D, 0x28] + unicode("a") + memo(0x6A, level - 1) // LONG_BINGET
            pickle += unicode("b") + memo(0x6A, level - 1) + [0x75] + memo(0x72, level)
        }
        pickle += [0x75, 0x2E]
        let start = Date()
        assertRefuses("the pickle's dicts refer to each other more often than a file of its size can hold") {
            try NumpyPickle.arrays(in: pickle)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testRefusesOtherDtypesLayoutsGlobalsAndDamage() throws {
        assertRefuses("'w' has dtype <f8; only little-endian float32") {
            try NumpyPickle.arrays(in: try fixtureBytes("numpy-pickle", "float64.pkl"))
        }
        assertRefuses("'w' has dtype >f4") { try NumpyPickle.arrays(in: try fixtureBytes("numpy-pickle", "big_endian.pkl")) }
        assertRefuses("'w' is stored in Fortran order") {
            try NumpyPickle.arrays(in: try fixtureBytes("numpy-pickle", "fortran.pkl"))
        }
        assertRefuses("refused pickle global os.system at byte 9") {
            try NumpyPickle.arrays(in: try fixtureBytes("numpy-pickle", "foreign_global.pkl"))
        }
        let good = try fixtureBytes("numpy-pickle", "arrays.pkl")
        assertRefuses("file ends early") { try NumpyPickle.arrays(in: Array(good.dropLast(60))) }
        assertRefuses("unsupported pickle opcode 0x95 (FRAME) at byte 2") {
            try NumpyPickle.arrays(in: [0x80, 0x03, 0x95] + pseudoRandomBytes(64))
        }
        assertRefuses("", { try NumpyPickle.arrays(in: pseudoRandomBytes(4096)) }) // whatever it meets first
        assertRefuses("does not hold a dict of numpy arrays") { try NumpyPickle.arrays(in: [0x80, 0x03, 0x4E, 0x2E]) }
    }
}
