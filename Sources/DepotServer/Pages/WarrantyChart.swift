import DepotCore
import Foundation

/// The account managers' chart of warranty expiries per month, drawn by the server as inline SVG.
enum WarrantyChart {
    /// A bar per month with its count above and the month below; the bars scale to the largest month.
    static func svg(_ months: [(month: String, count: Int)]) -> String {
        let barWidth = 56, gap = 16, plotHeight = 160, top = 24, labelHeight = 24
        let width = max(1, months.count) * (barWidth + gap) + gap
        let height = top + plotHeight + labelHeight
        let largest = max(1, months.map(\.count).max() ?? 1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)">\
            <title>Warranty expiries per month</title>
            """
        svg += "<line x1=\"0\" y1=\"\(top + plotHeight)\" x2=\"\(width)\" y2=\"\(top + plotHeight)\" class=\"axis\"/>"
        for (index, month) in months.enumerated() {
            let x = gap + index * (barWidth + gap)
            let h = month.count == 0 ? 0 : max(2, month.count * plotHeight / largest)
            let y = top + plotHeight - h
            svg += "<g><title>\(escape(month.month)): \(month.count)</title>"
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(h)\" class=\"bar\"/>"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(y - 6)\" text-anchor=\"middle\" class=\"count\">\(month.count)</text>"
            svg +=
                "<text x=\"\(x + barWidth / 2)\" y=\"\(top + plotHeight + 17)\" text-anchor=\"middle\" class=\"month\">\(escape(month.month))</text></g>"
        }
        return svg + "</svg>"
    }

    /// XML text escaping for the labels.
    static func escape(_ text: String) -> String { XMLText.escape(text) }
}
