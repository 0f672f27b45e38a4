import Foundation

/// A test CA and server certificates, made at test time in a temporary
/// folder with the `openssl` command-line tool (EC P-256 keys: quick to
/// make). Leaves are signed with `openssl ca`, whose `-startdate` and
/// `-enddate` can place a certificate's validity in the past, which
/// `openssl x509 -days` cannot.
public struct TestCertificates: Sendable {
    /// A certificate and its key, both PEM files.
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public let directory: String
    /// The test CA's certificate: what a client trusts.
    public let caFile: String
    /// For "localhost" and 127.0.0.1, signed by the CA.
    public let localhost: Pair
    /// For "other.example" only, signed by the CA.
    public let otherHost: Pair
    /// For "localhost" and 127.0.0.1, signed by its own key.
    public let selfSigned: Pair
    /// For "localhost" and 127.0.0.1, signed by the CA, valid only on
    /// 1 January 2020.
    public let expired: Pair

    /// One set per test process: made on first use, shared by every test.
    public static let shared: Result<TestCertificates, Error> = Result { try TestCertificates() }

    public init() throws {
        directory = NSTemporaryDirectory() + "marquee-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        caFile = "\(directory)/ca.pem"
        try Self.openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", "\(directory)/ca.key", "-out", caFile, "-days", "3650",
                          "-subj", "/CN=Marquee Test CA",
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try Self.writeCAConfig(in: directory)
        let local = "DNS:localhost,IP:127.0.0.1"
        localhost = try Self.signed("localhost", names: local, in: directory)
        otherHost = try Self.signed("other", names: "DNS:other.example", in: directory)
        expired = try Self.signed("expired", names: local, in: directory,
                                  validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"])
        selfSigned = Pair(certificate: "\(directory)/self-signed.pem", key: "\(directory)/self-signed.key")
        try Self.openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", selfSigned.key, "-out", selfSigned.certificate, "-days", "365",
                          "-subj", "/CN=localhost", "-addext", "subjectAltName=\(local)"])
    }

    /// A key, a request, and the CA's signature over it with these names.
    private static func signed(_ name: String, names: String, in directory: String,
                               validity: [String] = ["-days", "365"]) throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", pair.key, "-out", "\(directory)/\(name).csr", "-subj", "/CN=\(name)"])
        try "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
        try openssl(["ca", "-config", "\(directory)/ca.cnf", "-batch", "-notext", "-in", "\(directory)/\(name).csr",
                     "-out", pair.certificate, "-extfile", "\(directory)/\(name).ext"] + validity)
        return pair
    }

    /// The least `openssl ca` needs: its files and a policy that takes any
    /// subject.
    private static func writeCAConfig(in directory: String) throws {
        try "".write(toFile: "\(directory)/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: "\(directory)/serial", atomically: true, encoding: .utf8)
        try """
        [ca]
        default_ca = test_ca
        [test_ca]
        database = \(directory)/index.txt
        new_certs_dir = \(directory)
        certificate = \(directory)/ca.pem
        private_key = \(directory)/ca.key
        serial = \(directory)/serial
        default_md = sha256
        unique_subject = no
        policy = any_subject
        [any_subject]
        commonName = supplied

        """.write(toFile: "\(directory)/ca.cnf", atomically: true, encoding: .utf8)
    }

    public struct OpenSSLFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailure(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                                 + String(decoding: message, as: UTF8.self))
        }
    }
}
