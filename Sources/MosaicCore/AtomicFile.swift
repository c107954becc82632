import Foundation

/// Writes files so that a reader never sees a half-written file: temp file in the same folder, then rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temp)
                throw MosaicError(file: path, "cannot move the finished file into place: \(reason)")
            }
        } catch let error as MosaicError {
            throw error
        } catch {
            throw MosaicError(
                file: path, "cannot write: \(error.localizedDescription)",
                fix: "check that the folder exists and is writable")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
