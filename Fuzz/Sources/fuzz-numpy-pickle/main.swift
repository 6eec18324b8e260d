// NumpyPickle.arrays: a protocol-3 pickle of nested dicts of numpy arrays.
import Foundation
import FuzzSupport
import Models

// scripts/fuzz.sh supplies the .pkl test fixtures as seeds.
Harness.main(seeds: { _ in }) { bytes in
    Harness.run { _ = try NumpyPickle.arrays(in: bytes) }
    return true
}
