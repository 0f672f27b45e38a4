import Foundation
import MarqueeCrypto
import Testing

@Suite("Crypto")
struct CryptoTests {
    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("HMAC-SHA256 matches RFC 4231 test case 2 and Stripe's webhook vector")
    func hmac() {
        #expect(hex(Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let payload = #"{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}"#
        #expect(hex(Crypto.hmacSHA256(key: Array("whsec_test_secret".utf8), message: Array("1700000000.\(payload)".utf8)))
                == "f457ee3d89f52f9f02936e1cd1173dd5dfa132cdc78ec55ea964a53098c5a1c0")
    }

    @Test("scrypt matches RFC 7914's test vector")
    func scrypt() {
        let derived = Crypto.scrypt(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64)
        #expect(derived.map(hex) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
    }

    @Test("base64url round-trips every length and refuses foreign characters")
    func base64() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Substring(Base64URL.encode(bytes))) == bytes)
        }
        #expect(Base64URL.encode(Array("hello?>".utf8)) == "aGVsbG8_Pg")
        #expect(Base64URL.decode("aGVsbG8+Pg") == nil)
        #expect(Base64URL.decode("aGVsbG8=") == nil)
        #expect(Base64URL.decode("a") == nil)
    }

    @Test("a password verifies against its hash; another password, a tampered hash or bad parameters do not")
    func passwords() {
        let hasher = PasswordHasher(logN: 12)
        let stored = hasher.hash("correct horse battery staple")
        #expect(stored.hasPrefix("scrypt$12$8$1$"))
        #expect(PasswordHasher.verify("correct horse battery staple", against: stored))
        #expect(!PasswordHasher.verify("correct horse battery stapler", against: stored))
        #expect(hasher.hash("same") != hasher.hash("same"), "salted")
        var tampered = Array(stored.utf8)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(!PasswordHasher.verify("correct horse battery staple", against: String(decoding: tampered, as: UTF8.self)))
        #expect(!PasswordHasher.verify("x", against: "scrypt$40$8$1$AAAA$AAAA"))
        #expect(!PasswordHasher.verify("x", against: "bcrypt$whatever"))
    }

    @Test("constant-time comparison compares")
    func compare() {
        #expect(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Crypto.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Crypto.constantTimeEquals([1, 2, 3], [1, 2]))
    }
}
