import CStemmer
import Foundation

/// A Snowball stemmer from the system libstemmer (`libstemmer-dev` 2.2.0), for one language.
///
/// libstemmer's stemmer objects keep per-call state, so each is used by one thread at a
/// time: `stem(_:)` borrows one from a small pool (creating it on first use) and returns it,
/// which makes the value `Sendable` and cheap to copy.
public struct SnowballStemmer: Sendable {
    /// The libstemmer algorithm name ("german", "spanish", ...).
    public let algorithm: String
    private let pool: StemmerPool

    /// The stemmer for `algorithm`, or nil when libstemmer has none by that name.
    public init?(algorithm: String) {
        guard let pool = StemmerPool.shared(algorithm) else { return nil }
        self.algorithm = algorithm
        self.pool = pool
    }

    /// The algorithms the linked libstemmer provides.
    public static var algorithms: [String] {
        var names: [String] = []
        guard var list = quarry_stemmer_algorithms() else { return names }
        while let name = list.pointee {
            names.append(String(cString: name))
            list += 1
        }
        return names
    }

    /// The stem of one (already case-folded) word.
    public func stem(_ word: String) -> String {
        stem([word])[0]
    }

    /// The stems of `words`, in order, with one borrowed stemmer.
    public func stem(_ words: [String]) -> [String] {
        pool.withStemmer { stemmer in
            words.map { word in
                var word = word
                return word.withUTF8 { bytes -> String in
                    var length: Int32 = 0
                    guard let base = bytes.baseAddress, let out = quarry_stemmer_stem(stemmer, base, Int32(bytes.count), &length) else {
                        return String(decoding: bytes, as: UTF8.self)
                    }
                    return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
                }
            }
        }
    }
}

/// The idle libstemmer objects of one algorithm; one pool per algorithm for the process.
final class StemmerPool: @unchecked Sendable {
    let algorithm: String
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []

    private init(algorithm: String) {
        self.algorithm = algorithm
    }

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: StemmerPool] = [:]

    /// The pool for `algorithm`, or nil when libstemmer does not know it.
    static func shared(_ algorithm: String) -> StemmerPool? {
        registryLock.lock()
        defer { registryLock.unlock() }
        if let pool = registry[algorithm] { return pool }
        guard let probe = quarry_stemmer_new(algorithm) else { return nil }
        let pool = StemmerPool(algorithm: algorithm)
        pool.idle.append(probe)
        registry[algorithm] = pool
        return pool
    }

    func withStemmer<T>(_ body: (OpaquePointer) -> T) -> T {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        // A pool's algorithm was accepted once, so creation only fails when out of memory.
        guard let stemmer = borrowed ?? quarry_stemmer_new(algorithm) else { fatalError("libstemmer could not allocate a '\(algorithm)' stemmer") }
        let result = body(stemmer)
        lock.lock()
        idle.append(stemmer)
        lock.unlock()
        return result
    }
}
