import Foundation

/// A model's chat template (`tokenizer.chat_template` in a GGUF), rendered by a small Jinja
/// subset: enough for the templates of the SmolLM, Llama 3 and Qwen 2 families.
///
/// Rendered as Hugging Face renders chat templates (`trim_blocks` and `lstrip_blocks` on:
/// the newline after a block tag and the indentation before one are dropped). Supported: text, `{{ expr }}`, `{% if / elif / else / endif %}`, `{% for x in expr %}` …
/// `{% endfor %}` with `loop.index`, `index0`, `first`, `last`, `length`, `{% set x = expr %}`,
/// comments, and `-` whitespace control on any tag. Expressions: strings, integers, `true`,
/// `false`, `none`, lists, names, `.attr` and `[index]` (negative indices count from the
/// end), `+` and `~` (concatenation), `==`, `!=`, `<`, `>`, `<=`, `>=`, `in`, `not in`,
/// `and`, `or`, `not`, `is (not) defined / none / string`, parentheses, the filters `trim`,
/// `length`, `upper`, `lower`, and `raise_exception(message)`. Anything else is a
/// `ChatTemplate.Error` naming the construct and its offset in the template, never a
/// crash or a silently wrong prompt.
public struct ChatTemplate: Sendable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { "chat template: \(message)" }
    }

    public let source: String
    private let nodes: [Node]

    /// Parses `source`.
    /// - Throws: `ChatTemplate.Error` for syntax outside the subset.
    public init(_ source: String) throws {
        self.source = source
        var parser = Parser(tokens: try Lexer.tokens(source))
        nodes = try parser.block(until: [])
    }

    /// The prompt for `messages`, ending with the assistant's turn when `addGenerationPrompt`.
    public func render(_ messages: [Message], addGenerationPrompt: Bool = true, bosToken: String = "",
                       eosToken: String = "") throws -> String {
        var scope: [String: Value] = [
            "messages": .list(messages.map { .dict(["role": .string($0.role), "content": .string($0.content)]) }),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        var out = ""
        try Self.run(nodes, &scope, &out)
        return out
    }

    // MARK: - Values

    indirect enum Value: Equatable, Sendable {
        case string(String), int(Int), bool(Bool), none, undefined
        case list([Value]), dict([String: Value])

        var truthy: Bool {
            switch self {
            case .string(let s): !s.isEmpty
            case .int(let i): i != 0
            case .bool(let b): b
            case .none, .undefined: false
            case .list(let l): !l.isEmpty
            case .dict(let d): !d.isEmpty
            }
        }

        var text: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            case .bool(let b): b ? "True" : "False"
            case .none: "None"
            case .undefined: ""
            case .list(let l): "[" + l.map(\.text).joined(separator: ", ") + "]"
            case .dict: "{…}"
            }
        }
    }

    // MARK: - Lexer

    enum Token: Equatable {
        case text(String)
        case output([Piece], at: Int)
        case statement([Piece], at: Int)
    }

    /// A piece of an expression: a name, a literal or a symbol.
    enum Piece: Equatable {
        case name(String), string(String), int(Int), symbol(String)
    }

    enum Lexer {
        static func tokens(_ source: String) throws -> [Token] {
            let chars = Array(source.unicodeScalars)
            var tokens: [Token] = []
            var text = String.UnicodeScalarView()
            var i = 0
            var trimNext = false
            func flushText(trimEnd: Bool) {
                var s = String(text)
                if trimNext { s = String(s.drop { $0.isWhitespace }) }
                if trimEnd { while s.last?.isWhitespace == true { s.removeLast() } }
                if !s.isEmpty { tokens.append(.text(s)) }
                text = String.UnicodeScalarView()
                trimNext = false
            }
            while i < chars.count {
                if chars[i] == "{", i + 1 < chars.count, ["{", "%", "#"].contains(chars[i + 1]) {
                    let kind = chars[i + 1]
                    let close: Unicode.Scalar = kind == "{" ? "}" : kind == "%" ? "%" : "#"
                    let start = i
                    var j = i + 2
                    let trimBefore = j < chars.count && chars[j] == "-"
                    if trimBefore { j += 1 }
                    var end = -1
                    var k = j
                    while k + 1 < chars.count {
                        if chars[k] == close && chars[k + 1] == "}" { end = k; break }
                        if kind != "#", chars[k] == "\"" || chars[k] == "'" {  // skip string literals
                            let quote = chars[k]
                            k += 1
                            while k < chars.count, chars[k] != quote { if chars[k] == "\\" { k += 1 }; k += 1 }
                        }
                        k += 1
                    }
                    guard end >= 0 else { throw Error(message: "unclosed tag at offset \(start)") }
                    var bodyEnd = end
                    let trimAfter = bodyEnd > j && chars[bodyEnd - 1] == "-"
                    if trimAfter { bodyEnd -= 1 }
                    // lstrip_blocks: spaces and tabs between a line's start and a block tag go.
                    if kind != "{", !trimBefore {
                        var k = text.endIndex
                        while k > text.startIndex, [" ", "\t"].contains(text[text.index(before: k)]) { k = text.index(before: k) }
                        if k == text.startIndex ? tokens.isEmpty || lastTextEndsLine(tokens) : text[text.index(before: k)] == "\n" {
                            text.removeSubrange(k...)
                        }
                    }
                    flushText(trimEnd: trimBefore)
                    let body = String(String.UnicodeScalarView(chars[j ..< bodyEnd]))
                    if kind == "{" { tokens.append(.output(try pieces(body, at: start), at: start)) }
                    if kind == "%" { tokens.append(.statement(try pieces(body, at: start), at: start)) }
                    trimNext = trimAfter
                    i = end + 2
                    // trim_blocks: the first newline after a block tag goes.
                    if kind != "{", !trimAfter, i < chars.count, chars[i] == "\n" { i += 1 }
                    continue
                }
                text.append(chars[i])
                i += 1
            }
            flushText(trimEnd: false)
            return tokens
        }

        /// Whether the text before the current one ends a line (or there is none: a tag
        /// right after another tag is not at a line's start).
        static func lastTextEndsLine(_ tokens: [Token]) -> Bool {
            if case .text(let s)? = tokens.last { return s.hasSuffix("\n") }
            return false
        }

        static func pieces(_ body: String, at offset: Int) throws -> [Piece] {
            let chars = Array(body.unicodeScalars)
            var out: [Piece] = []
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c.properties.isWhitespace { i += 1; continue }
                if c == "\"" || c == "'" {
                    var s = String.UnicodeScalarView()
                    var j = i + 1
                    while j < chars.count, chars[j] != c {
                        if chars[j] == "\\", j + 1 < chars.count {
                            j += 1
                            switch chars[j] {
                            case "n": s.append("\n")
                            case "t": s.append("\t")
                            case "r": s.append("\r")
                            default: s.append(chars[j])
                            }
                        } else {
                            s.append(chars[j])
                        }
                        j += 1
                    }
                    guard j < chars.count else { throw Error(message: "unterminated string in the tag at offset \(offset)") }
                    out.append(.string(String(s)))
                    i = j + 1
                } else if c.properties.numericType != nil, ("0" ... "9").contains(c) {
                    var j = i
                    while j < chars.count, ("0" ... "9").contains(chars[j]) { j += 1 }
                    guard let value = Int(String(String.UnicodeScalarView(chars[i ..< j]))) else {
                        throw Error(message: "number too large in the tag at offset \(offset)")
                    }
                    out.append(.int(value))
                    i = j
                } else if c.properties.isAlphabetic || c == "_" {
                    var j = i
                    while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "_" || ("0" ... "9").contains(chars[j]) { j += 1 }
                    out.append(.name(String(String.UnicodeScalarView(chars[i ..< j]))))
                    i = j
                } else {
                    let two = i + 1 < chars.count ? String(String.UnicodeScalarView([c, chars[i + 1]])) : ""
                    if ["==", "!=", "<=", ">="].contains(two) {
                        out.append(.symbol(two))
                        i += 2
                    } else if "+-~<>=()[].,|:".unicodeScalars.contains(c) {
                        out.append(.symbol(String(c)))
                        i += 1
                    } else {
                        throw Error(message: "unexpected character \(String(c).debugDescription) in the tag at offset \(offset)")
                    }
                }
            }
            return out
        }
    }

    // MARK: - Syntax tree

    indirect enum Expression: Sendable {
        case literal(Value)
        case name(String)
        case list([Expression])
        case attribute(Expression, String)
        case index(Expression, Expression)
        case unary(String, Expression)
        case binary(String, Expression, Expression)
        case test(Expression, String, negated: Bool)
        case filter(Expression, String)
        case call(String, [Expression])
    }

    indirect enum Node: Sendable {
        case text(String)
        case output(Expression)
        case conditional([(Expression, [Node])], otherwise: [Node])
        case loop(variable: String, over: Expression, body: [Node])
        case assign(String, Expression)
    }

    struct Parser {
        let tokens: [Token]
        var position = 0

        init(tokens: [Token]) { self.tokens = tokens }

        /// Nodes up to a statement whose first word is in `ends` (left unconsumed).
        mutating func block(until ends: Set<String>) throws -> [Node] {
            var nodes: [Node] = []
            while position < tokens.count {
                switch tokens[position] {
                case .text(let s):
                    nodes.append(.text(s))
                    position += 1
                case .output(let pieces, let at):
                    var expression = ExpressionParser(pieces: pieces, offset: at)
                    nodes.append(.output(try expression.parseAll()))
                    position += 1
                case .statement(let pieces, let at):
                    guard case .name(let keyword)? = pieces.first else { throw Error(message: "empty statement at offset \(at)") }
                    if ends.contains(keyword) { return nodes }
                    position += 1
                    nodes.append(try statement(keyword, Array(pieces.dropFirst()), at: at))
                }
            }
            guard ends.isEmpty else { throw Error(message: "missing {% \(ends.sorted().joined(separator: " / ")) %} at the end of the template") }
            return nodes
        }

        mutating func statement(_ keyword: String, _ rest: [Piece], at: Int) throws -> Node {
            switch keyword {
            case "if":
                var branches: [(Expression, [Node])] = []
                var condition = rest
                var conditionAt = at
                while true {
                    var expression = ExpressionParser(pieces: condition, offset: conditionAt)
                    let test = try expression.parseAll()
                    let body = try block(until: ["elif", "else", "endif"])
                    branches.append((test, body))
                    guard case .statement(let pieces, let endAt) = tokens[position], case .name(let word)? = pieces.first else {
                        throw Error(message: "malformed if at offset \(at)")
                    }
                    position += 1
                    if word == "elif" {
                        condition = Array(pieces.dropFirst())
                        conditionAt = endAt
                        continue
                    }
                    var otherwise: [Node] = []
                    if word == "else" {
                        otherwise = try block(until: ["endif"])
                        position += 1
                    }
                    return .conditional(branches, otherwise: otherwise)
                }
            case "for":
                guard rest.count >= 3, case .name(let variable) = rest[0], rest[1] == .name("in") else {
                    throw Error(message: "expected `for NAME in EXPRESSION` at offset \(at)")
                }
                var expression = ExpressionParser(pieces: Array(rest.dropFirst(2)), offset: at)
                let sequence = try expression.parseAll()
                let body = try block(until: ["endfor"])
                position += 1
                return .loop(variable: variable, over: sequence, body: body)
            case "set":
                guard rest.count >= 3, case .name(let variable) = rest[0], rest[1] == .symbol("=") else {
                    throw Error(message: "expected `set NAME = EXPRESSION` at offset \(at)")
                }
                var expression = ExpressionParser(pieces: Array(rest.dropFirst(2)), offset: at)
                return .assign(variable, try expression.parseAll())
            default:
                throw Error(message: "unsupported statement `\(keyword)` at offset \(at)")
            }
        }
    }

    struct ExpressionParser {
        let pieces: [Piece]
        let offset: Int
        var i = 0

        init(pieces: [Piece], offset: Int) {
            self.pieces = pieces
            self.offset = offset
        }

        func fail(_ what: String) -> Error { Error(message: "\(what) in the tag at offset \(offset)") }
        var peek: Piece? { i < pieces.count ? pieces[i] : nil }
        mutating func take(_ piece: Piece) -> Bool {
            if peek == piece { i += 1; return true }
            return false
        }

        mutating func parseAll() throws -> Expression {
            let e = try or()
            guard i == pieces.count else { throw fail("unexpected \(pieces[i])") }
            return e
        }

        mutating func or() throws -> Expression {
            var e = try and()
            while take(.name("or")) { e = .binary("or", e, try and()) }
            return e
        }

        mutating func and() throws -> Expression {
            var e = try not()
            while take(.name("and")) { e = .binary("and", e, try not()) }
            return e
        }

        mutating func not() throws -> Expression {
            if take(.name("not")) { return .unary("not", try not()) }
            return try comparison()
        }

        mutating func comparison() throws -> Expression {
            var e = try concatenation()
            while true {
                if case .symbol(let s)? = peek, ["==", "!=", "<", ">", "<=", ">="].contains(s) {
                    i += 1
                    e = .binary(s, e, try concatenation())
                } else if take(.name("in")) {
                    e = .binary("in", e, try concatenation())
                } else if peek == .name("not"), i + 1 < pieces.count, pieces[i + 1] == .name("in") {
                    i += 2
                    e = .unary("not", .binary("in", e, try concatenation()))
                } else if take(.name("is")) {
                    let negated = take(.name("not"))
                    guard case .name(let test)? = peek, ["defined", "none", "string", "undefined"].contains(test) else {
                        throw fail("unsupported test after `is`")
                    }
                    i += 1
                    e = .test(e, test, negated: negated)
                } else {
                    return e
                }
            }
        }

        /// `~` binds looser than `+` and `-`, as in Jinja: `'a' ~ 1 + 2` is "a3".
        mutating func concatenation() throws -> Expression {
            var e = try additive()
            while take(.symbol("~")) { e = .binary("~", e, try additive()) }
            return e
        }

        mutating func additive() throws -> Expression {
            var e = try postfix()
            while true {
                if take(.symbol("+")) { e = .binary("+", e, try postfix()) }
                else if take(.symbol("-")) { e = .binary("-", e, try postfix()) }
                else { return e }
            }
        }

        mutating func postfix() throws -> Expression {
            var e = try primary()
            while true {
                if take(.symbol(".")) {
                    guard case .name(let attribute)? = peek else { throw fail("expected a name after `.`") }
                    i += 1
                    e = .attribute(e, attribute)
                } else if take(.symbol("[")) {
                    let index = try or()
                    guard take(.symbol("]")) else { throw fail("expected `]`") }
                    e = .index(e, index)
                } else if take(.symbol("|")) {
                    guard case .name(let filter)? = peek, ["trim", "length", "upper", "lower"].contains(filter) else {
                        throw fail("unsupported filter")
                    }
                    i += 1
                    e = .filter(e, filter)
                } else {
                    return e
                }
            }
        }

        mutating func primary() throws -> Expression {
            guard let piece = peek else { throw fail("expression ends early") }
            i += 1
            switch piece {
            case .string(let s): return .literal(.string(s))
            case .int(let n): return .literal(.int(n))
            case .symbol("-"):
                guard case .int(let n)? = peek else { throw fail("expected a number after `-`") }
                i += 1
                return .literal(.int(-n))
            case .symbol("("):
                let e = try or()
                guard take(.symbol(")")) else { throw fail("expected `)`") }
                return e
            case .symbol("["):
                var items: [Expression] = []
                while !take(.symbol("]")) {
                    items.append(try or())
                    if !take(.symbol(",")) { guard take(.symbol("]")) else { throw fail("expected `,` or `]`") }; break }
                }
                return .list(items)
            case .name("true"), .name("True"): return .literal(.bool(true))
            case .name("false"), .name("False"): return .literal(.bool(false))
            case .name("none"), .name("None"): return .literal(.none)
            case .name(let name):
                if take(.symbol("(")) {
                    guard name == "raise_exception" else { throw fail("unsupported function `\(name)`") }
                    var arguments: [Expression] = []
                    while !take(.symbol(")")) {
                        arguments.append(try or())
                        _ = take(.symbol(","))
                    }
                    return .call(name, arguments)
                }
                return .name(name)
            default:
                throw fail("unexpected \(piece)")
            }
        }
    }

    // MARK: - Evaluation

    static func run(_ nodes: [Node], _ scope: inout [String: Value], _ out: inout String) throws {
        for node in nodes {
            switch node {
            case .text(let s): out += s
            case .output(let e): out += try evaluate(e, scope).text
            case .assign(let name, let e): scope[name] = try evaluate(e, scope)
            case .conditional(let branches, let otherwise):
                var done = false
                for (test, body) in branches where try evaluate(test, scope).truthy {
                    try run(body, &scope, &out)
                    done = true
                    break
                }
                if !done { try run(otherwise, &scope, &out) }
            case .loop(let variable, let over, let body):
                guard case .list(let items) = try evaluate(over, scope) else {
                    throw Error(message: "a for loop runs over a list")
                }
                let saved = (scope[variable], scope["loop"])
                for (n, item) in items.enumerated() {
                    scope[variable] = item
                    scope["loop"] = .dict(["index": .int(n + 1), "index0": .int(n), "first": .bool(n == 0),
                                           "last": .bool(n == items.count - 1), "length": .int(items.count)])
                    try run(body, &scope, &out)
                }
                scope[variable] = saved.0
                scope["loop"] = saved.1
            }
        }
    }

    static func evaluate(_ e: Expression, _ scope: [String: Value]) throws -> Value {
        switch e {
        case .literal(let v): return v
        case .name(let n): return scope[n] ?? .undefined
        case .list(let items): return .list(try items.map { try evaluate($0, scope) })
        case .attribute(let base, let name):
            if case .dict(let d) = try evaluate(base, scope) { return d[name] ?? .undefined }
            return .undefined
        case .index(let base, let index):
            let container = try evaluate(base, scope), key = try evaluate(index, scope)
            switch (container, key) {
            case (.dict(let d), .string(let k)): return d[k] ?? .undefined
            case (.list(let l), .int(let n)):
                let at = n < 0 ? l.count + n : n
                return l.indices.contains(at) ? l[at] : .undefined
            default: return .undefined
            }
        case .unary(_, let operand): return .bool(!(try evaluate(operand, scope).truthy))
        case .test(let operand, let test, let negated):
            let v = try evaluate(operand, scope)
            let result: Bool
            switch test {
            case "defined": result = v != .undefined
            case "undefined": result = v == .undefined
            case "none": result = v == .none
            default: if case .string = v { result = true } else { result = false }
            }
            return .bool(result != negated)
        case .filter(let operand, let filter):
            let v = try evaluate(operand, scope)
            switch filter {
            case "trim": return .string(v.text.trimmingCharacters(in: .whitespacesAndNewlines))
            case "upper": return .string(v.text.uppercased())
            case "lower": return .string(v.text.lowercased())
            default:
                switch v {
                case .list(let l): return .int(l.count)
                case .dict(let d): return .int(d.count)
                default: return .int(v.text.count)
                }
            }
        case .call(_, let arguments):
            throw Error(message: "the template raised: \(try arguments.map { try evaluate($0, scope).text }.joined(separator: " "))")
        case .binary(let op, let l, let r):
            let a = try evaluate(l, scope)
            if op == "and" { return a.truthy ? try evaluate(r, scope) : a }
            if op == "or" { return a.truthy ? a : try evaluate(r, scope) }
            let b = try evaluate(r, scope)
            switch op {
            case "==": return .bool(a == b)
            case "!=": return .bool(a != b)
            case "~": return .string(a.text + b.text)
            case "+":
                switch (a, b) {
                case (.int(let x), .int(let y)): return .int(x &+ y)
                case (.list(let x), .list(let y)): return .list(x + y)
                case (.string, _), (_, .string): return .string(a.text + b.text)
                default: throw Error(message: "cannot add \(a.text) and \(b.text)")
                }
            case "-":
                guard case .int(let x) = a, case .int(let y) = b else { throw Error(message: "`-` needs numbers") }
                return .int(x &- y)
            case "in":
                switch b {
                case .list(let l): return .bool(l.contains(a))
                case .dict(let d): return .bool(d[a.text] != nil)
                case .string(let s): return .bool(s.contains(a.text))
                default: return .bool(false)
                }
            default:
                switch (a, b) {
                case (.int(let x), .int(let y)):
                    return .bool(op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y)
                case (.string(let x), .string(let y)):
                    return .bool(op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y)
                default: throw Error(message: "cannot compare \(a.text) and \(b.text)")
                }
            }
        }
    }
}
