import CICU

/// Unicode normalisation through ICU: NFKC case folding for index terms (so "Ｑｕａｒｒｙ",
/// "QUARRY" and "quarry" meet, and "ﬁ" becomes "fi"), and NFC for identifiers such as file
/// names and document ids (so "café" typed two ways is one document).
public enum Normalizer {
    /// NFKC_Casefold of `units`.
    public static func nfkcCasefold(_ units: UnsafeBufferPointer<UInt16>) -> [UInt16] {
        run(units, qicu_nfkc_casefold)
    }

    /// NFKC_Casefold of a string.
    public static func nfkcCasefold(_ string: String) -> String {
        let units = Array(string.utf16)
        return String(decoding: units.withUnsafeBufferPointer { nfkcCasefold($0) }, as: UTF16.self)
    }

    /// NFC of a string.
    public static func nfc(_ string: String) -> String {
        // ASCII is already NFC.
        if string.utf8.allSatisfy({ $0 < 0x80 }) { return string }
        let units = Array(string.utf16)
        return String(decoding: units.withUnsafeBufferPointer { run($0, qicu_nfc) }, as: UTF16.self)
    }

    private typealias Function = (UnsafePointer<UInt16>?, Int32, UnsafeMutablePointer<UInt16>?, Int32, UnsafeMutablePointer<Int32>?) -> Int32

    private static func run(_ units: UnsafeBufferPointer<UInt16>, _ function: Function) -> [UInt16] {
        guard !units.isEmpty else { return [] }
        var capacity = units.count + 16
        while true {
            var output = [UInt16](repeating: 0, count: capacity)
            var error: Int32 = 0
            let needed = output.withUnsafeMutableBufferPointer { out in
                function(units.baseAddress, Int32(units.count), out.baseAddress, Int32(capacity), &error)
            }
            // Normalisation of valid UTF-16 cannot fail; on an ICU error keep the input as is
            // rather than losing text.
            if needed < 0 { return Array(units) }
            if Int(needed) <= capacity {
                output.removeLast(capacity - Int(needed))
                return output
            }
            capacity = Int(needed)
        }
    }
}
