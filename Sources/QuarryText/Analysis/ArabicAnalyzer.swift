/// The Arabic analyzer: the standard analyzer, then orthographic normalisation and light
/// stemming of Arabic-script tokens.
///
/// Normalisation (after Larkey et al. 2002, as Lucene's ArabicNormalizer): remove tatweel
/// and short vowels (harakat, shadda, sukun, dagger alef); alef with madda or hamza → bare
/// alef; alef maqsura → yeh; teh marbuta → heh. Light stemming ("light10"): strip one
/// definite-article or conjunction prefix (ال, وال, بال, كال, فال, لل, و) and then the
/// common suffixes (ها, ان, ات, ون, ين, يه, ية, ه, ة, ي), each only while at least two
/// letters remain, so short roots are never destroyed. Other scripts pass through.
public struct ArabicAnalyzer: Analyzer {
    public let name = "arabic"
    let base = StandardAnalyzer()

    public init() {}

    /// One instance for the `auto` analyzer's chains.
    static let shared = ArabicAnalyzer()

    public func analyze(_ text: String) throws -> [Token] {
        var tokens = try base.analyze(text)
        for i in tokens.indices {
            tokens[i].term = Self.stem(Self.normalize(tokens[i].term))
        }
        tokens.removeAll { $0.term.isEmpty }
        return tokens
    }

    static let alef: Unicode.Scalar = "\u{0627}"
    static let prefixes: [[Unicode.Scalar]] = ["ال", "وال", "بال", "كال", "فال", "لل", "و"].map { Array($0.unicodeScalars) }
    static let suffixes: [[Unicode.Scalar]] = ["ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي"].map { Array($0.unicodeScalars) }

    /// Orthographic normalisation of one term.
    public static func normalize(_ term: String) -> String {
        guard term.unicodeScalars.contains(where: { (0x0600 ... 0x06FF).contains($0.value) }) else { return term }
        var out = String.UnicodeScalarView()
        for scalar in term.unicodeScalars {
            switch scalar.value {
            case 0x0640, 0x064B ... 0x0652, 0x0670: continue  // tatweel, harakat, dagger alef
            case 0x0622, 0x0623, 0x0625: out.append(alef)
            case 0x0649: out.append("\u{064A}")
            case 0x0629: out.append("\u{0647}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Light stemming of one normalised term.
    public static func stem(_ term: String) -> String {
        var letters = Array(term.unicodeScalars)
        guard letters.allSatisfy({ (0x0621 ... 0x064A).contains($0.value) }) else { return term }
        for prefix in prefixes where letters.starts(with: prefix) {
            // A lone و is a conjunction only on words of four letters or more.
            let minimum = prefix.count == 1 ? 4 : prefix.count + 2
            if letters.count >= minimum {
                letters.removeFirst(prefix.count)
                break
            }
        }
        for suffix in suffixes where letters.count >= suffix.count + 2 && Array(letters.suffix(suffix.count)) == suffix {
            letters.removeLast(suffix.count)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: letters)
        return String(view)
    }
}
