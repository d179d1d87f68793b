import ArgumentParser
import DepotCore
import Foundation

/// `--policy FILE`, shared by every command that uses the policy.
public struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp(
            "Policy file (YAML). Default: $DEPOT_POLICY, else the built-in default policy.", valueName: "file"))
    var path: String?

    public init() {}

    /// The policy in force.
    func load() throws(DepotError) -> Policy {
        guard let path = path ?? ProcessInfo.processInfo.environment["DEPOT_POLICY"], !path.isEmpty else {
            return Policy.builtInDefault()
        }
        return try PolicyFile.load(path)
    }
}

/// Reads policy files from disk for the pure loader.
enum PolicyFile {
    /// Loads and validates the policy at `path`; iCalendar files it names are read relative to its folder.
    static func load(_ path: String) throws(DepotError) -> Policy {
        let text = try read(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try PolicyLoader.load(yaml: text, file: path, defaults: Policy.builtInDefault()) { name in
            let resolved = name.hasPrefix("/") ? name : folder.appendingPathComponent(name).path
            return try read(resolved)
        }
    }

    /// A text file's content, or a clear error.
    static func read(_ path: String) throws(DepotError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw .unreadableFile(
                path: path, reason: !exists ? "no such file" : isDirectory.boolValue ? "is a folder" : "permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        return text
    }
}
