import DepotCore
import DepotReports
import DepotStore
import Foundation
import Hummingbird

/// A report as a CSV download, streamed: the report runs on the thread pool and hands its 64 KiB buffers
/// over one at a time, with at most a few waiting, so a large report never sits whole in memory and a
/// client that goes away stops the query.
enum CSVDownload {
    static func response(_ report: Report, parameters: ReportParameters, database: DepotDatabase) async throws -> Response {
        // Bad parameters are refused before the 200 goes out.
        try await ThreadPool.run { try database.checkFilters(parameters) }
        let body = ResponseBody { writer in
            let handoff = BoundedQueue<ByteBuffer>(capacity: 4)
            let producer = Task {
                do {
                    try await ThreadPool.run {
                        try database.write(
                            report, parameters: parameters,
                            to: CSVWriter(name: report.name) { bytes in try handoff.send(ByteBuffer(bytes: bytes)) })
                    }
                    handoff.finish(nil)
                } catch {
                    handoff.finish(error)
                }
            }
            defer {
                handoff.cancel()
                producer.cancel()
            }
            while let chunk = try await handoff.next() {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(report.name).csv\""],
            body: body)
    }
}
