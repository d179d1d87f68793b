import Yams

/// Walks a composed YAML document, collecting every problem with its dotted path and line,
/// so that loading a policy reports all of its problems at once and never crashes.
struct PolicyReader {
    let file: String
    private(set) var problems: [PolicyProblem] = []

    init(file: String) { self.file = file }

    mutating func report(_ path: String, _ node: Node?, _ message: String) {
        problems.append(PolicyProblem(file: file, path: path, line: node?.mark?.line, message: message))
    }

    /// The entries of a mapping, in order, with string keys; reports keys outside `allowed` (when given).
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]? = nil) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let map) = node else {
            report(path, node, "expected a mapping of keys to values")
            return nil
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        var seen = Set<String>()
        for (k, v) in map {
            guard let key = k.scalar?.string else {
                report(path, k, "keys must be plain text")
                continue
            }
            let keyPath = path.isEmpty ? key : path + "." + key
            if !seen.insert(key).inserted {
                report(keyPath, k, "duplicate key")
                continue
            }
            if let allowed, !allowed.contains(key) {
                report(keyPath, k, "unknown key \"\(key)\" (expected one of \(allowed.joined(separator: ", ")))")
                continue
            }
            entries.append((key, k, v))
        }
        return entries
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard let s = node.scalar?.string, !s.isEmpty else {
            report(path, node, "expected text")
            return nil
        }
        return s
    }

    /// A list of strings; a single string is taken as a list of one.
    mutating func strings(_ node: Node, _ path: String) -> [String]? {
        if let s = node.scalar?.string { return [s] }
        guard case .sequence(let seq) = node else {
            report(path, node, "expected a list")
            return nil
        }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            guard let s = string(item, "\(path)[\(i)]") else { return nil }
            out.append(s)
        }
        return out
    }

    mutating func int(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let s = node.scalar?.string, let v = Int(s) else {
            report(path, node, "expected a whole number")
            return nil
        }
        guard range.contains(v) else {
            report(path, node, "\(v) is out of range (\(range.lowerBound) to \(range.upperBound))")
            return nil
        }
        return v
    }

    mutating func duration(_ node: Node, _ path: String) -> ClockDuration? {
        guard let s = node.scalar?.string else {
            report(path, node, "expected a duration such as \"2 business-hours\"")
            return nil
        }
        switch ClockDuration.parse(s) {
        case .success(let d): return d
        case .failure(let e):
            report(path, node, e.message)
            return nil
        }
    }

    mutating func date(_ node: Node, _ path: String) -> LocalDate? {
        guard let s = node.scalar?.string, let d = LocalDate(iso: s) else {
            report(path, node, "expected a date (YYYY-MM-DD), got \"\(node.scalar?.string ?? "a collection")\"")
            return nil
        }
        return d
    }
}
