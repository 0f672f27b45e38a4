import CLibUV
import Glibc

extension TCPConnection {
    /// Opens a client connection to `host`, an IP address or a name. A
    /// name is resolved off the loop (`Resolver`), then its addresses are
    /// tried in order until one connects. `completion` runs on the loop
    /// with the connection, not yet reading, or the error (that of the
    /// last address tried). The returned attempt can be cancelled (a
    /// connect timeout): `completion` then fails with ECANCELED.
    @discardableResult
    public static func connect(loop: EventLoop, host: String, port: Int,
                               _ completion: @escaping (Result<TCPConnection, ConnectError>) -> Void) -> ConnectAttempt {
        loop.assertInLoop()
        let attempt = ConnectAttempt()
        if let address = SocketAddress(ipAddress: host, port: port) {
            connect(loop: loop, to: [address], attempt: attempt) { completion($0.mapError(ConnectError.connection)) }
            return attempt
        }
        Resolver.resolve(host: host, port: port, on: loop) { resolved in
            switch resolved {
            case .failure(let error):
                completion(.failure(.resolution(error)))
            case .success(let addresses):
                connect(loop: loop, to: addresses, attempt: attempt) { completion($0.mapError(ConnectError.connection)) }
            }
        }
        return attempt
    }

    /// Tries `addresses` in order until one connects; the error is the
    /// last one's. Loop thread.
    public static func connect(loop: EventLoop, to addresses: [SocketAddress],
                               _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        connect(loop: loop, to: addresses, attempt: nil, completion)
    }

    static func connect(loop: EventLoop, to addresses: [SocketAddress], attempt: ConnectAttempt?,
                        _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        loop.assertInLoop()
        if attempt?.isCancelled == true {
            return completion(.failure(LoopError(UV_ECANCELED.rawValue, "connect")))
        }
        guard let first = addresses.first else {
            return completion(.failure(LoopError(UV_EADDRNOTAVAIL.rawValue, "connect: no address")))
        }
        connect(loop: loop, to: first, attempt: attempt) { result in
            if case .failure = result, addresses.count > 1, attempt?.isCancelled != true {
                connect(loop: loop, to: Array(addresses.dropFirst()), attempt: attempt, completion)
            } else {
                completion(result)
            }
        }
    }

    /// One attempt at one address.
    static func connect(loop: EventLoop, to address: SocketAddress, attempt: ConnectAttempt? = nil,
                        _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        let handle = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        uv_tcp_init(loop.raw, handle)
        let connection = TCPConnection(loop: loop, handle: handle)
        attempt?.connecting = connection
        let request = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(PendingConnect(connection, address, attempt, completion)).toOpaque()
        let started = address.withSockaddr {
            uv_tcp_connect(request, handle, $0) { request, status in
                let pending = Unmanaged<PendingConnect>.fromOpaque(request!.pointee.data).takeRetainedValue()
                request!.deallocate()
                pending.attempt?.connecting = nil
                if status < 0 {
                    pending.connection.close()
                    pending.completion(.failure(LoopError(status, "connect \(pending.address)")))
                } else {
                    uv_tcp_nodelay(pending.connection.handle, 1)
                    pending.completion(.success(pending.connection))
                }
            }
        }
        if started < 0 {
            Unmanaged<PendingConnect>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            attempt?.connecting = nil
            connection.close()
            completion(.failure(LoopError(started, "connect \(address)")))
        }
    }
}

/// A connection attempt in flight: retained in the request's `data` until its callback.
private final class PendingConnect {
    let connection: TCPConnection
    let address: SocketAddress
    let attempt: ConnectAttempt?
    let completion: (Result<TCPConnection, LoopError>) -> Void

    init(_ connection: TCPConnection, _ address: SocketAddress, _ attempt: ConnectAttempt?,
         _ completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        self.connection = connection
        self.address = address
        self.attempt = attempt
        self.completion = completion
    }
}

/// A connection by name in progress (resolving, or connecting to one of
/// its addresses). Loop thread only.
public final class ConnectAttempt {
    public private(set) var isCancelled = false
    /// The socket whose connect is in flight, if any.
    var connecting: TCPConnection?

    init() {}

    /// Stops the attempt: a connect in flight is aborted (libuv reports it
    /// as ECANCELED), a lookup in flight is left to finish and then
    /// connects nowhere. The completion still runs once, with a failure.
    public func cancel() {
        guard !isCancelled else { return }
        isCancelled = true
        connecting?.close()
    }
}

/// Why `TCPConnection.connect` to a host gave no connection.
public enum ConnectError: Error, Sendable, CustomStringConvertible {
    /// The name gave no address.
    case resolution(ResolveError)
    /// No address accepted the connection (the last address's error).
    case connection(LoopError)

    public var description: String {
        switch self {
        case .resolution(let error): return error.description
        case .connection(let error): return error.description
        }
    }
}
