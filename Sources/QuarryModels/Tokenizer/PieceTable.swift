import Foundation

/// An immutable open-addressing hash table from UTF-8 byte strings to ids, so that lookups need no `String`.
/// Its memory is written once in `init` and only read afterwards, hence `@unchecked Sendable`.
final class PieceTable: @unchecked Sendable {
    private struct Entry {
        var start: Int32
        var length: Int32
        var id: Int32
    }

    /// Per slot: 0 when empty, else the hash's upper 32 bits, then `entry + 1` in the lower 32.
    private let slots: UnsafeMutablePointer<UInt64>
    private let slotCount: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let entries: UnsafeMutablePointer<Entry>
    /// The longest key in bytes: longer candidates cannot match.
    let maxKeyLength: Int

    struct Builder {
        var keys: [[UInt8]] = []
        var ids: [Int32] = []
        var index: [[UInt8]: Int] = [:]

        /// Adds `key`; when it is already there, a later duplicate wins (WordPiece's
        /// vocab.txt, as Hugging Face reads it) unless `keepFirst` (SentencePiece, whose
        /// engine finds the first).
        mutating func insert(_ key: ArraySlice<UInt8>, id: Int32, keepFirst: Bool = false) {
            let key = Array(key)
            if let existing = index[key] {
                if !keepFirst { ids[existing] = id }
                return
            }
            index[key] = ids.count
            keys.append(key)
            ids.append(id)
        }

        func build() -> PieceTable { PieceTable(keys: keys, ids: ids) }
    }

    private init(keys: [[UInt8]], ids: [Int32]) {
        var slotCount = 16
        while slotCount < keys.count * 2 { slotCount <<= 1 }
        let storageCount = keys.reduce(0) { $0 + $1.count }
        let slots = UnsafeMutablePointer<UInt64>.allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, storageCount))
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: max(1, keys.count))
        var offset = 0
        var longest = 0
        let mask = slotCount - 1
        for (entry, key) in keys.enumerated() {
            key.withUnsafeBufferPointer { key in
                (storage + offset).initialize(from: key.baseAddress!, count: key.count)
            }
            (entries + entry).initialize(to: Entry(start: Int32(offset), length: Int32(key.count), id: ids[entry]))
            let hash = Self.hash(storage + offset, key.count)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(entry + 1)
            offset += key.count
            longest = max(longest, key.count)
        }
        self.slots = slots
        self.slotCount = slotCount
        self.storage = storage
        self.entries = entries
        maxKeyLength = longest
    }

    deinit {
        slots.deallocate()
        storage.deallocate()
        entries.deallocate()
    }

    /// FNV-1a, 64 bit.
    @inline(__always)
    static func hash(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in 0..<count {
            hash = (hash ^ UInt64(bytes[offset])) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The id of the key `bytes[0..<count]`, or -1.
    @inline(__always)
    func lookup(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        let hash = Self.hash(bytes, count)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slotCount - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let value = slots[slot]
            if value == 0 { return -1 }
            if value & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = entries[Int(value & 0xFFFF_FFFF) - 1]
                if Int(entry.length) == count, memcmp(storage + Int(entry.start), bytes, count) == 0 {
                    return entry.id
                }
            }
            slot = (slot + 1) & mask
        }
    }
}
