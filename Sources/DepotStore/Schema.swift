import DepotCore
import GRDB

/// The versioned schema. Migrations are append-only: a released migration is never edited; a change
/// is a new migration. Dates are ISO `YYYY-MM-DD` text and instants ISO `YYYY-MM-DDTHH:MM:SSZ` text in
/// UTC, so both sort as text and read well in `sqlite3`.
enum Schema {
    /// The migrations this build knows, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-fleet-cases-rmas", migrate: v1)
        migrator.registerMigration("v2-users-sessions", migrate: v2)
        migrator.registerMigration("v3-rma-appliance-index", migrate: v3)
        migrator.registerMigration("v4-webhook-endpoints", migrate: v4)
        migrator.registerMigration("v5-case-pauses", migrate: v5)
        migrator.registerMigration("v6-depot-addresses", migrate: v6)
        migrator.registerMigration("v7-attachments", migrate: v7)
        migrator.registerMigration("v8-fleet-integrity", migrate: v8)
        migrator.registerMigration("v9-fleet-size-indexes", migrate: v9)
        migrator.registerMigration("v10-fleet-tallies", migrate: v10)
        migrator.registerMigration(SchemaV11.name, migrate: SchemaV11.sqlite)
        migrator.registerMigration(SchemaV12.name, migrate: SchemaV12.sqlite)
        migrator.registerMigration(SchemaV13.name, migrate: SchemaV13.sqlite)
        migrator.registerMigration(SchemaV14.name, migrate: SchemaV14.sqlite)
        migrator.registerMigration(SchemaV15.name, migrate: SchemaV15.sqlite)
        migrator.registerMigration(SchemaV16.name, migrate: SchemaV16.sqlite)
        return migrator
    }

    /// Fleet integrity (issue 13): an RMA keeps the customer and site of its creation (queries used to follow the
    /// unit, which moves on), and the depot a returned unit went to; an audit entry names the customer whose records
    /// it is about (export and erasure select by it, never by a key that another kind of record may share); an
    /// attachment keeps when the server received it (retention counts from there, not from a user's `--at`).
    /// Returned and scrapped units are at a depot, as SPEC.md 4 says; older databases kept them at the site. A unit
    /// remembers when it last moved, so a step dated before that is refused.
    private static func v8(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE appliance ADD COLUMN moved_at TEXT;
                ALTER TABLE rma ADD COLUMN customer_id INTEGER REFERENCES customer(id);
                ALTER TABLE rma ADD COLUMN site_id INTEGER REFERENCES site(id);
                ALTER TABLE rma ADD COLUMN return_depot_id INTEGER REFERENCES depot(id);
                UPDATE rma SET customer_id = (SELECT customer_id FROM support_case WHERE id = rma.case_id);
                UPDATE rma SET site_id = coalesce(
                    (SELECT a.site_id FROM appliance a WHERE a.id = rma.appliance_id AND a.customer_id = rma.customer_id),
                    (SELECT a.site_id FROM appliance a WHERE a.id = rma.replacement_id AND a.customer_id = rma.customer_id),
                    (SELECT min(id) FROM site WHERE customer_id = rma.customer_id));
                CREATE INDEX rma_customer ON rma(customer_id);
                CREATE INDEX appliance_replaces ON appliance(replaces_id) WHERE replaces_id IS NOT NULL;
                CREATE INDEX appliance_replaced_by ON appliance(replaced_by_id) WHERE replaced_by_id IS NOT NULL;

                ALTER TABLE attachment ADD COLUMN received_at TEXT;
                UPDATE attachment SET received_at = coalesce(
                    (SELECT recorded_at FROM audit WHERE entity = 'attachment' AND action = 'attach' AND entity_key = CAST(attachment.id AS TEXT)
                     ORDER BY id DESC LIMIT 1),
                    uploaded_at);

                ALTER TABLE audit ADD COLUMN customer_id INTEGER REFERENCES customer(id);
                DROP TRIGGER audit_no_update;
                UPDATE audit SET customer_id = CASE
                    WHEN entity = 'case' THEN (SELECT customer_id FROM support_case WHERE number = audit.entity_key)
                    WHEN entity = 'rma' THEN (SELECT customer_id FROM rma WHERE number = audit.entity_key)
                    WHEN entity = 'customer' THEN (SELECT id FROM customer WHERE key = audit.entity_key)
                    WHEN entity IN ('appliance', 'attachment') AND action <> 'import' THEN
                        (SELECT customer_id FROM support_case WHERE json_valid(audit.details) AND number = json_extract(audit.details, '$.case'))
                    WHEN entity = 'notification' THEN (SELECT customer_id FROM notification WHERE id = CAST(audit.entity_key AS INTEGER))
                    WHEN entity = 'webhook-endpoint' THEN (SELECT customer_id FROM webhook_endpoint WHERE id = CAST(audit.entity_key AS INTEGER))
                    END;
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE INDEX audit_customer ON audit(customer_id, id);
                """)
        let stranded = try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, s.region,
                       (SELECT r.depot_id FROM rma r WHERE r.appliance_id = a.id AND r.depot_id IS NOT NULL ORDER BY r.id DESC LIMIT 1) AS rma_depot
                FROM appliance a LEFT JOIN site s ON s.id = a.site_id
                WHERE a.status IN ('returned', 'scrapped') AND a.depot_id IS NULL
                """)
        for unit in stranded {
            let depot =
                try (unit["rma_depot"] as Int64?)
                ?? Int64.fetchOne(db, sql: "SELECT id FROM depot ORDER BY region IS NOT ?, key LIMIT 1", arguments: [unit["region"]])
            guard let depot else { break }
            try db.execute(
                sql: "UPDATE appliance SET depot_id = ?, customer_id = NULL, site_id = NULL WHERE id = ?", arguments: [depot, unit["id"]])
        }
    }

    /// Files attached to cases, stored content-addressed beside the database (`DB.attachments/ab/abcdef...`): the
    /// row holds the user's name for the file (shown, never a path), its type, size and SHA-256.
    private static func v7(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE attachment (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    name TEXT NOT NULL CHECK (length(name) > 0),
                    media_type TEXT NOT NULL,
                    size INTEGER NOT NULL CHECK (size > 0),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    secure INTEGER NOT NULL CHECK (secure IN (0, 1)),
                    uploaded_at TEXT NOT NULL,
                    uploaded_by TEXT NOT NULL
                );
                CREATE INDEX attachment_case ON attachment(case_id);
                CREATE INDEX attachment_sha256 ON attachment(sha256);
                """)
    }

    /// Shipping labels need the depot's address, and the depot a replacement left from (where the defective
    /// unit goes back to).
    private static func v6(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE depot ADD COLUMN address TEXT NOT NULL DEFAULT '';
                ALTER TABLE rma ADD COLUMN depot_id INTEGER REFERENCES depot(id);
                """)
    }

    /// The times a case waited on the customer (SPEC.md 3): escalation clocks stop from `started_at` until
    /// `ended_at`; at most one pause of a case is running.
    private static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE case_pause (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    reason TEXT NOT NULL CHECK (length(reason) > 0),
                    started_at TEXT NOT NULL,
                    started_by TEXT NOT NULL,
                    ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= started_at),
                    ended_by TEXT
                );
                CREATE INDEX case_pause_case ON case_pause(case_id, started_at);
                CREATE UNIQUE INDEX case_pause_running ON case_pause(case_id) WHERE ended_at IS NULL;
                """)
    }

    /// Where notifications go: one endpoint per target, and optionally one per target and customer (a TAM's
    /// own channel). The signing secret is sealed with the database's key file (AES-GCM), never stored plain.
    /// A notification retried by hand counts its give-up time from `retried_at`.
    private static func v4(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE webhook_endpoint (
                    id INTEGER PRIMARY KEY,
                    target TEXT NOT NULL CHECK (\(oneOf("target", ["leadership", "tam", "account-manager", "logistics"]))),
                    customer_id INTEGER REFERENCES customer(id),
                    url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
                    format TEXT NOT NULL CHECK (format = 'json' OR format = 'slack'),
                    secret_sealed BLOB NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX webhook_endpoint_target ON webhook_endpoint(target, ifnull(customer_id, 0));
                ALTER TABLE notification ADD COLUMN retried_at TEXT;
                """)
    }

    /// A unit's RMAs are looked up by the unit (the unit page and API): v1 indexed only its open RMA.
    private static func v3(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX rma_appliance ON rma(appliance_id)")
    }

    /// `column = 'a' OR column = 'b' ...`: a CHECK that SQLite evaluates in place. (`column IN (...)` makes
    /// SQLite build an ephemeral table for every inserted row: a third of the bulk import's time, measured.)
    private static func oneOf(_ column: String, _ values: [String]) -> String {
        values.map { "\(column) = '\($0)'" }.joined(separator: " OR ")
    }

    /// Users of the server, their API tokens and browser sessions; secrets only as hashes.
    private static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE app_user (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
                    role TEXT NOT NULL CHECK (\(oneOf("role", Role.allCases.map(\.rawValue)))),
                    password_hash TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE web_session (
                    id_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES app_user(id),
                    csrf_token TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                CREATE INDEX web_session_user ON web_session(user_id);
                """)
    }

    private static func v1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE model (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
                    name TEXT NOT NULL,
                    warranty_months INTEGER NOT NULL CHECK (warranty_months BETWEEN 0 AND 600),
                    successor_id INTEGER REFERENCES model(id) CHECK (successor_id IS NULL OR successor_id <> id)
                );
                CREATE TABLE customer (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
                    name TEXT NOT NULL,
                    region TEXT NOT NULL,
                    account_manager TEXT NOT NULL,
                    tam TEXT
                );
                CREATE TABLE site (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    name TEXT NOT NULL,
                    country TEXT NOT NULL,
                    region TEXT NOT NULL,
                    address TEXT NOT NULL
                );
                CREATE INDEX site_customer ON site(customer_id);
                CREATE TABLE depot (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
                    name TEXT NOT NULL,
                    region TEXT NOT NULL
                );
                CREATE TABLE contract (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    tier TEXT NOT NULL CHECK (\(oneOf("tier", ["standard", "premium", "premium-plus"]))),
                    start_date TEXT NOT NULL,
                    end_date TEXT NOT NULL,
                    max_contacts INTEGER NOT NULL CHECK (max_contacts >= 0),
                    CHECK (start_date <= end_date)
                );
                CREATE INDEX contract_customer ON contract(customer_id, start_date);
                CREATE TABLE contact (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    name TEXT NOT NULL,
                    designated INTEGER NOT NULL CHECK (designated BETWEEN 0 AND 1),
                    certified INTEGER NOT NULL CHECK (certified BETWEEN 0 AND 1)
                );
                CREATE INDEX contact_customer ON contact(customer_id);
                CREATE TABLE release (
                    id INTEGER PRIMARY KEY,
                    version TEXT NOT NULL UNIQUE,
                    released_on TEXT NOT NULL
                );
                CREATE TABLE appliance (
                    id INTEGER PRIMARY KEY,
                    serial TEXT NOT NULL UNIQUE CHECK (serial <> ''),
                    model_id INTEGER NOT NULL REFERENCES model(id),
                    customer_id INTEGER REFERENCES customer(id),
                    site_id INTEGER REFERENCES site(id),
                    depot_id INTEGER REFERENCES depot(id),
                    ship_date TEXT NOT NULL,
                    warranty_end TEXT NOT NULL,
                    replacement_warranty INTEGER NOT NULL DEFAULT 0 CHECK (replacement_warranty BETWEEN 0 AND 1),
                    software_version TEXT,
                    status TEXT NOT NULL CHECK (\(oneOf("status", ApplianceStatus.allCases.map(\.rawValue)))),
                    replaces_id INTEGER REFERENCES appliance(id),
                    replaced_by_id INTEGER REFERENCES appliance(id),
                    CHECK ((site_id IS NULL) = (customer_id IS NULL))
                );
                CREATE INDEX appliance_spare ON appliance(model_id, depot_id) WHERE status = 'in-stock';

                CREATE TABLE counter (
                    name TEXT PRIMARY KEY,
                    last INTEGER NOT NULL CHECK (last >= 0)
                );

                CREATE TABLE support_case (
                    id INTEGER PRIMARY KEY,
                    number TEXT NOT NULL UNIQUE,
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    contact_id INTEGER NOT NULL REFERENCES contact(id),
                    appliance_id INTEGER REFERENCES appliance(id),
                    type TEXT NOT NULL CHECK (\(oneOf("type", ["hardware-fault", "product-defect", "question", "custom-development", "enhancement"]))),
                    title TEXT NOT NULL CHECK (length(title) > 0),
                    description TEXT NOT NULL,
                    product_version TEXT,
                    impact TEXT NOT NULL CHECK (\(oneOf("impact", ["high", "medium", "low"]))),
                    urgency TEXT NOT NULL CHECK (\(oneOf("urgency", ["high", "medium", "low"]))),
                    suggested_priority TEXT NOT NULL CHECK (\(oneOf("suggested_priority", ["P1", "P2", "P3", "P4"]))),
                    priority TEXT NOT NULL CHECK (\(oneOf("priority", ["P1", "P2", "P3", "P4"]))),
                    priority_reason TEXT,
                    status TEXT NOT NULL CHECK (\(oneOf("status", ["open", "responded", "waiting-on-customer", "workaround", "resolved", "closed"]))),
                    tier TEXT CHECK (\(oneOf("tier", ["standard", "premium", "premium-plus"]))),
                    region TEXT NOT NULL,
                    opened_at TEXT NOT NULL,
                    response_due TEXT,
                    response_threshold TEXT,
                    responded_at TEXT,
                    workaround_at TEXT,
                    resolved_at TEXT,
                    closed_at TEXT,
                    closed_confirmed_by INTEGER REFERENCES contact(id),
                    opened_by TEXT NOT NULL
                );
                CREATE INDEX case_customer ON support_case(customer_id);
                CREATE INDEX case_status ON support_case(status);
                CREATE INDEX case_appliance ON support_case(appliance_id);
                CREATE TABLE case_escalation (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    target TEXT NOT NULL CHECK (\(oneOf("target", ["leadership", "tam"]))),
                    threshold TEXT NOT NULL,
                    due_at TEXT NOT NULL,
                    fired_at TEXT,
                    UNIQUE (case_id, target)
                );
                CREATE INDEX escalation_pending ON case_escalation(due_at) WHERE fired_at IS NULL;
                CREATE TABLE case_event (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    at TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    note TEXT
                );
                CREATE INDEX case_event_case ON case_event(case_id, at);
                CREATE TABLE diagnosis (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    appliance_id INTEGER NOT NULL REFERENCES appliance(id),
                    verdict TEXT NOT NULL CHECK (\(oneOf("verdict", ["defective", "not-defective", "needs-more-info"]))),
                    note TEXT NOT NULL,
                    checks TEXT NOT NULL DEFAULT '',
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL
                );
                CREATE INDEX diagnosis_appliance ON diagnosis(appliance_id);

                CREATE TABLE rma (
                    id INTEGER PRIMARY KEY,
                    number TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    appliance_id INTEGER NOT NULL REFERENCES appliance(id),
                    path TEXT NOT NULL CHECK (\(oneOf("path", ["advance-replacement", "return-then-replace", "sales-referral"]))),
                    state TEXT NOT NULL CHECK (\(oneOf("state", ["approved", "allocated", "shipped", "delivered", "return-shipped", "return-received", "awaiting-return", "referred", "closed", "cancelled"]))),
                    reason TEXT NOT NULL,
                    tier TEXT,
                    warranty_end TEXT NOT NULL,
                    in_warranty INTEGER NOT NULL,
                    region TEXT NOT NULL,
                    verdict_at TEXT NOT NULL,
                    ship_by TEXT,
                    return_due TEXT,
                    replacement_id INTEGER REFERENCES appliance(id),
                    carrier TEXT,
                    tracking TEXT,
                    return_carrier TEXT,
                    return_tracking TEXT,
                    allocated_at TEXT,
                    shipped_at TEXT,
                    delivered_at TEXT,
                    return_shipped_at TEXT,
                    received_at TEXT,
                    closed_at TEXT,
                    outcome TEXT CHECK (\(oneOf("outcome", ["purchased", "declined"]))),
                    cancel_reason TEXT
                );
                CREATE UNIQUE INDEX rma_one_open_per_unit ON rma(appliance_id) WHERE state NOT IN ('closed','cancelled');
                CREATE INDEX rma_state ON rma(state);
                CREATE INDEX rma_replacement ON rma(replacement_id);
                CREATE TABLE rma_event (
                    id INTEGER PRIMARY KEY,
                    rma_id INTEGER NOT NULL REFERENCES rma(id),
                    at TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    note TEXT
                );
                CREATE INDEX rma_event_rma ON rma_event(rma_id, at);

                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY,
                    event TEXT NOT NULL,
                    target TEXT NOT NULL CHECK (\(oneOf("target", ["leadership", "tam", "account-manager", "logistics"]))),
                    customer_id INTEGER REFERENCES customer(id),
                    subject TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (\(oneOf("state", ["pending", "delivered", "dead"]))),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    next_attempt_at TEXT NOT NULL,
                    delivered_at TEXT,
                    last_error TEXT
                );
                CREATE INDEX notification_due ON notification(next_attempt_at) WHERE state = 'pending';

                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    recorded_at TEXT NOT NULL,
                    at TEXT NOT NULL,
                    user TEXT NOT NULL,
                    role TEXT NOT NULL,
                    action TEXT NOT NULL,
                    entity TEXT NOT NULL,
                    entity_key TEXT NOT NULL,
                    reason TEXT,
                    details TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX audit_entity ON audit(entity, entity_key);
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
    }
}
