import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body arrives slower than `minimumBytes` per `window` (issue 19): a client
/// trickling a body a byte at a time would otherwise hold a connection, and the upload's file, for as long as it
/// likes. Between requests and while a request's head is read the server's idle timeout applies instead (nothing
/// counts as activity until the head is complete). One handler per connection, on its event loop.
final class MinimumRateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let minimumBytes: Int
    let window: TimeAmount
    private var reading = false
    private var received = 0
    private var check: Scheduled<Void>?

    init(minimumBytes: Int, window: TimeAmount) {
        (self.minimumBytes, self.window) = (minimumBytes, window)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            (reading, received) = (true, 0)
            schedule(context)
        case .body(let buffer):
            received += buffer.readableBytes
        case .end:
            reading = false
            check?.cancel()
            check = nil
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    private func schedule(_ context: ChannelHandlerContext) {
        check?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(in: window) {
            let (handler, context) = bound.value
            handler.windowEnded(context)
        }
    }

    private func windowEnded(_ context: ChannelHandlerContext) {
        guard reading else { return }
        if received < minimumBytes {
            context.close(promise: nil)
            return
        }
        received = 0
        schedule(context)
    }
}
