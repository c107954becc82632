import Foundation
import MosaicCore

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func dataPath(_ name: String) -> String { repositoryRoot + "/data/nb/" + name }

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mosaic-tests-\(getpid())")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Runs `body` and returns the MosaicError it throws (fails the caller if it throws nothing).
func mosaicError(_ body: () throws -> Void) -> MosaicError? {
    do { try body() } catch let error as MosaicError { return error } catch { return nil }
    return nil
}
