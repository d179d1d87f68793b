import DepotCore
import DepotReports
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, item 10: pages name reports, columns and filters in words; the CSV keeps the contract's names.
@Suite("Readable names on pages")
struct ReadableNamesTests {
    @Test("every report page: a title in words, headers and filter labels without underscores or brackets, no SPEC.md")
    func reportPages() async throws {
        let server = try TestServer()
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .accountManager)
            let list = String(buffer: try await browser.get(client, "/reports").body)
            for report in ReportCatalog.all {
                #expect(list.contains(">\(report.title)</a>"), "\(report.name) listed by its title")
                let html = String(buffer: try await browser.get(client, "/reports/\(report.name)").body)
                #expect(html.contains("<h1>\(report.title)</h1>"), "\(report.name)")
                let headers = html.components(separatedBy: "<th>").dropFirst().map { String($0.prefix { $0 != "<" }) }
                #expect(headers.allSatisfy { !$0.contains("_") && $0.first?.isUppercase == true }, "\(report.name): \(headers)")
                let labels = html.components(separatedBy: "<label>").dropFirst().map { String($0.prefix { $0 != "<" }) }
                #expect(labels.allSatisfy { !$0.contains("-") && !$0.contains("_") }, "\(report.name): \(labels)")
                #expect(!html.contains("SPEC") && !html.contains("[as-of"), "\(report.name)")
                // The CSV keeps the column names of the contract.
                let csv = String(buffer: try await browser.get(client, "/reports/\(report.name).csv").body)
                #expect(csv.hasPrefix(report.columns.joined(separator: ",")), "\(report.name).csv")
            }
            #expect(ReportCatalog.all.allSatisfy { !$0.summary.contains("SPEC") && !$0.summary.contains("[as-of") })
        }
    }
}
