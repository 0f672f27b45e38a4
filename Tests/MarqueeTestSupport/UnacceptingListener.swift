import Glibc

/// A TCP port on 127.0.0.1 where a connect hangs: a listening socket with
/// a backlog of 0 that never accepts, whose one queue slot is taken by a
/// connection of its own. Linux then drops further SYNs, so a client's
/// connect waits until its own timeout, as against a blackholed host.
public final class UnacceptingListener {
    public let port: Int
    private var listening: Int32 = -1
    private var filler: Int32 = -1

    public init() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listening = listening
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listening, raw, length) == 0 && listen(listening, 0) == 0
                    && getsockname(listening, raw, &length) == 0
            }
        }
        guard listening >= 0, bound else { throw SocketFailure(call: "bind or listen", code: errno) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.filler = filler
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) == 0 }
        }
        guard connected else { throw SocketFailure(call: "connect", code: errno) }
    }

    public func close() {
        if filler >= 0 { _ = Glibc.close(filler) }
        if listening >= 0 { _ = Glibc.close(listening) }
        filler = -1
        listening = -1
    }

    deinit { close() }

    public struct SocketFailure: Error {
        public let call: String
        public let code: Int32
    }
}
