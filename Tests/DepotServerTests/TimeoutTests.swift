import DepotCore
import DepotStore
import DepotTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DepotServer

/// A raw TCP connection to the test server, to send a request as slowly as an attacker would.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw DepotError.storage(path: "127.0.0.1:\(port)", message: "cannot connect") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What the server answers first (up to 4 KiB).
    func answer() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }

    /// Whether the server closed the connection: a read that answers end of file (or a reset) within 10 seconds.
    func closedByServer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 || (count < 0 && errno == ECONNRESET) { return true }
            if count < 0 { return false }
        }
    }
}

/// Issue 19: a connection that sends its request too slowly is closed.
@Suite("Server timeouts")
struct TimeoutTests {
    static func server(_ depot: TestDepot, minimumBodyBytes: Int = 1024, idle: Int64 = 1) throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration()
        configuration.port = 0
        (configuration.idleTimeout, configuration.rateWindow, configuration.minimumBodyBytes) = (idle, 1, minimumBodyBytes)
        return try buildApplication(database: depot.database, configuration: configuration, now: { depot.clock.now })
    }

    @Test("a head sent a line at a time, an idle connection and a trickled body are closed; a steady request is answered")
    func slowClients() async throws {
        let depot = try TestDepot.withFleet(now: TestServer.now)
        try await Self.server(depot).test(.live) { client in
            let port = try #require(client.port)
            let started = Date()
            // Slowloris: header lines one after another, never the blank line that ends the head.
            let slowHead = try RawConnection(port: port)
            slowHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for n in 0..<3 {
                try await Task.sleep(for: .milliseconds(400))
                slowHead.send("X-Slow-\(n): 1\r\n")
            }
            #expect(slowHead.closedByServer())
            // Idle after opening.
            #expect(try RawConnection(port: port).closedByServer())
            #expect(try await Self.trickle(port: port, for: 6) == false)
            #expect(Date().timeIntervalSince(started) < 15)
            // A request sent at once is answered as ever (the test client's own connection has long been idle: closed).
            let steady = try RawConnection(port: port)
            steady.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(steady.answer().hasPrefix("HTTP/1.1 200"))
        }
        // The same trickle where no rate is asked for stays open for 2.5 s: the rate closed it above. (The idle timeout
        // is longer here: on a loaded machine a 200 ms pause can stretch past one second.)
        try await Self.server(depot, minimumBodyBytes: 0, idle: 10).test(.live) { client in
            let port = try #require(client.port)
            let open = try await Self.trickle(port: port, for: 2.5)
            #expect(open)
        }
    }

    /// Sends a form body of 30 KB ten bytes every 200 ms for `seconds`: whether the connection is still open then.
    static func trickle(port: Int, for seconds: Double) async throws -> Bool {
        let connection = try RawConnection(port: port)
        connection.send(
            "POST /sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 30000\r\n\r\n")
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            try await Task.sleep(for: .milliseconds(200))
            guard connection.send("aaaaaaaaaa") else { return false }
        }
        return true
    }
}
