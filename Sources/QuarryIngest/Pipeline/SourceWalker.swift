import Foundation
import QuarryCore
#if canImport(Glibc)
import Glibc
#endif

/// A file found for ingest: where it is and the document id it will get.
public struct SourceFile: Sendable, Equatable {
    /// The path to read.
    public var url: URL
    /// The document id: the path relative to the ingest root (NFC), or the file name for a
    /// file given directly.
    public var docID: String
    /// The ingest root it was found under (absolute), for `--prune`.
    public var root: String
    public var format: DocumentFormat?
    public var byteSize: Int
}

/// A file or directory left out, and why.
public struct SkippedSource: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String
    /// True when this counts as a failure (an unreadable or hostile file), false when it is
    /// simply not for ingest (an unsupported type, an excluded path).
    public var isFailure: Bool
}

/// Walks ingest paths and yields the files to read, applying the safety rules:
/// - symlinks are followed only when their target stays inside the ingest root;
/// - directory cycles (symlink loops, bind mounts) are cut by remembering (device, inode);
/// - FIFOs, sockets and devices are skipped, so nothing blocks on an endless read;
/// - files over `maxFileBytes` are skipped before being opened (JSONL corpora excepted:
///   they are streamed, with a limit per line instead);
/// - hidden entries (`.git`, `.DS_Store`) are skipped; `.quarryignore` at a root adds
///   exclude patterns, one per line, `#` for comments.
public struct SourceWalker: Sendable {
    public var include: [Glob]
    public var exclude: [Glob]
    public var maxFileBytes: Int

    public init(include: [Glob] = [], exclude: [Glob] = [], maxFileBytes: Int) {
        self.include = include
        self.exclude = exclude
        self.maxFileBytes = maxFileBytes
    }

    /// The files under `paths` in a stable order, and what was skipped.
    public func walk(_ paths: [String]) -> (files: [SourceFile], skipped: [SkippedSource]) {
        var files: [SourceFile] = []
        var skipped: [SkippedSource] = []
        for path in paths {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            var info = stat()
            guard stat(absolute, &info) == 0 else {
                skipped.append(.init(path: path, reason: String(cString: strerror(errno)), isFailure: true))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let root = realpath(absolute) ?? absolute
                walkDirectory(root: root, rootDisplay: absolute, files: &files, skipped: &skipped)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                // A file named explicitly is read even without a known extension (as text).
                let name = URL(fileURLWithPath: absolute).lastPathComponent
                if Int(info.st_size) > maxFileBytes, DocumentFormat(fileName: name) != .jsonl {
                    skipped.append(.init(path: path, reason: "larger than the \(maxFileBytes)-byte limit (\(info.st_size) bytes)", isFailure: true))
                    continue
                }
                files.append(SourceFile(url: URL(fileURLWithPath: absolute), docID: DocumentID.normalize(name), root: absolute,
                                        format: DocumentFormat(fileName: name) ?? .text, byteSize: Int(info.st_size)))
            } else {
                skipped.append(.init(path: path, reason: "not a regular file or directory", isFailure: true))
            }
        }
        return (files, skipped)
    }

    private func walkDirectory(root: String, rootDisplay: String, files: inout [SourceFile], skipped: inout [SkippedSource]) {
        var excludes = exclude
        let ignoreFile = root + "/.quarryignore"
        if let text = try? String(contentsOfFile: ignoreFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let pattern = line.trimmingCharacters(in: .whitespaces)
                guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
                if let glob = try? Glob(pattern) { excludes.append(glob) }
                else { skipped.append(.init(path: ignoreFile, reason: "bad pattern \(Printable.quoted(pattern)) ignored", isFailure: false)) }
            }
        }
        var visited = Set<[UInt64]>()
        var rootInfo = stat()
        if stat(root, &rootInfo) == 0 { visited.insert([UInt64(rootInfo.st_dev), UInt64(rootInfo.st_ino)]) }
        // Depth-first with an explicit stack; entries sorted so runs are reproducible.
        var stack: [(path: String, relative: String)] = [(root, "")]
        while let (directory, relativeDirectory) = stack.popLast() {
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            } catch {
                skipped.append(.init(path: displayPath(rootDisplay, relativeDirectory), reason: "cannot read directory (\(Self.reason(error)))", isFailure: true))
                continue
            }
            var subdirectories: [(String, String)] = []
            for name in entries {
                if name.hasPrefix(".") { continue }
                let path = directory + "/" + name
                let relative = relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name
                let display = displayPath(rootDisplay, relative)
                if excludes.contains(where: { $0.matches(relative) }) { continue }
                var info = stat()
                guard lstat(path, &info) == 0 else {
                    skipped.append(.init(path: display, reason: String(cString: strerror(errno)), isFailure: true))
                    continue
                }
                var target = path
                if (info.st_mode & S_IFMT) == S_IFLNK {
                    guard let resolved = realpath(path), resolved == root || resolved.hasPrefix(root + "/") else {
                        skipped.append(.init(path: display, reason: "symlink leads outside the ingest root; not followed", isFailure: true))
                        continue
                    }
                    target = resolved
                    guard stat(resolved, &info) == 0 else {
                        skipped.append(.init(path: display, reason: "broken symlink", isFailure: true))
                        continue
                    }
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    let key = [UInt64(info.st_dev), UInt64(info.st_ino)]
                    if visited.contains(key) {
                        skipped.append(.init(path: display, reason: "directory already visited (a cycle); not walked again", isFailure: false))
                        continue
                    }
                    visited.insert(key)
                    subdirectories.append((target, relative))
                case S_IFREG:
                    guard include.isEmpty || include.contains(where: { $0.matches(relative) }) else { continue }
                    guard let format = DocumentFormat(fileName: name) else {
                        if !include.isEmpty { files.append(file(target, relative, root, .text, info)) }
                        else { skipped.append(.init(path: display, reason: "unsupported file type", isFailure: false)) }
                        continue
                    }
                    if Int(info.st_size) > maxFileBytes, format != .jsonl {
                        skipped.append(.init(path: display, reason: "larger than the \(maxFileBytes)-byte limit (\(info.st_size) bytes)", isFailure: true))
                        continue
                    }
                    files.append(file(target, relative, root, format, info))
                default:
                    skipped.append(.init(path: display, reason: "not a regular file (FIFO, socket or device)", isFailure: true))
                }
            }
            // Push in reverse so the stack pops them in sorted order.
            for sub in subdirectories.reversed() { stack.append((path: sub.0, relative: sub.1)) }
        }
    }

    private func file(_ path: String, _ relative: String, _ root: String, _ format: DocumentFormat, _ info: stat) -> SourceFile {
        SourceFile(url: URL(fileURLWithPath: path), docID: DocumentID.normalize(relative), root: root, format: format, byteSize: Int(info.st_size))
    }

    private func displayPath(_ root: String, _ relative: String) -> String {
        relative.isEmpty ? root : root + "/" + relative
    }

    private func realpath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
