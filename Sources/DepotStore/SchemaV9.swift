import GRDB

extension Schema {
    /// Fleet size (issue 16): the pages that count one customer's units, and the spare-stock counts of allocated
    /// spares, read an index instead of scanning every unit. `appliance_customer` serves the customer page and API
    /// (units of a customer), the unit list filtered by customer and erasure/export. The partial ones hold only the
    /// few units in a status the pages list (allocated spares for spare stock, suspect units for the support view,
    /// returned units for logistics), so they cost the import of in-service units nothing; `UnitFilter.status`
    /// names those statuses literally in its SQL, which is what lets SQLite use them.
    static func v9(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX appliance_customer ON appliance(customer_id) WHERE customer_id IS NOT NULL;
                CREATE INDEX appliance_allocated ON appliance(model_id, depot_id) WHERE status = 'allocated';
                CREATE INDEX appliance_suspect ON appliance(serial) WHERE status = 'suspect';
                CREATE INDEX appliance_returned ON appliance(serial) WHERE status = 'returned';
                """)
    }
}
