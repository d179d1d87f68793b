import DepotCore
import Foundation

/// How an export writes its records: JSON and CSV files of the rows, safe ZIP entry names.
extension DepotDatabase {
    /// A file name safe as a ZIP entry's last part (the stored name is a user's: no separators, no control characters).
    static func safeEntryName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0 == "/" || $0 == "\\" || $0.value < 0x20 ? "_" : Character($0) })
    }

    static func json(_ table: ResultTable) -> Data {
        let objects: [[String: Any]] = table.rows.map { row in
            var object: [String: Any] = [:]
            for (column, value) in zip(table.columns, row) {
                switch value {
                case .null: object[column] = NSNull()
                case .integer(let n): object[column] = n
                case .real(let d): object[column] = d
                case .text, .blob: object[column] = text(value)
                }
            }
            return object
        }
        return (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
    }

    static func csv(_ table: ResultTable) -> Data {
        guard !table.rows.isEmpty else { return Data() }
        var out = CSVField.record(table.columns)
        for row in table.rows { out += CSVField.record(row.map(text)) }
        return Data(out.utf8)
    }

    /// A value as text: empty for NULL, blobs in base64.
    static func text(_ value: StoredCell) -> String {
        switch value {
        case .null: ""
        case .integer(let n): String(n)
        case .real(let d): String(d)
        case .text(let s): s
        case .blob(let b): b.base64EncodedString()
        }
    }
}
