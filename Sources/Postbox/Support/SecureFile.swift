import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File operations for secrets and configuration: explicit modes, atomic replace, fsync.
public enum SecureFile {
    /// Writes `data` to `path` through a temporary file created with `mode`, fsyncs and renames it.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SecureFileError(path: temporary, operation: "create", errno: errno) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(temporary) }
        }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SecureFileError(path: temporary, operation: "write", errno: errno)
                }
                offset += n
            }
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            throw SecureFileError(path: temporary, operation: "sync", errno: errno)
        }
        guard rename(temporary, path) == 0 else { throw SecureFileError(path: path, operation: "rename", errno: errno) }
        ok = true
    }

    /// Creates a directory (and missing parents) and sets its mode to `mode`.
    public static func createPrivateDirectory(_ path: String, mode: mode_t = 0o700) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard chmod(path, mode) == 0 else { throw SecureFileError(path: path, operation: "chmod", errno: errno) }
    }
}

/// A file-system call failed.
public struct SecureFileError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}
