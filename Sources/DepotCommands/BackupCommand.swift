import ArgumentParser
import DepotCore
import DepotStore
import Foundation

/// `depot backup`
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take an online, consistent backup of the installation into a new folder.",
        discussion: """
            SQLite: the database through SQLite's online backup API (one snapshot; the server keeps answering and \
            writing meanwhile), the attachments that snapshot refers to, the key file, and manifest.json with every \
            file's SHA-256 and every table's rows and checksum, written last. The folder gets its name only when \
            complete. Restore it with `depot restore`.
            PostgreSQL: pg_dump's archive (custom format; attachments are in the database) and the key file; restore \
            it with pg_restore. For point-in-time recovery use PostgreSQL's base backups and WAL archiving instead.
            """)

    @Option(help: ArgumentHelp("The new folder to write the backup into.", valueName: "dir")) var output: String
    @OptionGroup var store: StoreOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        let manifest = try store.open().backup(to: output)
        if format.resolved == .json { return try Output.json(manifest) }
        let rows = manifest.tables.reduce(0) { $0 + $1.rows }
        let bytes = manifest.attachments.reduce(manifest.database.bytes) { $0 + $1.bytes }
        Output.write(
            "backup of \(manifest.store) in \(output): "
                + (manifest.store == "sqlite" ? "\(rows) rows in \(manifest.tables.count) tables, " : "")
                + "\(manifest.attachments.count) attachment files, \(bytes) bytes\(manifest.keyFile == nil ? "" : ", the key file")\n")
    }
}

/// `depot restore`
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an SQLite backup as a new database, verified before it is put in place.",
        discussion: """
            Checks every file of the backup against its manifest (SHA-256 and size), runs SQLite's integrity check, \
            and compares every table's rows and checksum with the manifest; only then are the database, its \
            attachments (FILE.attachments) and its key file (FILE.key) put in place. Nothing existing is written \
            over: restore to a new path, stop the server, and move it into place.
            """)

    @Argument(help: ArgumentHelp("The backup's folder (made by depot backup).", valueName: "dir")) var backup: String
    @Option(help: ArgumentHelp("The new SQLite file to restore into.", valueName: "file")) var db: String
    @OptionGroup var format: FormatOptions

    func run() throws {
        let report = try DepotDatabase.restore(backup: backup, to: db)
        if format.resolved == .json { return try Output.json(report) }
        Output.write(
            "restored \(backup) to \(report.database): \(report.rows) rows in \(report.tables) tables, \(report.attachments) "
                + "attachment files\(report.keyFile ? ", the key file" : ""); hashes, integrity and every table verified\n")
    }
}
