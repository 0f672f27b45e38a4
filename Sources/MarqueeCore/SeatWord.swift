/// One seat of one showtime in 64 bits, so it can change with a single
/// compare-and-swap:
///
///     bits 62..63  state: 0 free, 1 held, 2 booked, 3 blocked
///     bits 32..61  hold expiry, seconds after the seat map's epoch (30 bits, 34 years)
///     bits  0..31  owner: the hold id (held) or booking id (booked)
///
/// A held word whose expiry has passed reads as free: expiry needs no
/// sweep to be correct; a timer only tidies and announces it.
public struct SeatWord: Equatable, Sendable, CustomStringConvertible {
    public enum State: UInt64, Sendable {
        case free = 0, held = 1, booked = 2, blocked = 3
    }

    public let raw: UInt64

    /// Expiries count seconds from 2026-01-01T00:00:00Z: 30 bits reach 2060.
    public static let epochUnixSeconds: Int64 = 1_767_225_600

    /// Seconds since the epoch for a Unix time (clamped to the word's range).
    public static func seconds(unix: Int64) -> UInt32 {
        UInt32(clamping: max(0, min(unix - epochUnixSeconds, 0x3FFF_FFFF)))
    }

    public static func unix(seconds: UInt32) -> Int64 { Int64(seconds) + epochUnixSeconds }

    public init(raw: UInt64) { self.raw = raw }

    public static let free = SeatWord(raw: 0)
    public static let blocked = SeatWord(raw: State.blocked.rawValue << 62)

    public static func held(by hold: UInt32, until expiry: UInt32) -> SeatWord {
        SeatWord(raw: State.held.rawValue << 62 | UInt64(expiry & 0x3FFF_FFFF) << 32 | UInt64(hold))
    }

    public static func booked(by booking: UInt32) -> SeatWord {
        SeatWord(raw: State.booked.rawValue << 62 | UInt64(booking))
    }

    public var storedState: State { State(rawValue: raw >> 62)! }
    public var owner: UInt32 { UInt32(truncatingIfNeeded: raw) }
    public var expiry: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) & 0x3FFF_FFFF }

    /// The state a reader sees at `now` (seconds after the epoch).
    public func state(at now: UInt32) -> State {
        storedState == .held && expiry <= now ? .free : storedState
    }

    public func isHeld(by hold: UInt32, at now: UInt32) -> Bool {
        storedState == .held && owner == hold && expiry > now
    }

    public var description: String {
        switch storedState {
        case .free: return "free"
        case .held: return "held(\(owner) until \(expiry))"
        case .booked: return "booked(\(owner))"
        case .blocked: return "blocked"
        }
    }
}
