import GRDB

/// v13, the rest of the support handbook (issue 18), in both dialects:
///
/// - three notification targets: `professional-services` (custom-development requests are referred there),
///   `on-call` (a case opened after hours with the customer's PIN) and `contacts` (the vendor's mail gateway to the
///   customers' contacts: the welcome letter, survey invitations);
/// - `support_case.owner`: the Depot user who took the case (NULL: unassigned);
/// - `support_case.after_hours`: how a premium or premium-plus case opened while its region was closed went: `pin`
///   (a valid PIN: its clocks run in wall-clock time from the opening), `no-pin`, `wrong-pin` or `pin-limited` (too
///   many wrong PINs: not checked). NULL: opened during the region's hours, or a tier without after-hours support.
///   `support_case.clocks_from`: when its clocks start, when that is not the opening (the region's next opening);
/// - `customer.pin_hash` and `customer.pin_rotated_at`: the after-hours PIN, only as a slow hash;
///   `pin_failure`: each wrong PIN, by customer and the server's time, for the limit;
/// - `customer_escalation`: an escalation a customer's contact asked for, with the reason;
/// - `survey_invitation`: the satisfaction survey of a closed case: its contact, the one-time token's SHA-256, when
///   it expires, and the answer (a score 1-5 and a comment), given once.
enum SchemaV13 {
    static let name = "v13-handbook-records"

    static let targets = ["leadership", "tam", "account-manager", "logistics", "professional-services", "on-call", "contacts"]

    private static var targetCheck: String { targets.map { "target = '\($0)'" }.joined(separator: " OR ") }

    static func sqlite(_ db: Database) throws {
        try widenTargets(db)
        try addRecords(db)
    }

    private static func widenTargets(_ db: Database) throws {
        // SQLite changes a CHECK constraint only by copying the table (its documented twelve steps); nothing refers to
        // either table, and the migrator checks foreign keys afterwards.
        try db.execute(
            sql: """
                CREATE TABLE notification_v13 (
                    id INTEGER PRIMARY KEY,
                    event TEXT NOT NULL,
                    target TEXT NOT NULL CHECK (\(targetCheck)),
                    customer_id INTEGER REFERENCES customer(id),
                    subject TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state = 'pending' OR state = 'delivered' OR state = 'dead'),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    next_attempt_at TEXT NOT NULL,
                    delivered_at TEXT,
                    last_error TEXT,
                    retried_at TEXT,
                    lease_token TEXT,
                    leased_until TEXT
                );
                INSERT INTO notification_v13 (id, event, target, customer_id, subject, payload, idempotency_key, state, attempts,
                    created_at, next_attempt_at, delivered_at, last_error, retried_at, lease_token, leased_until)
                SELECT id, event, target, customer_id, subject, payload, idempotency_key, state, attempts,
                    created_at, next_attempt_at, delivered_at, last_error, retried_at, lease_token, leased_until FROM notification;
                DROP TABLE notification;
                ALTER TABLE notification_v13 RENAME TO notification;
                CREATE INDEX notification_due ON notification(next_attempt_at) WHERE state = 'pending';

                CREATE TABLE webhook_endpoint_v13 (
                    id INTEGER PRIMARY KEY,
                    target TEXT NOT NULL CHECK (\(targetCheck)),
                    customer_id INTEGER REFERENCES customer(id),
                    url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
                    format TEXT NOT NULL CHECK (format = 'json' OR format = 'slack'),
                    secret_sealed BLOB NOT NULL,
                    created_at TEXT NOT NULL
                );
                INSERT INTO webhook_endpoint_v13 (id, target, customer_id, url, format, secret_sealed, created_at)
                SELECT id, target, customer_id, url, format, secret_sealed, created_at FROM webhook_endpoint;
                DROP TABLE webhook_endpoint;
                ALTER TABLE webhook_endpoint_v13 RENAME TO webhook_endpoint;
                CREATE UNIQUE INDEX webhook_endpoint_target ON webhook_endpoint(target, ifnull(customer_id, 0));
                """)
    }

