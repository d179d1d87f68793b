/// Finding and replacing a person's name or e-mail address in free text as a whole word only: erasing `Ann` must
/// not touch `Annual` or `Joanne`, erasing `ann@x.example` must not touch `joann@x.example` (SPEC.md 6).
public enum WholeWords {
    /// What is looked for: a name (matched exactly, `-` counts as part of a word so `Ann` is not `Ann-Marie`) or an
    /// e-mail address (matched ignoring case; the characters of an address around it make it another address).
    public enum Kind: Sendable {
        case name, email
    }

    /// `text` with every whole-word occurrence of `word` replaced by `replacement`, and how many there were.
    public static func replace(in text: String, _ word: String, with replacement: String, kind: Kind) -> (text: String, count: Int) {
        let haystack = Array(text.unicodeScalars)
        let needle = Array((kind == .email ? word.lowercased() : word).unicodeScalars)
        guard !needle.isEmpty, haystack.count >= needle.count else { return (text, 0) }
        var out = String.UnicodeScalarView()
        var count = 0
        var i = 0
        while i < haystack.count {
            if i + needle.count <= haystack.count, matches(haystack, at: i, needle, kind: kind),
                !isWordPart(i > 0 ? haystack[i - 1] : nil, kind: kind, before: true),
                !continues(haystack, after: i + needle.count, kind: kind)
            {
                out.append(contentsOf: replacement.unicodeScalars)
                count += 1
                i += needle.count
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        return count == 0 ? (text, 0) : (String(out), count)
    }

    private static func matches(_ haystack: [Unicode.Scalar], at start: Int, _ needle: [Unicode.Scalar], kind: Kind) -> Bool {
        for (offset, scalar) in needle.enumerated() {
            var candidate = haystack[start + offset]
            if kind == .email, candidate.value < 0x80, candidate.properties.isUppercase {
                candidate = Unicode.Scalar(candidate.value + 32) ?? candidate
            }
            if candidate != scalar { return false }
        }
        return true
    }

    /// Whether the text goes on with the same word after `index`. A full stop ends an address when no address
    /// character follows it (`mail ann@x.example.` ends a sentence).
    private static func continues(_ haystack: [Unicode.Scalar], after index: Int, kind: Kind) -> Bool {
        guard index < haystack.count else { return false }
        let next = haystack[index]
        if kind == .email, next == "." || next == "_" || next == "%" || next == "+" {
            return index + 1 < haystack.count && isWordPart(haystack[index + 1], kind: kind, before: false)
        }
        return isWordPart(next, kind: kind, before: false)
    }

    private static func isWordPart(_ scalar: Unicode.Scalar?, kind: Kind, before: Bool) -> Bool {
        guard let scalar else { return false }
        if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_" || scalar == "-" { return true }
        // Before an address, these still belong to a longer one (`x.ann@...`, `x+ann@...`).
        return kind == .email && before && (scalar == "." || scalar == "%" || scalar == "+")
    }
}
