// TorchZipFile.read: the zip archive (StoredZipArchive, zip64 included), data.pkl and the storages.
import Foundation
import FuzzSupport
import Models

// scripts/fuzz.sh supplies the .pth test fixtures as seeds.
Harness.main(seeds: { _ in }) { bytes in
    Harness.run { _ = try TorchZipFile.read(bytes) }
    return true
}
