import CLibUV
import Glibc

extension TCPConnection {
    /// Whether the peer has closed its side, reset the connection, or sent
    /// bytes not read yet: a pooled client connection in any of these
    /// states must not carry the next request. A nonblocking peek at the
    /// socket, so it also sees a FIN that the loop has not delivered yet.
    /// Loop thread.
    public var peerClosedOrSentData: Bool {
        loop.assertInLoop()
        guard !isClosed else { return true }
        var fd = uv_os_fd_t()
        guard uv_fileno(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self), &fd) == 0 else {
            return true
        }
        var byte: UInt8 = 0
        let result = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if result < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return true  // 0: the peer's FIN; more: unread bytes
    }
}
