import Crypto
import QuarryCore
import Foundation

/// The on-disk format of an HNSW index, `vectors.<generation>.hnsw`, version 1.
///
/// ```
/// header      256 bytes  magic "QHNSWIDX", version, metric, dimension, M, M0,
///                        efConstruction, ef, max level, entry point, node / live / upper-
///                        link-word counts, generation, seed and level-generator state,
///                        filter and compaction knobs, section offsets, embedder id (≤ 64
///                        bytes UTF-8, NUL-padded)
/// ids         N × Int64 caller ids, by node
/// vectors     N × dimension × Float32, contiguous (normalised for cosine)
/// links0      N × (1 + M0) × UInt32: count, then neighbours (unused slots zero)
/// upper       for each node of level L > 0, in node order: L × (1 + M) × UInt32
/// levels      N × UInt8
/// tombstones  N × UInt8 (1 = deleted), then zero padding to 8 bytes
/// footer      SHA-256 of everything before it, then "QHNSWEND"
/// ```
/// All integers little-endian (this build runs on little-endian hosts only). A file is
/// immutable once written. Loading verifies the checksum, then every count, offset, level
/// and link against the header before a search can touch it, so a damaged or crafted file
/// is refused with `IndexError.corrupt`, never half-used and never a crash.
public enum HNSWFile {
    static let magic = Array("QHNSWIDX".utf8)
    static let endMagic = Array("QHNSWEND".utf8)
    /// The format version this build writes and the newest it reads.
    public static let version: UInt32 = 1
    static let headerSize = 256
    static let footerSize = 40
    /// Where each header field sits, in bytes from the start of the file: the one place the
    /// layout is written down, used by both `encode` and `parseHeader`.
    enum Field {
        static let version = 8 // UInt32
        static let metric = 12 // UInt32 (VectorMetric.fileCode)
        static let dimension = 16 // UInt32
        static let connectivity = 20 // UInt32, M
        static let connectivity0 = 24 // UInt32, M0 = 2M
        static let expansionAdd = 28 // UInt32
        static let expansionSearch = 32 // UInt32
        static let maxLevel = 36 // Int32
        static let entryPoint = 40 // UInt32
        static let nodeCount = 48 // UInt64
        static let liveCount = 56 // UInt64
        static let upperLinkWords = 64 // UInt64
        static let generation = 72 // UInt64
        static let seed = 80 // UInt64
        static let rngState = 88 // UInt64
        static let exactFilterFraction = 96 // Float64
        static let exactFilterScale = 104 // Float64
        static let filteredExpansionFactor = 112 // Float64
        static let compactionThreshold = 120 // Float64, 0 = none
        static let sectionOffsets = 128 // 7 × UInt64: ids, vectors, links0, upper, levels, tombstones, footer
    }

    /// The longest embedder id a header holds, in UTF-8 bytes.
    public static let maxEmbedderIDLength = 64
    static let embedderIDOffset = 192

    /// The self-description of a file, readable without loading the body.
    public struct Header: Sendable, Equatable {
        public var version: UInt32
        public var metric: VectorMetric
        public var dimension: Int
        /// The knobs the index was built with (`connectivity`, `expansionAdd`) and searches
        /// with by default.
        public var configuration: HNSWIndex.Configuration
        /// Nodes in the graph, tombstones included.
        public var nodeCount: Int
        /// Live (searchable) vectors.
        public var liveCount: Int
        /// The top layer (−1 for an empty graph).
        public var maxLevel: Int
        public var generation: UInt64
        /// Which embedder produced the vectors (compared on load when asked).
        public var embedderID: String
        var connectivity0: Int
        var entryPoint: UInt32
        var rngState: UInt64
        var upperLinkWords: Int
        var layout: Layout
    }

    /// Section offsets, all derived from the counts (and checked against them).
    struct Layout: Sendable, Equatable {
        var ids = 0, vectors = 0, links0 = 0, upper = 0, levels = 0, tombstones = 0, footer = 0

