extension DepotDatabase {
    /// The text columns of a customer's own records where a contact's name or address may have been written, each
    /// with the condition that selects the customer's rows (`?1` is the customer's id), and whether it holds JSON.
    /// A test keeps this list and `notPersonal` together equal to every text column of the schema.
    static let erasableText: [(table: String, column: String, scope: String, json: Bool)] = {
        let cases = "case_id IN (SELECT id FROM support_case WHERE customer_id = ?1)"
        return [
            ("support_case", "title", "customer_id = ?1", false), ("support_case", "description", "customer_id = ?1", false),
            ("support_case", "priority_reason", "customer_id = ?1", false),
            ("case_event", "note", cases, false), ("case_pause", "reason", cases, false),
            ("customer_escalation", "reason", cases, false), ("survey_invitation", "comment", "customer_id = ?1", false),
            ("diagnosis", "note", cases, false), ("diagnosis", "checks", cases, false), ("attachment", "name", cases, false),
            ("rma", "reason", "customer_id = ?1", false), ("rma", "cancel_reason", "customer_id = ?1", false),
            ("rma_event", "note", "rma_id IN (SELECT id FROM rma WHERE customer_id = ?1)", false),
            ("notification", "subject", "customer_id = ?1", false), ("notification", "payload", "customer_id = ?1", true),
            ("notification", "last_error", "customer_id = ?1", false),
            ("audit", "reason", "customer_id = ?1", false), ("audit", "details", "customer_id = ?1", true),
        ]
    }()

    /// Text columns that never hold a contact's personal data: keys, codes, states, instants, hashes, users of Depot.
    static let notPersonal: Set<String> = [
        "model.key", "model.name", "customer.key", "customer.name", "customer.region", "customer.account_manager", "customer.tam",
        "site.key", "site.name", "site.address", "site.country", "site.region", "depot.key", "depot.name", "depot.region", "depot.address",
        "contract.key", "contract.tier", "contract.start_date", "contract.end_date", "contact.email", "contact.name",
        "release.version", "release.released_on",
        "appliance.serial", "appliance.ship_date", "appliance.warranty_end", "appliance.software_version", "appliance.status",
        "appliance.moved_at", "unit_tally.status", "warranty_tally.month",
        "counter.name", "support_case.number", "support_case.type", "support_case.product_version", "support_case.impact",
        "support_case.urgency", "support_case.suggested_priority", "support_case.priority", "support_case.status", "support_case.tier",
        "support_case.region", "support_case.opened_at", "support_case.response_due", "support_case.response_threshold",
        "support_case.responded_at", "support_case.workaround_at", "support_case.resolved_at", "support_case.closed_at",
        "support_case.opened_by", "support_case.unsupported_version", "case_escalation.target", "case_escalation.threshold",
        "case_escalation.due_at",
        "case_escalation.fired_at", "case_event.at", "case_event.kind", "case_event.actor", "diagnosis.verdict", "diagnosis.at",
        "diagnosis.actor", "rma.number", "rma.path", "rma.state", "rma.tier", "rma.warranty_end", "rma.region", "rma.verdict_at",
        "rma.ship_by", "rma.return_due", "rma.carrier", "rma.tracking", "rma.return_carrier", "rma.return_tracking",
        "rma.allocated_at", "rma.shipped_at", "rma.delivered_at", "rma.return_shipped_at", "rma.received_at", "rma.closed_at",
        "rma.outcome", "rma_event.at", "rma_event.action", "rma_event.from_state", "rma_event.to_state", "rma_event.actor",
        "notification.event", "notification.target", "notification.idempotency_key", "notification.state",
        "notification.created_at", "notification.next_attempt_at", "notification.delivered_at", "notification.retried_at",
        "audit.recorded_at", "audit.at", "audit.user", "audit.role", "audit.action", "audit.entity", "audit.entity_key",
        "app_user.name", "app_user.role", "app_user.password_hash", "app_user.token_hash", "app_user.created_at",
        "web_session.id_hash", "web_session.created_at", "web_session.expires_at",
        "webhook_endpoint.target", "webhook_endpoint.url", "webhook_endpoint.format", "webhook_endpoint.created_at",
        "case_pause.started_at", "case_pause.started_by", "case_pause.ended_at", "case_pause.ended_by",
        "attachment.media_type", "attachment.sha256", "attachment.uploaded_at", "attachment.uploaded_by", "attachment.received_at",
        "notification.lease_token", "notification.leased_until", "background_run.name", "background_run.started_at",
        "background_run.finished_at", "background_run.server", "attachment_chunk.sha256", "idempotent_request.user_name",
        "idempotent_request.key", "idempotent_request.fingerprint", "idempotent_request.created_at",
        "support_case.owner", "support_case.after_hours", "support_case.clocks_from", "customer.pin_hash", "customer.pin_rotated_at",
        "pin_failure.at", "customer_escalation.at", "customer_escalation.recorded_by", "survey_invitation.token_hash",
        "survey_invitation.invited_at", "survey_invitation.expires_at", "survey_invitation.answered_at",
        "sign_in_failure.account", "sign_in_failure.address", "sign_in_failure.at", "sign_in_failure.kind",
    ]
}
