/// Warranty arithmetic (SPEC.md 1): calendar months from the ship date, with end-of-month clamping.
public enum Warranty {
    /// The first day out of warranty: the ship date plus `months` calendar months, clamped to the
    /// month's end (shipped 2024-01-31 with 1 month ends 2024-02-29).
    public static func end(shipDate: LocalDate, months: Int) -> LocalDate { shipDate.adding(months: months) }

    /// Whether a unit is in warranty on a day: `day < end`. A day before the ship date is not covered.
    public static func isCovered(on day: LocalDate, shipDate: LocalDate, months: Int) -> Bool {
        day >= shipDate && day < end(shipDate: shipDate, months: months)
    }

    /// The warranty end of a replacement unit: the longer of the original unit's remaining warranty
    /// and `minimumDays` from the replacement's own ship date.
    public static func replacementEnd(originalEnd: LocalDate, replacementShipDate: LocalDate, minimumDays: Int) -> LocalDate {
        max(originalEnd, replacementShipDate.adding(days: minimumDays))
    }
}
