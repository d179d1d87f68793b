import DepotCore

// Serials and numbers written as literals in tests: `db.unitDetail("ACME-1")`. Only tests have them: in Depot's own
// code `Serial("...")` would then be a literal that traps on a bad value instead of the failable parse it reads as
// (SE-0213), so its sources parse every serial and number explicitly.

extension Serial: ExpressibleByStringLiteral {
    /// A serial written in a test; one that is not a serial stops the test run.
    public init(stringLiteral literal: String) {
        guard let serial = Serial(literal) else { preconditionFailure("not a serial: \(literal)") }
        self = serial
    }
}

extension RecordNumber: ExpressibleByStringLiteral {
    /// A case or RMA number written in a test; one of another shape stops the test run.
    public init(stringLiteral literal: String) {
        guard let number = Self(literal) else { preconditionFailure("not a \(Record.kind.noun) number: \(literal)") }
        self = number
    }
}
