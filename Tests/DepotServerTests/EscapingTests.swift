import DepotCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

@Suite("HTML escaping")
struct EscapingTests {
    @Test("a quote followed by a combining mark cannot close an attribute (one grapheme, still a quote byte)")
    func combiningMarkAfterQuote() async throws {
        let server = try TestServer()
        try await server.run { client in
            let browser = try await TestBrowser.signIn(client, as: .supportEngineer)
            // `x"́ autofocus onfocus=alert(1)`: Mustache's own escaping let the quote through and the value ended the attribute.
            let page = try await browser.get(client, "/cases/new?customer=x%22%CC%81%20autofocus%20onfocus%3Dalert(1)")
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            let raw = "x\"\u{301}"
            let escaped = "x&quot;\u{301} autofocus onfocus=alert(1)"
            #expect(!html.contains(raw))
            #expect(html.contains(escaped))
        }
    }

    @Test("the five characters become entities wherever they stand; other text is unchanged")
    func escape() {
        let five = "a<b>&\"'c"
        let combined = "\"\u{301}<\u{338}"
        #expect(DepotHTML.escape(five) == "a&lt;b&gt;&amp;&quot;&#39;c")
        #expect(DepotHTML.escape(combined) == "&quot;\u{301}&lt;\u{338}")
        #expect(DepotHTML.escape("Zürich – 東京") == "Zürich – 東京")
        #expect(DepotHTML.escape("") == "")
    }
}

@Suite("Text Depot does not store")
struct NULTests {
    @Test("U+0000 in a form field or a JSON text is refused with 400; an escaped backslash before u0000 is text")
    func nul() throws {
        #expect(throws: APIError.self) { try Form.parse("title=a%00b&note=x") }
        #expect(try Form.parse("title=a%2500b").get("title") == "a%00b")
        #expect(Request.holdsNUL(Data(#"{"a": "x\u0000y"}"#.utf8)))
        #expect(Request.holdsNUL(Data(#"{"a": "\\\u0000"}"#.utf8)))
        #expect(!Request.holdsNUL(Data(#"{"a": "C:\\u0000"}"#.utf8)))
        #expect(!Request.holdsNUL(Data(#"{"a": "\u00e9", "b": "\u0001"}"#.utf8)))
        #expect(!Request.holdsNUL(Data(#"{"a": "\u000"}"#.utf8)))
        // The error names the field that holds it.
        let body = try JSONSerialization.jsonObject(with: Data(#"{"note": "ok", "items": [{"serial": "A"}, {"serial": "B\u0000"}]}"#.utf8))
        #expect(Request.firstNUL(in: body) == "items[1].serial" && Request.firstNUL(in: ["note": "ok"]) == nil)
    }
}
