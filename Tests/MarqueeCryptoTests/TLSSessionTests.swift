import MarqueeCrypto
import Testing

@Suite("TLS sessions in memory")
struct TLSSessionTests {
    @Test("a client and a server handshake at TLS 1.3 and exchange data both ways")
    func handshakeAndExchange() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        let steps = pipe.handshake()
        #expect(steps.client == .done)
        #expect(steps.server == .done)
        #expect(pipe.client.protocolVersion == .tls1_3)
        #expect(!pipe.client.isResumed)
        #expect(pipe.server.requestedServerName == "localhost", "SNI")

        let request = try pipe.send(Array("GET / HTTP/1.1\r\n\r\n".utf8), from: pipe.client)
        #expect(request.read == Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(request.status == .wantRead)
        let response = try pipe.send(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), from: pipe.server)
        #expect(response.read == Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        #expect(response.status == .wantRead)
    }

    @Test("a client accepts a TLS 1.2 server")
    func tls12() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server(maximumVersion: .tls1_2))
        #expect(pipe.handshake().client == .done)
        #expect(pipe.client.protocolVersion == .tls1_2)
        #expect(try pipe.send([1, 2, 3], from: pipe.server).read == [1, 2, 3])
    }

    @Test("a payload of several records arrives whole, both ways")
    func largePayload() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        #expect(pipe.handshake().client == .done)
        // Not a multiple of the 16 KiB record size, so the last record is partial.
        let payload = (0..<(100 * 1024 + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let up = try pipe.send(payload, from: pipe.client)
        // elementsEqual: a failure prints a Bool, not a diff of 100 KiB arrays.
        #expect(up.read.count == payload.count)
        #expect(up.read.elementsEqual(payload))
        let down = try pipe.send(payload.reversed(), from: pipe.server)
        #expect(down.read.count == payload.count)
        #expect(down.read.elementsEqual(payload.reversed()))
    }

    @Test("a handshake fed one byte at a time completes, and data follows")
    func byteByByte() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        let steps = pipe.handshake(chunk: 1)
        #expect(steps.client == .done)
        #expect(steps.server == .done)
        #expect(try pipe.send(Array("hello".utf8), from: pipe.client).read == Array("hello".utf8))
    }

    @Test("an IP address is checked against the certificate's addresses, and not sent as SNI")
    func ipAddress() throws {
        let client = try TLSFixtures.client()
        let matching = try TLSFixtures.pipe(client: client, server: try TLSFixtures.server(), serverName: "127.0.0.1")
        #expect(matching.handshake().client == .done)
        #expect(matching.server.requestedServerName == nil, "RFC 6066: SNI carries host names only")
        let other = try TLSFixtures.pipe(client: client, server: try TLSFixtures.server(), serverName: "127.0.0.2")
        guard case .failed(let error) = other.handshake().client else {
            Issue.record("a certificate for 127.0.0.1 was accepted for 127.0.0.2")
            return
        }
        #expect(error.kind == .hostNameMismatch)
        #expect(error.reason.contains("IP address mismatch"), "\(error.reason)")
    }

    @Test("close_notify goes both ways: each side sees the other's")
    func closeNotify() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        #expect(pipe.handshake().client == .done)
        #expect(pipe.client.shutdown() == .sent)
        let atServer = pipe.flush(to: pipe.server)
        #expect(atServer.status == .closed)
        #expect(pipe.server.peerSentCloseNotify)
        #expect(!pipe.client.peerSentCloseNotify)
        #expect(pipe.server.shutdown() == .complete, "the client's close_notify already came")
        let atClient = pipe.flush(to: pipe.client)
        #expect(atClient.status == .closed)
        #expect(pipe.client.peerSentCloseNotify)
        #expect(pipe.client.shutdown() == .complete)
    }

    @Test("data sent before close_notify is read before the close")
    func dataThenClose() throws {
        let pipe = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        #expect(pipe.handshake().client == .done)
        try pipe.server.write(Array("last words".utf8))
        #expect(pipe.server.shutdown() == .sent)
        let atClient = pipe.flush(to: pipe.client)
        #expect(atClient.read == Array("last words".utf8))
        #expect(atClient.status == .closed)
    }

    @Test("the transport ending without close_notify is peerClosed, during or after the handshake")
    func endOfStream() throws {
        let established = try TLSFixtures.pipe(client: try TLSFixtures.client(), server: try TLSFixtures.server())
        #expect(established.handshake().client == .done)
        established.client.receiveEndOfStream()
        var plaintext: [UInt8] = []
        let status = established.client.read(into: &plaintext)
        guard case .failed(let afterHandshake) = status else {
            Issue.record("an unclean end read as \(status)")
            return
        }
        #expect(afterHandshake.kind == .peerClosed)
        #expect(afterHandshake.reason.contains("without close_notify"), "\(afterHandshake.reason)")
        #expect(established.client.shutdown() == .complete, "nothing left to close after a failure")

        let client = try TLSFixtures.client().makeSession(serverName: "localhost")
        #expect(client.handshake() == .wantWrite)
        _ = client.takeCiphertext()
        #expect(client.handshake() == .wantRead)
        client.receiveEndOfStream()
        var step = client.handshake()
        while step == .wantWrite {  // an alert for the peer, who is gone
            _ = client.takeCiphertext()
            step = client.handshake()
        }
        guard case .failed(let duringHandshake) = step else {
            Issue.record("a handshake cut short did not fail")
            return
        }
        #expect(duringHandshake.kind == .peerClosed)
        #expect(duringHandshake.reason.contains("during the handshake"), "\(duringHandshake.reason)")
    }

    @Test("writing or reading before the handshake is an error, not an implicit handshake")
    func beforeHandshake() throws {
        let client = try TLSFixtures.client().makeSession(serverName: "localhost")
        #expect(throws: TLSError.self) { try client.write([1]) }
        var plaintext: [UInt8] = []
        guard case .failed(let error) = client.read(into: &plaintext) else {
            Issue.record("read before the handshake did not fail")
            return
        }
        #expect(error.kind == .protocolError)
        #expect(!client.hasCiphertextToSend, "no ClientHello was sent by the refused calls")
    }
}
