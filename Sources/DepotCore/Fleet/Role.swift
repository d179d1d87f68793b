/// What a user does in the support organisation; each user has one role.
public enum Role: String, CaseIterable, Sendable, Codable {
    /// Cases and diagnosis.
    case supportEngineer = "support-engineer"
    /// Allocating, shipping, delivering and receiving units; refurbishing and scrapping returns.
    case logistics
    /// Reads everything, closes sales referrals, runs reports.
    case accountManager = "account-manager"
    /// Everything, plus users and imports.
    case admin

    /// Whether the role may do `permission`.
    public func allows(_ permission: Permission) -> Bool {
        switch self {
        case .admin: true
        case .supportEngineer: [.manageCases, .diagnose, .cancelRMA, .readSecureUploads].contains(permission)
        case .logistics: [.moveUnits, .cancelRMA].contains(permission)
        case .accountManager: [.closeReferral, .setPIN].contains(permission)
        }
    }
}

/// A kind of change that only some roles may make.
public enum Permission: String, Sendable, CaseIterable {
    /// Open, respond to, resolve and close support cases.
    case manageCases = "manage cases"
    /// Record a diagnosis (and so start an RMA).
    case diagnose = "diagnose units"
    /// Allocate, ship, deliver, receive, refurbish and scrap units.
    case moveUnits = "move units"
    /// Close a sales referral with its outcome.
    case closeReferral = "close sales referrals"
    /// Cancel an open RMA.
    case cancelRMA = "cancel RMAs"
    /// Import fleet data.
    case importData = "import fleet data"
    /// Run the escalation check.
    case escalate = "run escalations"
    /// Add and change users.
    case manageUsers = "manage users"
    /// Add and remove webhook endpoints.
    case configureNotifications = "configure notifications"
    /// Delete what the retention rules say is due (closed cases' attachments, old secure uploads).
    case applyRetention = "apply retention rules"
    /// Download a secure upload (the portal's secure mail: logs with customers' secrets), each download audited.
    case readSecureUploads = "read secure uploads"
    /// Export a customer's data and erase its contacts' personal data, on request.
    case handleCustomerData = "export and erase customer data"
    /// Create or rotate a customer's after-hours PIN (SPEC.md 8).
    case setPIN = "set customers' after-hours PINs"
}
