import ArgumentParser
import DepotCore
import Foundation

/// The `depot` command: the root of every subcommand.
public struct DepotCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "depot",
        abstract: "Depot: hardware RMA and appliance-fleet tracker.",
        discussion: """
            Instants are ISO 8601 with a UTC offset (2026-12-24T17:30:00+01:00) and are printed in UTC. \
            Dates are YYYY-MM-DD. The policy (centres, hours, holidays, SLAs, RMA deadlines) is the built-in \
            default unless --policy FILE or $DEPOT_POLICY names a policy file; see `depot policy show`.
            The database is --db PATH (an SQLite file) or --database postgres://USER@HOST:PORT/NAME (PostgreSQL, shared \
            by several servers), else $DEPOT_DATABASE, else $DEPOT_DB, else ./depot.sqlite; create it with `depot init`.
            Changes are recorded in the audit log as --as NAME, else $DEPOT_USER, else the login name.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, MigrateCommand.self, CopyCommand.self, BackupCommand.self, RestoreCommand.self, ImportCommand.self,
            CaseCommand.self, DiagnoseCommand.self,
            RMACommand.self,
            UnitCommand.self,
            CustomerCommand.self,
            EscalateCommand.self, RetentionCommand.self, AuditCommand.self, ReportCommand.self, UserCommand.self, ServeCommand.self,
            DemoCommand.self,
            NotifyCommand.self, CalendarCommand.self, SLACommand.self, WarrantyCommand.self, PolicyCommand.self, CheckCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line: parses, runs, and turns every error into one clear message and an exit code.
    public static func runMain(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let error as DepotError {
            Output.writeError(error.cliMessage)
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

extension DepotError {
    /// The message as the command line prints it: policy problems one per line, compiler style.
    var cliMessage: String {
        switch self {
        case .invalidPolicy(let problems): problems.map { "error: \($0)" }.joined(separator: "\n")
        default: "error: " + message
        }
    }

    /// The exit code (sysexits.h where one fits).
    var exitCode: Int32 {
        switch self {
        case .invalidArgument, .unknownRegion, .unknownCalendar: 64  // EX_USAGE
        case .invalidFile, .invalidPolicy: 65  // EX_DATAERR
        case .unreadableFile: 66  // EX_NOINPUT
        case .outsideCalendarHorizon, .regionNeverOpen, .unknownVersion: 65
        case .databaseMissing: 66  // EX_NOINPUT
        case .databaseNewer: 69  // EX_UNAVAILABLE
        case .storage: 74  // EX_IOERR
        case .unreadableValue: 70  // EX_SOFTWARE
        case .invalidImport, .refused, .illegalTransition: 65
        case .notFound: 66
        case .forbidden, .unauthenticated: 77  // EX_NOPERM
        }
    }
}
