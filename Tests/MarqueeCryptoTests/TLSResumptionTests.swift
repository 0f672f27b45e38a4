import Foundation
import MarqueeCrypto
import MarqueeTestSupport
import Testing

@Suite("TLS session resumption")
struct TLSResumptionTests {
    /// A handshake, a read on the client (which takes in the TLS 1.3
    /// session tickets the server sends after its handshake), and a clean
    /// close unless `dropped`.
    func connect(_ client: TLSClientContext, _ server: TLSServerContext, key: String? = nil,
                 dropped: Bool = false) throws -> TLSSession {
        let pipe = try TLSFixtures.pipe(client: client, server: server, resumptionKey: key)
        let steps = pipe.handshake()
        #expect(steps.client == .done)
        #expect(steps.server == .done)
        #expect(try pipe.send(Array("ping".utf8), from: pipe.server).read == Array("ping".utf8))
        if !dropped { Self.close(pipe) }
        return pipe.client
    }

    static func close(_ pipe: TLSPipe) {
        _ = pipe.client.shutdown()
        _ = pipe.flush(to: pipe.server)
        _ = pipe.server.shutdown()
        _ = pipe.flush(to: pipe.client)
    }

    @Test("the second connection to the same host resumes the first one's session",
          arguments: [TLSVersion.tls1_2, .tls1_3])
    func resumes(version: TLSVersion) throws {
        let client = try TLSFixtures.client()
        let server = try TLSFixtures.server(maximumVersion: version)
        let first = try connect(client, server)
        #expect(first.protocolVersion == version)
        #expect(!first.isResumed)
        #expect(client.resumableSessionCount == 1)
        let second = try TLSFixtures.pipe(client: client, server: server)
        #expect(client.resumableSessionCount == (version == .tls1_3 ? 0 : 1),
                "a TLS 1.3 ticket is offered once (RFC 8446 C.4); a TLS 1.2 session stays")
        #expect(second.handshake().client == .done)
        #expect(second.client.isResumed)
        _ = second.flush(to: second.client)
        Self.close(second)
        #expect(try connect(client, server).isResumed, "the resumed connection leaves a session for the next")
    }

    @Test("another host key, a connection dropped without close_notify, or a context that keeps no sessions, makes a full handshake")
    func fullHandshakes() throws {
        let server = try TLSFixtures.server()
        let client = try TLSFixtures.client()
        _ = try connect(client, server, key: "localhost:8443")
        #expect(!(try connect(client, server, key: "localhost:9443")).isResumed)
        #expect(try connect(client, server, key: "localhost:8443").isResumed)

        // A context of its own, so no other connection's ticket muddles the count.
        let dropping = try TLSFixtures.client()
        _ = try connect(dropping, server, dropped: true)
        #expect(dropping.resumableSessionCount == 0, "OpenSSL retires the session of a connection cut short")
        #expect(!(try connect(dropping, server)).isResumed)

        let forgetful = try TLSFixtures.client(resumesSessions: false)
        _ = try connect(forgetful, server)
        #expect(forgetful.resumableSessionCount == 0)
        #expect(!(try connect(forgetful, server)).isResumed)
    }

    @Test("one client context serves handshakes on several threads at once")
    func sharedAcrossThreads() throws {
        let client = try TLSFixtures.client()
        let server = try TLSFixtures.server()
        let done = AtomicCounter()
        let resumed = AtomicCounter()
        let failures = LockedArray<String>()
        let finished = AtomicCounter()
        let workers = Thread {
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for _ in 0..<10 {
                    do {
                        let pipe = try TLSFixtures.pipe(client: client, server: server)
                        guard pipe.handshake().client == .done else { continue }
                        done.increment()
                        if pipe.client.isResumed { resumed.increment() }
                        _ = pipe.flush(to: pipe.client)  // takes in the tickets
                        Self.close(pipe)
                    } catch {
                        failures.append("thread \(thread): \(error)")
                    }
                }
            }
            finished.increment()
        }
        workers.start()
        // Meanwhile this thread reads the session cache, taking no OpenSSL
        // lock: only the cache's own lock orders it after the workers'
        // stores, so Thread Sanitizer sees a race if that lock is missing
        // (the workers are ordered among themselves by OpenSSL's locks).
        while finished.value == 0 { _ = client.resumableSessionCount }
        #expect(failures.values.isEmpty, "\(failures.values)")
        #expect(done.value == 40)
        // Each thread's later connections find a ticket its own or another
        // thread's earlier one left, unless another thread took it first and
        // resumed with it: either way some connections resume.
        #expect(resumed.value > 0)
    }
}
