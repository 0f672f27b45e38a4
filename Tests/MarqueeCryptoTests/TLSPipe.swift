import MarqueeCrypto
import MarqueeTestSupport

/// A client and a server session joined in memory, as two sockets would
/// join them: what one side's `takeCiphertext` gives is delivered to the
/// other, whole or `chunk` bytes at a time.
final class TLSPipe {
    let client: TLSSession
    let server: TLSSession
    /// Ciphertext on its way, not yet delivered.
    private(set) var toServer: [UInt8] = []
    private(set) var toClient: [UInt8] = []

    init(client: TLSSession, server: TLSSession) {
        self.client = client
        self.server = server
    }

    /// Steps both handshakes and moves bytes until neither side can make
    /// progress: both done, or one failed and its alert delivered.
    func handshake(chunk: Int = .max) -> (client: TLSSession.HandshakeStep, server: TLSSession.HandshakeStep) {
        var steps: (client: TLSSession.HandshakeStep, server: TLSSession.HandshakeStep) = (.wantRead, .wantRead)
        while true {
            var moved = 0
            steps.client = Self.step(client, into: &toServer, moved: &moved)
            moved += Self.deliver(&toServer, to: server, chunk: chunk)
            steps.server = Self.step(server, into: &toClient, moved: &moved)
            moved += Self.deliver(&toClient, to: client, chunk: chunk)
            if moved == 0 { return steps }
        }
    }

    /// Sends `plaintext` from one side and returns what the other reads.
    func send(_ plaintext: [UInt8], from sender: TLSSession) throws -> (read: [UInt8], status: TLSSession.ReadStatus) {
        try sender.write(plaintext)
        return flush(to: sender === client ? server : client)
    }

    /// Delivers everything pending to `receiver` (and anything its side had
    /// waiting to the other), then reads all the plaintext it can.
    func flush(to receiver: TLSSession) -> (read: [UInt8], status: TLSSession.ReadStatus) {
        let sender = receiver === client ? server : client
        var bytes = sender.takeCiphertext()
        receiver.receive(bytes)
        var plaintext: [UInt8] = []
        let status = receiver.read(into: &plaintext)
        bytes = receiver.takeCiphertext()
        sender.receive(bytes)
        return (plaintext, status)
    }

    private static func step(_ session: TLSSession, into pipe: inout [UInt8], moved: inout Int) -> TLSSession.HandshakeStep {
        while true {
            let step = session.handshake()
            guard step == .wantWrite else { return step }
            let bytes = session.takeCiphertext()
            precondition(!bytes.isEmpty, "wantWrite with nothing to send")
            pipe += bytes
            moved += bytes.count
        }
    }

    private static func deliver(_ pipe: inout [UInt8], to session: TLSSession, chunk: Int) -> Int {
        let count = min(chunk, pipe.count)
        guard count > 0 else { return 0 }
        session.receive(Array(pipe.prefix(count)))
        pipe.removeFirst(count)
        return count
    }
}

/// The certificates every TLS test shares, and contexts over them.
enum TLSFixtures {
    static func certificates() throws -> TestCertificates { try TestCertificates.shared.get() }

    static func server(_ pair: KeyPath<TestCertificates, TestCertificates.Pair> = \.localhost,
                       minimumVersion: TLSVersion = .tls1_2,
                       maximumVersion: TLSVersion = .tls1_3) throws -> TLSServerContext {
        let certificates = try certificates()
        return try TLSServerContext(certificateChainFile: certificates[keyPath: pair].certificate,
                                    privateKeyFile: certificates[keyPath: pair].key,
                                    minimumVersion: minimumVersion, maximumVersion: maximumVersion)
    }

    static func client(resumesSessions: Bool = true) throws -> TLSClientContext {
        try TLSClientContext(caFile: try certificates().caFile, resumesSessions: resumesSessions)
    }

    /// A fresh pair of sessions, the client connecting to `serverName`.
    static func pipe(client: TLSClientContext, server: TLSServerContext, serverName: String = "localhost",
                     resumptionKey: String? = nil) throws -> TLSPipe {
        TLSPipe(client: try client.makeSession(serverName: serverName, resumptionKey: resumptionKey),
                server: try server.makeSession())
    }
}
