import ArgumentParser
import DepotCore
import DepotNotify
import DepotStore
import Foundation

/// `depot copy`
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole SQLite installation into an empty PostgreSQL database, and verify the copy.",
        discussion: """
            Moves a one-machine installation to a database several servers share: every record with its id, the \
            audit log, users and sessions, the notification outbox and the attachments' content (into the database's \
            chunks). It reads one snapshot of the file and writes in one transaction; before it commits it compares \
            every table's row count and checksum on both sides and reads every attachment back, and a difference \
            leaves the PostgreSQL database empty. Stop the servers on the file first: later changes are not copied. \
            The file's webhook key (DB.key) is copied to --key-file, the one key file every server is then given.
            """)

    @Option(help: ArgumentHelp("The SQLite file to copy.", valueName: "path")) var from: String
    @Option(help: ArgumentHelp("The empty PostgreSQL database: postgres://USER@HOST:PORT/NAME.", valueName: "url")) var to: String
    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "Where to put the installation's key for the servers (needed when it has webhook endpoints or open survey links).",
            valueName: "path"))
    var keyFile: String?
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var output: FormatOptions

    func run() throws {
        let location = try PostgresLocation(to, argument: "--to")
        let source = try DepotDatabase.open(at: from, policy: policy.load())
        let endpoints = try source.endpoints().count
        let links = try source.openSurveyLinks(at: Instant(Date()))
        if endpoints > 0 || links > 0 || keyFile != nil { try copyKey(source, endpoints: endpoints, links: links) }
        let (target, _) = try DepotDatabase.create(postgres: location, policy: policy.load())
        let report = try source.copy(to: target)
        // An installation that never sealed a secret has no key yet: the servers get a new one, as `depot init` makes.
        if let keyFile { _ = try target.withKeyFile(keyFile, create: true).prepareWebhookKey() }
        if output.resolved == .json { return try Output.json(report) }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        Output.write(
            "copied \(report.from) to \(report.to): \(rows) rows in \(report.tables.count) tables, "
                + "\(report.attachmentContents) attachment contents; counts, checksums and contents verified\n")
    }

    /// Puts the file's key at `--key-file` (the same key there already is fine; another is refused): webhook secrets
    /// are sealed and open survey links signed with it.
    private func copyKey(_ source: DepotDatabase, endpoints: Int, links: Int) throws {
        guard let keyFile else {
            throw DepotError.invalidArgument(
                name: "--key-file", value: "",
                reason:
                    "the installation has \(endpoints) webhook endpoint(s) and \(links) open survey link(s) that need its key: say where the servers' key file goes"
            )
        }
        guard let sourceKey = source.keyFile, let key = FileManager.default.contents(atPath: sourceKey) else {
            if endpoints == 0 && links == 0 { return }  // nothing sealed or signed with it: a new key is made after the copy
            throw DepotError.unreadableFile(path: source.keyFile ?? from + ".key", reason: "the installation's webhook key cannot be read")
        }
        if let existing = FileManager.default.contents(atPath: keyFile) {
            guard existing == key else {
                throw DepotError.refused(subject: keyFile, reason: "holds another key; the copy's secrets need the installation's own")
            }
            return
        }
        let fd = open(keyFile, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw DepotError.storage(path: keyFile, message: "cannot create the key file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = key.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, key.count) }
        guard written == key.count, fsync(fd) == 0 else { throw DepotError.storage(path: keyFile, message: "cannot write the key file") }
    }
}
