import DepotCore
import Foundation

/// Support leadership's chart of the satisfaction survey: for each month a bar per region, as high as its average
/// score (0-5), labelled with it; each bar's title gives the answers, invitations and response rate. Drawn by the
/// server as inline SVG; the regions' colours are named in the legend.
enum SatisfactionChart {
    /// One month and region of the `csat` report.
    struct Group: Equatable {
        let month: String
        let region: String
        let invited: Int
        let answered: Int
        let responseRate: String
        let averageScore: String
    }

    /// The groups of the `csat` report's rows (`month, region, invited, answered, response_rate, average_score, ...`).
    static func groups(_ rows: [[String]]) -> [Group] {
        rows.compactMap { row in
            guard row.count >= 6, let invited = Int(row[2]), let answered = Int(row[3]) else { return nil }
            return Group(
                month: row[0], region: row[1], invited: invited, answered: answered, responseRate: row[4], averageScore: row[5])
        }
    }

    static func svg(_ groups: [Group]) -> String {
        let months = Array(Set(groups.map(\.month))).sorted()
        let regions = Array(Set(groups.map(\.region))).sorted()
        let barWidth = 22, gap = 18, plotHeight = 150, top = 40, labelHeight = 24
        let groupWidth = max(1, regions.count) * barWidth
        // Wide enough for the bars and for the legend's region names.
        let width = max(max(1, months.count) * (groupWidth + gap) + gap + 30, 30 + regions.count * 90 + 20)
        let height = top + plotHeight + labelHeight
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)">\
            <title>Average survey score (1-5) per month and region</title>
            """
        for (index, region) in regions.enumerated() {
            let x = 30 + index * 90
            svg += "<rect x=\"\(x)\" y=\"6\" width=\"12\" height=\"12\" class=\"r\(index % 6)\"/>"
            svg += "<text x=\"\(x + 16)\" y=\"16\" class=\"legend\">\(XMLText.escape(region))</text>"
        }
        let base = top + plotHeight
        for score in [1, 3, 5] {
            let y = base - score * plotHeight / 5
            svg += "<text x=\"4\" y=\"\(y + 4)\" class=\"count\">\(score)</text>"
        }
        svg += "<line x1=\"24\" y1=\"\(base)\" x2=\"\(width)\" y2=\"\(base)\" class=\"axis\"/>"
        for (m, month) in months.enumerated() {
            let x0 = 30 + gap / 2 + m * (groupWidth + gap)
            for (r, region) in regions.enumerated() {
                guard let group = groups.first(where: { $0.month == month && $0.region == region }) else { continue }
                let hundredths = Self.hundredths(group.averageScore)
                let h = hundredths.map { max(2, $0 * plotHeight / 500) } ?? 0
                let x = x0 + r * barWidth
                let summary =
                    "\(month) \(region): "
                    + (group.averageScore.isEmpty ? "no answers" : "average \(group.averageScore) from \(group.answered)")
                    + " of \(group.invited) invited (\(group.responseRate)%)"
                svg += "<g><title>\(XMLText.escape(summary))</title>"
                svg += "<rect x=\"\(x)\" y=\"\(base - h)\" width=\"\(barWidth - 2)\" height=\"\(h)\" class=\"r\(r % 6)\"/>"
                if !group.averageScore.isEmpty {
                    svg +=
                        "<text x=\"\(x + barWidth / 2 - 1)\" y=\"\(base - h - 4)\" text-anchor=\"middle\" class=\"count\">\(XMLText.escape(group.averageScore))</text>"
                }
                svg += "</g>"
            }
            svg +=
                "<text x=\"\(x0 + groupWidth / 2)\" y=\"\(base + 17)\" text-anchor=\"middle\" class=\"month\">\(XMLText.escape(month))</text>"
        }
        return svg + "</svg>"
    }

    /// `4.25` as 425; `nil` for an empty or unreadable average.
    static func hundredths(_ text: String) -> Int? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let whole = Int(parts[0]), let fraction = Int(parts[1]), parts[1].count == 2 else { return nil }
        return whole * 100 + fraction
    }
}
