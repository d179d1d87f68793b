import DepotCore
import GRDB

/// A replacement is covered for the longer of what remained of its original's warranty and the policy's days from
/// its own ship date (SPEC.md 1, `Warranty.replacementEnd`). When a model's warranty length changes, its units' ends
/// move; their replacements' ends follow, and theirs in turn, down each lineage.
enum ReplacementWarranties {
    /// How far down a lineage the ends are followed (as the unit page shows lineages).
    static let lineageLimit = 50

    static func follow(models: Set<Int64>, db: Database, policy: Policy) throws {
        var originals = try Int64.fetchAll(
            db,
            sql: """
                SELECT id FROM appliance
                WHERE replaced_by_id IS NOT NULL AND replacement_warranty = 0 AND model_id IN (\(models.map { _ in "?" }.joined(separator: ", ")))
                """, arguments: StatementArguments(Array(models)))
        var depth = 0
        while !originals.isEmpty && depth < lineageLimit {
            var moved: [Int64] = []
            for original in originals {
                let select = try db.cachedStatement(
                    sql: """
                        SELECT r.id, r.ship_date, r.warranty_end, o.warranty_end AS original_end FROM appliance r
                        JOIN appliance o ON o.id = r.replaces_id WHERE r.replaces_id = ? AND r.replacement_warranty = 1
                        """)
                guard let row = try Row.fetchOne(select, arguments: [original]) else { continue }
                let unit = row.stored("appliance")
                let end = Warranty.replacementEnd(
                    originalEnd: try unit("original_end"), replacementShipDate: try unit("ship_date"),
                    minimumDays: policy.replacementMinimumDays)
                guard end != (try unit("warranty_end") as LocalDate) else { continue }
                let id: Int64 = try unit("id")
                try db.cachedStatement(sql: "UPDATE appliance SET warranty_end = ? WHERE id = ?").execute(arguments: [end.description, id])
                moved.append(id)
            }
            originals = moved
            depth += 1
        }
    }
}
