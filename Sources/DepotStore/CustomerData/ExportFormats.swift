import DepotCore
import Foundation
import GRDB

/// How an export writes its records: JSON and CSV files of the rows, safe ZIP entry names.
extension DepotDatabase {
    /// A file name safe as a ZIP entry's last part (the stored name is a user's: no separators, no control characters).
    static func safeEntryName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0 == "/" || $0 == "\\" || $0.value < 0x20 ? "_" : Character($0) })
    }

    static func json(_ rows: [Row]) -> Data {
        let objects: [[String: Any]] = rows.map { row in
            var object: [String: Any] = [:]
            for (column, value) in row {
                switch value.storage {
                case .null: object[column] = NSNull()
                case .int64(let n): object[column] = n
                case .double(let d): object[column] = d
                case .string, .blob: object[column] = text(value)
                }
            }
            return object
        }
        return (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
    }

    static func csv(_ rows: [Row]) -> Data {
        guard let first = rows.first else { return Data() }
        var out = CSVField.record(Array(first.columnNames))
        for row in rows { out += CSVField.record(row.map { text($0.1) }) }
        return Data(out.utf8)
    }

    /// A value as text: empty for NULL, blobs in base64.
    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: ""
        case .int64(let n): String(n)
        case .double(let d): String(d)
        case .string(let s): s
        case .blob(let b): b.base64EncodedString()
        }
    }
}