        /// The layout for these counts, or nil when a size overflows.
        init?(nodeCount: Int, dimension: Int, stride0: Int, upperLinkWords: Int) {
            func product(_ values: Int...) -> Int? {
                var result = 1
                for value in values {
                    let (p, overflow) = result.multipliedReportingOverflow(by: value)
                    if overflow || value < 0 { return nil }
                    result = p
                }
                return result
            }
            func sum(_ a: Int, _ b: Int?) -> Int? {
                guard let b else { return nil }
                let (s, overflow) = a.addingReportingOverflow(b)
                return overflow ? nil : s
            }
            ids = HNSWFile.headerSize
            guard let v = sum(ids, product(nodeCount, 8)), let l0 = sum(v, product(nodeCount, dimension, 4)),
                  let up = sum(l0, product(nodeCount, stride0, 4)), let lv = sum(up, product(upperLinkWords, 4)),
                  let tb = sum(lv, nodeCount), let end = sum(tb, nodeCount) else { return nil }
            vectors = v
            links0 = l0
            upper = up
            levels = lv
            tombstones = tb
            footer = (end + 7) & ~7
        }

        init() {}

        var fileSize: Int { footer + HNSWFile.footerSize }
    }

    // MARK: Header

    /// Reads just the header of a file.
    /// - Throws: `IndexError.io` when it cannot be read, `.corrupt` / `.unsupportedVersion`.
    public static func readHeader(at path: String) throws -> Header {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: headerSize) ?? Data()
        } catch {
            throw IndexError(.io, path: path, "cannot read the HNSW index header: \(error)")
        }
        return try data.withUnsafeBytes { try parseHeader($0, path: path) }
    }

    /// Parses and range-checks a header (not the body).
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        func corrupt(_ message: String) -> IndexError { IndexError(.corrupt, path: path, "HNSW index: \(message)") }
        guard bytes.count >= headerSize, Array(bytes[0 ..< 8]) == magic else {
            throw corrupt("not a Quarry HNSW index (bad magic or too short)")
        }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func f64(_ at: Int) -> Double { Double(bitPattern: u64(at)) }
        func int(_ value: UInt64) -> Int { Int(clamping: value) }
        let version = u32(Field.version)
        guard version >= 1, version <= HNSWFile.version else {
            throw IndexError(.unsupportedVersion, path: path,
                             "HNSW index format v\(version) unsupported (this build reads v1...v\(HNSWFile.version)); rebuild the index")
        }
        guard let metric = VectorMetric(fileCode: u32(Field.metric)) else { throw corrupt("unknown metric code \(u32(Field.metric))") }
        let dimension = Int(u32(Field.dimension))
        guard (1 ... 65536).contains(dimension) else { throw corrupt("dimension \(dimension) out of range") }
        let compaction = f64(Field.compactionThreshold)
        let configuration = HNSWIndex.Configuration(
            connectivity: Int(u32(Field.connectivity)), expansionAdd: Int(u32(Field.expansionAdd)),
            expansionSearch: Int(u32(Field.expansionSearch)), seed: u64(Field.seed),
            exactFilterFraction: f64(Field.exactFilterFraction), exactFilterScale: f64(Field.exactFilterScale),
            filteredExpansionFactor: f64(Field.filteredExpansionFactor),
            compactionThreshold: compaction == 0 ? nil : compaction)
        do { try configuration.validate() } catch let error as IndexError { throw corrupt("bad parameters: \(error.message)") }
        let connectivity0 = Int(u32(Field.connectivity0))
        guard connectivity0 == 2 * configuration.connectivity else { throw corrupt("M0 \(connectivity0) is not 2M") }
        let nodeCount = int(u64(Field.nodeCount)), liveCount = int(u64(Field.liveCount)), upperLinkWords = int(u64(Field.upperLinkWords))
        guard nodeCount < Int(HNSWGraph.noNode), liveCount <= nodeCount else {
            throw corrupt("node counts \(nodeCount) / \(liveCount) out of range")
        }
        let maxLevel = Int(Int32(bitPattern: u32(Field.maxLevel)))
        let entryPoint = u32(Field.entryPoint)
        guard (nodeCount == 0 && maxLevel == -1 && entryPoint == HNSWGraph.noNode)
            || (nodeCount > 0 && (0 ... HNSWGraph.levelCap).contains(maxLevel) && Int(entryPoint) < nodeCount) else {
            throw corrupt("entry point \(entryPoint) / max level \(maxLevel) inconsistent with \(nodeCount) nodes")
        }
        guard let layout = Layout(nodeCount: nodeCount, dimension: dimension, stride0: connectivity0 + 1,
                                  upperLinkWords: upperLinkWords) else {
            throw corrupt("section sizes overflow")
        }
        let stored = (0 ..< 7).map { int(u64(Field.sectionOffsets + $0 * 8)) }
        guard stored == [layout.ids, layout.vectors, layout.links0, layout.upper, layout.levels, layout.tombstones, layout.footer] else {
            throw corrupt("section offsets disagree with the counts")
        }
        let nameBytes = Array(bytes[embedderIDOffset ..< headerSize]).prefix { $0 != 0 }
        return Header(version: version, metric: metric, dimension: dimension, configuration: configuration,
                      nodeCount: nodeCount, liveCount: liveCount, maxLevel: maxLevel, generation: u64(Field.generation),
                      embedderID: String(decoding: nameBytes, as: UTF8.self), connectivity0: connectivity0,
                      entryPoint: entryPoint, rngState: u64(Field.rngState), upperLinkWords: upperLinkWords, layout: layout)
    }

    // MARK: Encoding

    /// Serialises `index` (a consistent snapshot: writers wait, searches continue).
    /// - Throws: `IndexError.invalidArgument` for an embedder id over 64 UTF-8 bytes or
    ///   containing NUL.
    public static func encode(_ index: HNSWIndex, generation: UInt64, embedderID: String) throws -> [UInt8] {
        try index.encoded(generation: generation, embedderID: embedderID)
    }

    /// Serialises a graph and its ids (the caller keeps both stable meanwhile).
    static func encode(graph: borrowing HNSWGraph, ids: [Int64], metric: VectorMetric, configuration: HNSWIndex.Configuration,
                       rngState: UInt64, generation: UInt64, embedderID: String) throws -> [UInt8] {
        let name = Array(embedderID.utf8)
        guard name.count <= maxEmbedderIDLength, !name.contains(0) else {
            throw IndexError(.invalidArgument, path: "", "embedder id must be at most \(maxEmbedderIDLength) UTF-8 bytes without NUL; got \(name.count) bytes")
        }
        let n = graph.count
        var upperLinkWords = 0
        for node in 0 ..< n { upperLinkWords += graph.level(HNSWGraph.NodeID(node)) * graph.strideUpper }
        guard let layout = Layout(nodeCount: n, dimension: graph.dimension, stride0: graph.stride0, upperLinkWords: upperLinkWords) else {
            throw IndexError(.invalidArgument, path: "", "index too large to encode")
        }
        var out = [UInt8](repeating: 0, count: layout.fileSize)
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            func put<T: FixedWidthInteger>(_ value: T, _ at: Int) { base.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
            func put(_ value: Double, _ at: Int) { put(value.bitPattern, at) }
            // Header.
            for (i, byte) in magic.enumerated() { base.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
            put(version, Field.version)
            put(metric.fileCode, Field.metric)
            put(UInt32(graph.dimension), Field.dimension)
            put(UInt32(configuration.connectivity), Field.connectivity)
            put(UInt32(graph.connectivity0), Field.connectivity0)
            put(UInt32(configuration.expansionAdd), Field.expansionAdd)
            put(UInt32(configuration.expansionSearch), Field.expansionSearch)
            put(UInt32(bitPattern: Int32(graph.maxLevel)), Field.maxLevel)
            put(graph.entryPoint, Field.entryPoint)
            put(UInt64(n), Field.nodeCount)
            put(UInt64(graph.liveCount), Field.liveCount)
            put(UInt64(upperLinkWords), Field.upperLinkWords)
            put(generation, Field.generation)
            put(configuration.seed, Field.seed)
            put(rngState, Field.rngState)
            put(configuration.exactFilterFraction, Field.exactFilterFraction)
            put(configuration.exactFilterScale, Field.exactFilterScale)
            put(configuration.filteredExpansionFactor, Field.filteredExpansionFactor)
            put(configuration.compactionThreshold ?? 0, Field.compactionThreshold)
            for (i, offset) in [layout.ids, layout.vectors, layout.links0, layout.upper, layout.levels, layout.tombstones,
                                layout.footer].enumerated() {
                put(UInt64(offset), Field.sectionOffsets + i * 8)
            }
            for (i, byte) in name.enumerated() { base.storeBytes(of: byte, toByteOffset: embedderIDOffset + i, as: UInt8.self) }
            // Body.
            for (node, id) in ids.enumerated() { put(UInt64(bitPattern: id), layout.ids + node * 8) }
            (base + layout.vectors).copyMemory(from: graph.vectors, byteCount: n * graph.dimension * 4)
            let links0 = (base + layout.links0).assumingMemoryBound(to: UInt32.self)
            var upper = (base + layout.upper).assumingMemoryBound(to: UInt32.self)
            for index in 0 ..< n {
                let node = HNSWGraph.NodeID(index)
                let list = graph.links(node, layer: 0)
                (links0 + index * graph.stride0).update(from: list, count: Int(list[0]) + 1)
                let level = graph.level(node)
                for layer in stride(from: 1, through: level, by: 1) {
                    let list = graph.links(node, layer: layer)
                    upper.update(from: list, count: Int(list[0]) + 1)
                    upper += graph.strideUpper
                }
            }
            (base + layout.levels).copyMemory(from: graph.levels, byteCount: n)
            (base + layout.tombstones).copyMemory(from: graph.tombstones, byteCount: n)
        }
        seal(&out)
        return out
    }

    /// Writes the footer of a file image whose last `footerSize` bytes are reserved for it:
    /// the SHA-256 of everything before, then the end magic.
    static func seal(_ image: inout [UInt8]) {
        let footer = image.count - footerSize
        precondition(footer >= 0, "an HNSW file image holds at least its footer")
        let digest = image.withUnsafeBytes { SHA256.hash(data: UnsafeRawBufferPointer(rebasing: $0[0 ..< footer])) }
        image.replaceSubrange(footer ..< footer + 32, with: Array(digest))
        image.replaceSubrange(footer + 32 ..< image.count, with: endMagic)
    }

    // MARK: Decoding

    /// A verified file's contents, ready to become an `HNSWIndex`.
    struct Decoded: ~Copyable {
        var header: Header
        var graph: HNSWGraph
        var nodeIDs: [Int64]
        var nodesByID: [Int64: HNSWGraph.NodeID]
    }

    /// Verifies a whole file image and decodes the graph it holds.
    /// - Parameter mapping: the mapped file `bytes` belong to, when the graph should read its
    ///   vectors in place instead of copying them (it then keeps the mapping alive).
    /// - Throws: `IndexError.corrupt` / `.unsupportedVersion` (with `path` for context).
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, mapping: MappedFile? = nil) throws -> Decoded {
        func corrupt(_ message: String) -> IndexError { IndexError(.corrupt, path: path, "HNSW index: \(message)") }
        guard bytes.count >= headerSize + footerSize, let start = bytes.baseAddress else {
            throw corrupt("truncated (\(bytes.count) bytes)")
        }
        let header = try parseHeader(bytes, path: path)
        let layout = header.layout
        guard layout.fileSize == bytes.count, Array(bytes[(layout.footer + 32)...]) == endMagic else {
            throw corrupt("truncated or bad footer (\(bytes.count) bytes; the header describes \(layout.fileSize))")
        }
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(rebasing: bytes[0 ..< layout.footer]))
        guard Array(digest) == Array(bytes[layout.footer ..< layout.footer + 32]) else {
            throw corrupt("checksum mismatch (the file is damaged); rebuild it")
        }
        let n = header.nodeCount
        let configuration = header.configuration
        // Vectors read in place need a node to point at; an empty index copies (nothing).
        let inPlace = mapping.flatMap { file in
            n > 0 ? (file: file, vectors: UnsafePointer((start + layout.vectors).assumingMemoryBound(to: Float.self))) : nil
        }
        var graph = HNSWGraph(kernel: DistanceKernel(metric: header.metric, dimension: header.dimension),
                              connectivity: configuration.connectivity,
                              expansionAdd: max(configuration.expansionAdd, configuration.connectivity), capacity: n,
                              mappedVectors: inPlace)
        // Levels first: they size the upper-layer blocks.
        let levels = start + layout.levels
        var levelSum = 0
        for index in 0 ..< n {
            let level = Int(levels.load(fromByteOffset: index, as: UInt8.self))
            guard level <= header.maxLevel else { throw corrupt("node \(index) has level \(level) above the maximum \(header.maxLevel)") }
            levelSum += level
        }
        guard levelSum * graph.strideUpper == header.upperLinkWords else { throw corrupt("upper-layer section size disagrees with the levels") }
        if inPlace == nil {
            graph.vectors.update(from: (start + layout.vectors).assumingMemoryBound(to: Float.self), count: n * header.dimension)
        }
        graph.links0.update(from: (start + layout.links0).assumingMemoryBound(to: UInt32.self), count: n * graph.stride0)
        graph.levels.update(from: levels.assumingMemoryBound(to: UInt8.self), count: n)
        graph.tombstones.update(from: (start + layout.tombstones).assumingMemoryBound(to: UInt8.self), count: n)
        var upper = (start + layout.upper).assumingMemoryBound(to: UInt32.self)
        var tombstoneCount = 0
        for index in 0 ..< n {
            tombstoneCount += graph.tombstones[index] == 0 ? 0 : 1
            let level = Int(graph.levels[index])
            if level > 0 {
                let block = UnsafeMutablePointer<UInt32>.allocate(capacity: level * graph.strideUpper)
                block.initialize(from: upper, count: level * graph.strideUpper)
                upper += level * graph.strideUpper
                graph.upperLinks[index] = block
            } else {
                graph.upperLinks[index] = nil
            }
            // Count the node as soon as its storage is complete, so `deinit` frees exactly
            // what was allocated if a later check throws.
            graph.count = index + 1
        }
        graph.tombstoneCount = tombstoneCount
        graph.entryPoint = n > 0 ? header.entryPoint : HNSWGraph.noNode
        graph.maxLevel = n > 0 ? header.maxLevel : -1
        try graph.checkInvariants(path: path)
        guard graph.liveCount == header.liveCount else { throw corrupt("\(graph.liveCount) live nodes; the header says \(header.liveCount)") }
        let vectors = UnsafeBufferPointer(start: graph.vectors, count: n * header.dimension)
        guard vectors.allSatisfy(\.isFinite) else { throw corrupt("a stored vector has a non-finite component") }
        var ids = [Int64](repeating: 0, count: n)
        var nodesByID = [Int64: HNSWGraph.NodeID](minimumCapacity: header.liveCount)
        for index in 0 ..< n {
            let id = Int64(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: layout.ids + index * 8, as: UInt64.self)))
            ids[index] = id
            guard graph.tombstones[index] == 0 else { continue }
            guard nodesByID.updateValue(HNSWGraph.NodeID(index), forKey: id) == nil else { throw corrupt("id \(id) is live twice") }
        }
        return Decoded(header: header, graph: graph, nodeIDs: ids, nodesByID: nodesByID)
    }
}
