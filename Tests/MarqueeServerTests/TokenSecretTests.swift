import Foundation
import Glibc
@testable import Marquee
import Testing

/// The generated token key is never readable by others, not even for a
/// moment: the file is created with mode 0600, not written and then
/// chmod-ed (a chmod shows as an IN_ATTRIB event on the directory's watch).
@Suite("Token secret file")
struct TokenSecretTests {
    @Test("the generated key file is created 0600, never changed after, and reused")
    func createdPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watch = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        try #require(watch >= 0)
        defer { close(watch) }
        try #require(inotify_add_watch(watch, directory, UInt32(IN_ATTRIB | IN_CREATE | IN_MOVED_TO)) >= 0)

        let settings = try SettingValues(arguments: [], environment: { $0 == "DATA_DIR" ? directory : nil })
        let secret = try TokenSecret.load(from: settings)
        #expect(secret.count >= 32)

        var events: [(mask: UInt32, name: String)] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = buffer.withUnsafeMutableBytes { read(watch, $0.baseAddress, $0.count) }
        var offset = 0
        while count > 0, offset + MemoryLayout<inotify_event>.size <= count {
            let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
            let nameStart = offset + MemoryLayout<inotify_event>.size
            let name = String(decoding: buffer[nameStart..<(nameStart + Int(event.len))].prefix { $0 != 0 }, as: UTF8.self)
            events.append((event.mask, name))
            offset = nameStart + Int(event.len)
        }
        #expect(events.contains { $0.mask & UInt32(IN_CREATE) != 0 && $0.name == "jwt-secret" }, "\(events)")
        #expect(!events.contains { $0.mask & UInt32(IN_ATTRIB) != 0 }, "no permission change after creation: \(events)")
        #expect(!events.contains { $0.mask & UInt32(IN_MOVED_TO) != 0 }, "not a file written elsewhere and renamed: \(events)")

        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/jwt-secret")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try TokenSecret.load(from: settings) == secret, "the key is reused after a restart")
    }

    @Test("a damaged (short) key file is replaced by a new private one")
    func shortFileReplaced() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/jwt-secret", contents: Data("short".utf8)))
        let settings = try SettingValues(arguments: [], environment: { $0 == "DATA_DIR" ? directory : nil })
        let secret = try TokenSecret.load(from: settings)
        #expect(secret.count >= 32)
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/jwt-secret")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try TokenSecret.load(from: settings) == secret)
    }
}
