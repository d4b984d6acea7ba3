/// One document (a chunk) as the lexical index sees it: analyzed terms of its text and of
/// its title/context field.
public struct LexicalDocument: Sendable, Equatable {
    public var chunkID: Int64
    public var textTerms: [String]
    public var titleTerms: [String]

    public init(chunkID: Int64, textTerms: [String], titleTerms: [String] = []) {
        self.chunkID = chunkID
        self.textTerms = textTerms
        self.titleTerms = titleTerms
    }
}

/// The postings of one term, in document order: parallel arrays of internal document
/// numbers and per-field term frequencies.
public struct PostingList: Sendable, Equatable {
    public var documents: [UInt32] = []
    public var textFrequencies: [UInt32] = []
    public var titleFrequencies: [UInt32] = []

    public init() {}

    public var count: Int { documents.count }

    mutating func append(document: UInt32, text: UInt32, title: UInt32) {
        documents.append(document)
        textFrequencies.append(text)
        titleFrequencies.append(title)
    }
}

/// Builds a BM25 index in memory: documents are added in increasing chunk-id order and
/// get consecutive internal numbers; `finish()` hands the sorted term dictionary and
/// postings to `BM25FileWriter`. Holds no file handles (build, serialize and read are
/// separate).
public struct BM25Builder: Sendable {
    public private(set) var chunkIDs: [Int64] = []
    public private(set) var lengths: [UInt32] = []
    private var termIDs: [String: Int32] = [:]
    private var terms: [String] = []
    private var postings: [PostingList] = []

    public init() {}

    /// Documents added so far.
    public var documentCount: Int { chunkIDs.count }

    /// Adds a document.
    /// - Precondition: chunk ids strictly increase (callers add in id order).
    public mutating func add(_ document: LexicalDocument) throws {
        if let last = chunkIDs.last, document.chunkID <= last {
            throw IndexError(.invalidArgument, path: "", "chunk ids must be added in increasing order (\(document.chunkID) after \(last))")
        }
        let number = UInt32(chunkIDs.count)
        chunkIDs.append(document.chunkID)
        lengths.append(UInt32(min(document.textTerms.count + document.titleTerms.count, Int(UInt32.max))))
        var counts: [Int32: (text: UInt32, title: UInt32)] = [:]
        for term in document.textTerms { counts[id(term), default: (0, 0)].text += 1 }
        for term in document.titleTerms { counts[id(term), default: (0, 0)].title += 1 }
        for (termID, tf) in counts {
            postings[Int(termID)].append(document: number, text: tf.text, title: tf.title)
        }
    }

    private mutating func id(_ term: String) -> Int32 {
        if let existing = termIDs[term] { return existing }
        let new = Int32(terms.count)
        termIDs[term] = new
        terms.append(term)
        postings.append(PostingList())
        return new
    }

    /// The terms in byte order with their postings.
    public func sortedTerms() -> [(term: [UInt8], postings: PostingList)] {
        terms.indices
            .map { (term: Array(terms[$0].utf8), postings: postings[$0]) }
            .sorted { $0.term.lexicographicallyPrecedes($1.term) }
    }
}