    private static func addRecords(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE support_case ADD COLUMN owner TEXT;
                ALTER TABLE support_case ADD COLUMN after_hours TEXT
                    CHECK (after_hours = 'pin' OR after_hours = 'no-pin' OR after_hours = 'wrong-pin' OR after_hours = 'pin-limited');
                ALTER TABLE support_case ADD COLUMN clocks_from TEXT;
                CREATE INDEX case_owner ON support_case(owner) WHERE owner IS NOT NULL;

                ALTER TABLE customer ADD COLUMN pin_hash TEXT;
                ALTER TABLE customer ADD COLUMN pin_rotated_at TEXT;
                CREATE TABLE pin_failure (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    at TEXT NOT NULL
                );
                CREATE INDEX pin_failure_customer ON pin_failure(customer_id, at);

                CREATE TABLE customer_escalation (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES support_case(id),
                    contact_id INTEGER NOT NULL REFERENCES contact(id),
                    reason TEXT NOT NULL CHECK (length(reason) > 0),
                    at TEXT NOT NULL,
                    recorded_by TEXT NOT NULL
                );
                CREATE INDEX customer_escalation_case ON customer_escalation(case_id);

                CREATE TABLE survey_invitation (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL UNIQUE REFERENCES support_case(id),
                    customer_id INTEGER NOT NULL REFERENCES customer(id),
                    contact_id INTEGER NOT NULL REFERENCES contact(id),
                    token_hash TEXT NOT NULL UNIQUE,
                    invited_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    answered_at TEXT,
                    score INTEGER CHECK (score BETWEEN 1 AND 5),
                    comment TEXT,
                    CHECK ((answered_at IS NULL) = (score IS NULL))
                );
                CREATE INDEX survey_invitation_contact ON survey_invitation(contact_id, invited_at);
                CREATE INDEX survey_invitation_customer ON survey_invitation(customer_id, invited_at);
                """)
    }

    /// Not additive for a v12 server: it cannot read the new targets' notifications nor honour an owner or a PIN.
    static var postgres: String {
        """
        ALTER TABLE notification DROP CONSTRAINT notification_target_check;
        ALTER TABLE notification ADD CONSTRAINT notification_target_check CHECK (\(targetCheck));
        ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_target_check;
        ALTER TABLE webhook_endpoint ADD CONSTRAINT webhook_endpoint_target_check CHECK (\(targetCheck));

        ALTER TABLE support_case ADD COLUMN owner TEXT COLLATE "C";
        ALTER TABLE support_case ADD COLUMN after_hours TEXT COLLATE "C"
            CHECK (after_hours = 'pin' OR after_hours = 'no-pin' OR after_hours = 'wrong-pin' OR after_hours = 'pin-limited');
        ALTER TABLE support_case ADD COLUMN clocks_from TEXT COLLATE "C";
        CREATE INDEX case_owner ON support_case(owner) WHERE owner IS NOT NULL;

        ALTER TABLE customer ADD COLUMN pin_hash TEXT COLLATE "C";
        ALTER TABLE customer ADD COLUMN pin_rotated_at TEXT COLLATE "C";
        CREATE TABLE pin_failure (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            customer_id BIGINT NOT NULL REFERENCES customer(id),
            at TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX pin_failure_customer ON pin_failure(customer_id, at);

        CREATE TABLE customer_escalation (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            case_id BIGINT NOT NULL REFERENCES support_case(id),
            contact_id BIGINT NOT NULL REFERENCES contact(id),
            reason TEXT COLLATE "C" NOT NULL CHECK (length(reason) > 0),
            at TEXT COLLATE "C" NOT NULL,
            recorded_by TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX customer_escalation_case ON customer_escalation(case_id);

        CREATE TABLE survey_invitation (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            case_id BIGINT NOT NULL UNIQUE REFERENCES support_case(id),
            customer_id BIGINT NOT NULL REFERENCES customer(id),
            contact_id BIGINT NOT NULL REFERENCES contact(id),
            token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
            invited_at TEXT COLLATE "C" NOT NULL,
            expires_at TEXT COLLATE "C" NOT NULL,
            answered_at TEXT COLLATE "C",
            score BIGINT CHECK (score BETWEEN 1 AND 5),
            comment TEXT COLLATE "C",
            CHECK ((answered_at IS NULL) = (score IS NULL))
        );
        CREATE INDEX survey_invitation_contact ON survey_invitation(contact_id, invited_at);
        CREATE INDEX survey_invitation_customer ON survey_invitation(customer_id, invited_at);
        """
    }
}
