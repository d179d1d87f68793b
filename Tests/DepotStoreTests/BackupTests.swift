import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import GRDB
import Testing

/// Set once, read from any thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Issue 19: backups taken while the server writes, restored and verified.
@Suite("Backups", .enabled(if: !TestBackend.isPostgres))
struct BackupTests {
    static let at = Instant(iso: "2026-11-23T15:00:00Z")!

    static func newCase(_ title: String) -> NewCase {
        NewCase(customer: "ACME", contact: "dev@acme.example", type: .question, impact: .low, urgency: .low, title: title)
    }

    static func attach(_ database: DepotDatabase, _ number: CaseNumber, _ text: String) throws {
        let upload = try database.beginUpload()
        try upload.append(Array(text.utf8))
        _ = try database.attach(upload, to: number, name: "\(text).txt", mediaType: nil, secure: false, at: at, actor: TestDepot.engineer)
    }

    /// Every table's rows and checksum, as the manifest counts them.
    static func tables(_ path: String) throws -> [String: String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            var sums: [String: String] = [:]
            for name in names {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(name)\"")
                sums[name] = rows.map(\.description).sorted().joined(separator: "\n")
            }
            return sums
        }
    }

    @Test("a backup taken while cases are opened and files attached restores to a consistent installation; when quiet, to an equal one")
    func underWrites() async throws {
        let depot = try TestDepot.withFleet(now: Self.at)
        let database = depot.database
        _ = try InstallationKey(database: database).key()  // made on first use: here before the backup
        let first = try database.openCase(Self.newCase("before"), at: Self.at, actor: TestDepot.engineer)
        try Self.attach(database, first, "before")
        let folder = NSTemporaryDirectory() + "depot-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Writers carry on while the backup is taken, and after it.
        let backedUp = Flag()
        let writers = Task {
            var opened = 0
            var after = 0
            while after < 5 {
                let title = "during \(opened)"
                let number = try await database.grouped {
                    try database.openCase(Self.newCase(title), at: Self.at, actor: TestDepot.engineer)
                }
                if opened % 10 == 0 { try Self.attach(database, number, "during \(opened)") }
                opened += 1
                if backedUp.isSet { after += 1 }
            }
            return opened
        }
        func cases() throws -> Int { try database.read { db in try db.value(Int.self, "SELECT count(*) FROM support_case") } ?? 0 }
        while try cases() < 20 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let manifest = try await Task.detached { try database.backup(to: folder + "/during") }.value
        backedUp.set()
        _ = try await writers.value
        let restored = folder + "/restored.sqlite"
        let report = try DepotDatabase.restore(backup: folder + "/during", to: restored)
        #expect(report.tables == manifest.tables.count && report.attachments == manifest.attachments.count && report.keyFile)
        let copy = try DepotDatabase.open(at: restored, policy: database.policy)
        // Consistent: the invariants hold, every case is whole, every attachment's content is there and checks out.
        #expect(try copy.invariantViolations() == [])
        let numbers = try copy.read { db in try db.values(String.self, "SELECT number FROM support_case ORDER BY id") }
        let total = try database.read { db in try db.value(Int.self, "SELECT count(*) FROM support_case") } ?? 0
        #expect(numbers.count >= 20 && numbers.count < total, "cases opened before the backup are in it, those after are not")
        let attachments = try copy.read { db in
            try db.values(String.self, "SELECT number FROM support_case c JOIN attachment a ON a.case_id = c.id")
        }
        for number in Set(attachments) {
            for attachment in try copy.attachments(of: CaseNumber(number)!) {
                #expect(throws: Never.self) { _ = try copy.attachmentContent(attachment) }
            }
        }
        // Quiet now: a second backup restores to exactly the source, table for table, row for row.
        _ = try database.backup(to: folder + "/quiet")
        _ = try DepotDatabase.restore(backup: folder + "/quiet", to: folder + "/quiet.sqlite")
        #expect(try Self.tables(folder + "/quiet.sqlite") == Self.tables(database.path))
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder + "/quiet.sqlite.attachments").filter { $0.count > 60 }
        #expect(files.count == (try database.storedAttachmentContents().count))
        for file in files {
            let mode = try FileManager.default.attributesOfItem(atPath: folder + "/quiet.sqlite.attachments/" + file)[.posixPermissions]
            #expect((mode as? Int).map { $0 & 0o077 } == 0, "restored \(file) is readable by others")
        }
        #expect(
            FileManager.default.contents(atPath: folder + "/quiet.sqlite.key")
                == FileManager.default.contents(atPath: database.keyFile ?? ""))
    }

    @Test("a restore refuses a changed file, a missing manifest and an existing target, and leaves nothing behind")
    func refusals() throws {
        let depot = try TestDepot.withFleet(now: Self.at)
        let number = try depot.database.openCase(Self.newCase("x"), at: Self.at, actor: TestDepot.engineer)
        try Self.attach(depot.database, number, "evidence")
        let folder = NSTemporaryDirectory() + "depot-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let manifest = try depot.database.backup(to: folder + "/b")
        #expect(throws: DepotError.self) { try depot.database.backup(to: folder + "/b") }
        // One byte of an attachment changed.
        let attachment = try #require(manifest.attachments.first)
        let path = folder + "/b/" + attachment.path
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[0] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            try DepotDatabase.restore(backup: folder + "/b", to: folder + "/r.sqlite")
        } throws: { error in
            (error as? DepotError)?.message.contains("does not match the manifest") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["b"], "nothing left behind")
        bytes[0] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: folder + "/b/manifest.json")
        #expect(throws: DepotError.self) { try DepotDatabase.restore(backup: folder + "/b", to: folder + "/r.sqlite") }
        #expect(throws: DepotError.self) { try DepotDatabase.restore(backup: folder + "/b", to: depot.database.path) }
    }

    @Test("a restore removes what a killed restore to the same path left behind, never a running one's files")
    func abandonedRestores() throws {
        let depot = try TestDepot.withFleet(now: Self.at)
        let folder = NSTemporaryDirectory() + "depot-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try depot.database.backup(to: folder + "/b")
        // A process id no system gives out (above the kernel's largest), and this process's parent's (running).
        let (gone, running) = ("r.sqlite.restoring-2147483646", "r.sqlite.restoring-\(getppid())")
        let left = [gone, gone + ".key", gone + "-wal", running, "r.sqlite.restoring-notes.txt", "rr.sqlite.restoring-2147483646"]
        for name in left { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("x".utf8)) }
        try FileManager.default.createDirectory(atPath: folder + "/" + gone + ".attachments/ab", withIntermediateDirectories: true)
        _ = try DepotDatabase.restore(backup: folder + "/b", to: folder + "/r.sqlite")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        #expect(after.isDisjoint(with: [gone, gone + ".key", gone + "-wal", gone + ".attachments"]))
        #expect(after.isSuperset(of: [running, "r.sqlite.restoring-notes.txt", "rr.sqlite.restoring-2147483646", "r.sqlite"]))

        // Killed while putting files in place: the key and attachments it moved are in place, the database is not,
        // and the list of what it was moving is left. The next restore removes them and restores.
        try FileManager.default.removeItem(atPath: folder + "/r.sqlite")
        try FileManager.default.createDirectory(atPath: folder + "/k.sqlite.attachments/ab", withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: folder + "/k.sqlite.key"))
        try Data("\(folder)/k.sqlite.key\n\(folder)/k.sqlite.attachments\n\(folder)/b/manifest.json".utf8).write(
            to: URL(fileURLWithPath: folder + "/k.sqlite.restoring-2147483646.placing"))
        _ = FileManager.default.createFile(atPath: folder + "/k.sqlite.restoring-2147483646", contents: Data("x".utf8))
        _ = try DepotDatabase.restore(backup: folder + "/b", to: folder + "/k.sqlite")
        #expect(FileManager.default.contents(atPath: folder + "/k.sqlite.key") == FileManager.default.contents(atPath: folder + "/b/key"))
        #expect(FileManager.default.fileExists(atPath: folder + "/b/manifest.json"), "only the key and attachments it names are removed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("k.sqlite.restoring") }.isEmpty)
        // A backup killed before it finished left its partial folder: the next backup to that name removes it.
        try FileManager.default.createDirectory(atPath: folder + "/c.partial-2147483646/attachments", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/c.partial-\(getppid())", withIntermediateDirectories: true)
        _ = try depot.database.backup(to: folder + "/c")
        let remaining = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        #expect(!remaining.contains("c.partial-2147483646") && remaining.contains("c.partial-\(getppid())") && remaining.contains("c"))
    }

    @Test("a restore refuses a manifest path out of the backup, an attachment left out, and a symbolic link where the database goes")
    func manifestPaths() throws {
        let depot = try TestDepot.withFleet(now: Self.at)
        let number = try depot.database.openCase(Self.newCase("x"), at: Self.at, actor: TestDepot.engineer)
        try Self.attach(depot.database, number, "evidence")
        let folder = NSTemporaryDirectory() + "depot-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try depot.database.backup(to: folder + "/b")
        let manifestPath = folder + "/b/manifest.json"
        let original = try #require(FileManager.default.contents(atPath: manifestPath))
        func restoring(_ change: (inout [String: Any]) -> Void) throws -> DepotError? {
            guard var manifest = try JSONSerialization.jsonObject(with: original) as? [String: Any] else { return nil }
            change(&manifest)
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
            defer { try? original.write(to: URL(fileURLWithPath: manifestPath)) }
            do {
                _ = try DepotDatabase.restore(backup: folder + "/b", to: folder + "/r.sqlite")
                return nil
            } catch { return error }
        }
        let outside = try restoring { manifest in
            var files = manifest["attachments"] as? [[String: Any]] ?? []
            files[0]["path"] = "../outside/f"
            manifest["attachments"] = files
        }
        #expect(outside?.message.contains("not a file a backup writes") == true)
        let leftOut = try restoring { manifest in manifest["attachments"] = [[String: Any]]() }
        #expect(leftOut?.message.contains("does not hold") == true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.sqlite", withDestinationPath: folder + "/nowhere")
        #expect(throws: DepotError.self) { try DepotDatabase.restore(backup: folder + "/b", to: folder + "/link.sqlite") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["b", "link.sqlite"], "nothing left behind")
    }

    @Test("rotation: backups named by time, the newest N kept, other folders left alone")
    func rotation() throws {
        let depot = try TestDepot.withFleet(now: Self.at)
        let folder = NSTemporaryDirectory() + "depot-backups-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        // Named as a backup, older than all, with a file called manifest.json that is not Depot's: never removed.
        try FileManager.default.createDirectory(atPath: folder + "/depot-20200101T000000Z", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/depot-20200101T000000Z/manifest.json"))
        var removed: [String] = []
        for hour in 0..<4 {
            removed += try depot.database.rotateBackups(in: folder, keep: 2, now: Self.at.adding(seconds: Int64(hour) * 3600)).removed
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left == ["depot-20200101T000000Z", "depot-20261123T170000Z", "depot-20261123T180000Z", "notes"])
        // As private as the database: the folders only for their owner, every file too.
        let backup = folder + "/depot-20261123T180000Z"
        let paths = [backup] + (FileManager.default.subpaths(atPath: backup) ?? []).map { backup + "/" + $0 }
        let modes = try paths.map { path in
            ((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0) & 0o077
        }
        #expect(paths.count >= 3 && modes.allSatisfy { $0 == 0 }, "\(zip(paths, modes).filter { $0.1 != 0 })")
        #expect(removed.map { ($0 as NSString).lastPathComponent } == ["depot-20261123T150000Z", "depot-20261123T160000Z"])
    }
}

/// Issue 19 on PostgreSQL: pg_dump's archive and the key file, and `depot restore` pointing to pg_restore.
@Suite("Backups on PostgreSQL", .enabled(if: TestBackend.isPostgres))
struct PostgresBackupTests {
    @Test("a backup is pg_dump's archive, listed by pg_restore; depot restore refuses it, naming pg_restore")
    func dump() throws {
        let depot = try TestDepot.withFleet()
        let folder = NSTemporaryDirectory() + "depot-pg-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let manifest = try depot.database.backup(to: folder + "/b")
        #expect(manifest.store == "postgres" && manifest.database.path == "depot.pgdump" && manifest.database.bytes > 0)
        #expect(manifest.schema == (try depot.database.schemaVersion()))
        let list = Process()
        list.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        list.arguments = ["pg_restore", "--list", folder + "/b/depot.pgdump"]
        let output = Pipe()
        list.standardOutput = output
        try list.run()
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        list.waitUntilExit()
        #expect(list.terminationStatus == 0 && listed.contains("TABLE DATA") && listed.contains("support_case"))
        #expect {
            try DepotDatabase.restore(backup: folder + "/b", to: folder + "/r.sqlite")
        } throws: { error in
            (error as? DepotError)?.message.contains("pg_restore") == true
        }
    }
}
