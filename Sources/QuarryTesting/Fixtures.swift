import Foundation

/// Locates the project and `../shared` from a test source file, so tests read the shared
/// corpora and fixtures wherever the checkout is.
public enum Fixtures {
    /// The package root: the first ancestor of `file` holding Package.swift.
    public static func packageRoot(file: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `../shared` beside the package (or `$QUARRY_SHARED`).
    public static func shared(file: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["QUARRY_SHARED"] { return URL(fileURLWithPath: override) }
        return packageRoot(file: file).deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The built `quarry` executable next to the test bundle (SwiftPM builds it for tests).
    public static func quarryExecutable(file: String = #filePath) -> URL {
        let root = packageRoot(file: file)
        for candidate in [".build/debug/quarry", ".build/release/quarry"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("quarry")
        return bundle
    }
}
