import Crypto
import Foundation

/// SHA-256 of `data` as lowercase hex: potential-file content hashes and data-file provenance.
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
