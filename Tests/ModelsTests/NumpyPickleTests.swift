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
