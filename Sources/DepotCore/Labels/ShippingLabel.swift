/// A printable shipping label for one direction of an RMA: 100 x 150 mm (a 4 x 6 inch label printer's page),
/// drawn as SVG with the RMA number as a Code 128 barcode. Every text is XML-escaped.
public struct ShippingLabel: Sendable, Equatable {
    /// Which way the parcel goes.
    public enum Direction: String, Sendable, Codable {
        /// The replacement, from the depot to the customer's site.
        case replacement
        /// The defective unit, from the customer's site back to the depot.
        case `return`
    }

    /// A postal address as lines, the addressee first.
    public struct Address: Sendable, Equatable {
        public let lines: [String]
        public init(lines: [String]) { self.lines = lines.filter { !$0.isEmpty } }
    }

    public let rma: String
    public let direction: Direction
    public let shipTo: Address
    public let returnTo: Address
    public let model: String
    /// The serial numbers in the parcel, with what they are (`replacement SN-2 for SN-1`).
    public let serials: [String]
    public let carrier: String?
    public let tracking: String?

    public init(
        rma: String, direction: Direction, shipTo: Address, returnTo: Address, model: String, serials: [String],
        carrier: String?, tracking: String?
    ) {
        self.rma = rma
        self.direction = direction
        self.shipTo = shipTo
        self.returnTo = returnTo
        self.model = model
        self.serials = serials
        self.carrier = carrier
        self.tracking = tracking
    }

    /// The label as a standalone SVG document (units of 0.1 mm).
    public func svg() throws(Code128.Unencodable) -> String {
        let widths = try Code128.widths(rma)
        let modules = widths.reduce(0, +) + 20  // ten modules of quiet zone each side
        let module = max(3, 900 / modules)  // at least 0.3 mm a module
        let barcodeWidth = modules * module
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="150mm" viewBox="0 0 1000 1500" role="img" aria-label="\(xml("Label \(rma)"))">
            <rect width="1000" height="1500" fill="#fff"/>
            <g font-family="DejaVu Sans, Helvetica, Arial, sans-serif" fill="#000">

            """
        var y = 60
        func text(_ value: String, size: Int, bold: Bool = false, x: Int = 50) {
            // About 0.55 em a character: what fits in 900 units at this size.
            let fits = 900 * 100 / (size * 55)
            let value = value.count > fits ? String(value.prefix(fits - 1)) + "…" : value
            y += size + size / 3
            out += "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\"\(bold ? " font-weight=\"bold\"" : "")>\(xml(value))</text>\n"
        }
        text(direction == .replacement ? "REPLACEMENT UNIT" : "DEFECTIVE UNIT RETURN", size: 44, bold: true)
        y += 20
        text("SHIP TO", size: 26, bold: true)
        for line in shipTo.lines.prefix(6) { text(line, size: 40) }
        y += 30
        text("RETURN TO", size: 26, bold: true)
        for line in returnTo.lines.prefix(5) { text(line, size: 30) }
        y += 30
        out += "<line x1=\"50\" y1=\"\(y)\" x2=\"950\" y2=\"\(y)\" stroke=\"#000\" stroke-width=\"4\"/>\n"
        y += 10
        text("Model \(model)", size: 32)
        for serial in serials.prefix(3) { text(serial, size: 32) }
        if let carrier, !carrier.isEmpty { text("Carrier \(carrier)" + (tracking.map { " · tracking \($0)" } ?? ""), size: 32) }
        y += 40
        // The barcode: bars as rectangles; the quiet zone is the white around them.
        let top = max(y, 1500 - 420)
        let height = 260
        var x = (1000 - barcodeWidth) / 2 + 10 * module
        out += "<g id=\"barcode\" fill=\"#000\">\n"
        for (i, w) in widths.enumerated() {
            if i % 2 == 0 { out += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(w * module)\" height=\"\(height)\"/>\n" }
            x += w * module
        }
        out += "</g>\n"
        out +=
            "<text x=\"500\" y=\"\(top + height + 70)\" font-size=\"56\" font-weight=\"bold\" text-anchor=\"middle\">\(xml(rma))</text>\n"
        out += "</g>\n</svg>\n"
        return out
    }

    private func xml(_ s: String) -> String { XMLText.escape(s) }
}
