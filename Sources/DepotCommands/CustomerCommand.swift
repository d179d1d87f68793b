import ArgumentParser
import DepotCore
import DepotServer
import DepotStore
import Foundation

/// `depot customer`: a customer's data on request (SPEC.md 6).
struct CustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "A customer's after-hours PIN; its data on request: export all of it, erase its contacts' personal data.",
        subcommands: [Pin.self, Export.self, EraseContacts.self]
    )

    /// `depot customer pin`
    struct Pin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or with --rotate replace) a customer's after-hours PIN and print it once.",
            discussion: """
                Premium and premium-plus customers get support round the clock: outside the region's hours a case needs \
                the customer's PIN (depot case open --pin), else it counts as opened at the region's next opening. The \
                PIN is 8 digits, printed only here and stored only as a slow (bcrypt) hash; --rotate replaces it and the \
                old one stops working at once. Admins and account managers may set it.
                """)
        @Argument(help: "The customer's key.") var customer: String
        @Flag(help: "Replace the customer's PIN (the old one stops working).") var rotate = false
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var format: FormatOptions

        func run() throws {
            let pin = Credentials.newPIN()
            let state = try store.open().setCustomerPIN(
                customer, hash: Credentials.hashPassword(pin), rotate: rotate, at: at.instant, actor: store.actor)
            if format.resolved == .json { return try Output.json(KeyedAnswer(fields: ["customer": state.customer, "pin": pin])) }
            Output.write("\(state.customer): after-hours PIN \(pin) (shown only now; give it to the customer)\n")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write everything Depot holds about a customer into one ZIP (JSON and CSV, with a manifest).",
            discussion: """
                CUSTOMER/manifest.json lists every file with its rows, bytes and SHA-256; then customer, sites, contracts, \
                contacts, units, cases, case-timelines, case-escalations, case-waits, diagnoses, rmas, rma-history, \
                attachments, notifications and audit, each as .json and .csv, and the attachments still held under \
                attachments/. The export is audited. Admin only.
                """)
        @Argument(help: "The customer's key.") var customer: String
        @Option(help: ArgumentHelp("The ZIP file to write.", valueName: "file.zip")) var output: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var format: FormatOptions

        func run() throws {
            let export = try store.open().exportCustomer(customer, to: output, at: Instant(Date()), actor: store.actor)
            if format.resolved == .json { return try Output.json(export) }
            Output.write("\(output): \(export.files.count + 1) files for customer \(export.customer)\n")
        }
    }

    struct EraseContacts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase-contacts",
            abstract: "Replace the personal data of a customer's contacts with stable pseudonyms (cannot be undone).",
            discussion: """
                The contacts' names become "Erased contact N" and their addresses erased-contact-N@erased.invalid; the \
                descriptions of the cases they reported are erased; where this customer's own texts (case titles, timelines, \
                diagnoses, RMA notes, its notifications and audit entries) name them, whole words are replaced ("Ann", never \
                "Annual"). Nothing of any other customer is read or changed. Units, cases, RMAs and their dates stay, so every \
                report figure is unchanged. Prints how many cells changed in which columns. Audited. Admin only; needs --confirm.
                """)
        @Argument(help: "The customer's key.") var customer: String
        @Option(help: "Only this contact (an e-mail address).") var contact: String?
        @Flag(help: "Confirm the erasure, which cannot be undone.") var confirm = false
        @OptionGroup var at: AtOption
        @OptionGroup var store: StoreOptions
        @OptionGroup var format: FormatOptions

        func validate() throws {
            guard confirm else { throw ValidationError("erasing personal data cannot be undone: add --confirm") }
        }

        func run() throws {
            let erasure = try store.open().eraseContacts(of: customer, contact: contact, at: at.instant, actor: store.actor)
            if format.resolved == .json { return try Output.json(erasure) }
            var text = "erased \(erasure.contacts.count) contacts of \(customer) (\(erasure.cellsRewritten) cells rewritten)\n"
            for change in erasure.changes { text += "  \(change.table).\(change.column): \(change.cells)\n" }
            Output.write(text)
        }
    }
}
