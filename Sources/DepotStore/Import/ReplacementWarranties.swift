import DepotCore

/// A replacement is covered for the longer of what remained of its original's warranty and the policy's days from
/// its own ship date (SPEC.md 1, `Warranty.replacementEnd`). When a model's warranty length changes, its units' ends
/// move; their replacements' ends follow, and theirs in turn, down each lineage.
enum ReplacementWarranties {
    /// How far down a lineage the ends are followed (as the unit page shows lineages).
    static let lineageLimit = 50

    static func follow(models: Set<Int64>, db: any SQLConnection, policy: Policy) throws {
        var originals = try db.values(
            Int64.self,
            """
            SELECT id FROM appliance
            WHERE replaced_by_id IS NOT NULL AND NOT replacement_warranty AND model_id IN (\(models.map { _ in "?" }.joined(separator: ", ")))
            """, Array(models))
        var depth = 0
        while !originals.isEmpty && depth < lineageLimit {
            var moved: [Int64] = []
            for original in originals {
                let select = """
                    SELECT r.id, r.ship_date, r.warranty_end, o.warranty_end AS original_end FROM appliance r
                    JOIN appliance o ON o.id = r.replaces_id WHERE r.replaces_id = ? AND r.replacement_warranty
                    """
                guard let unit = try db.rows(select, [original], source: "appliance").first else { continue }
                let end = Warranty.replacementEnd(
                    originalEnd: try unit("original_end"), replacementShipDate: try unit("ship_date"),
                    minimumDays: policy.replacementMinimumDays)
                guard end != (try unit("warranty_end") as LocalDate) else { continue }
                let id: Int64 = try unit("id")
                try db.execute("UPDATE appliance SET warranty_end = ? WHERE id = ?", [end.description, id])
                moved.append(id)
            }
            originals = moved
            depth += 1
        }
    }
}
