@testable import MarqueeBooking
import MarqueeSeating
import MarqueeStore
import MarqueeTestSupport
import Testing

/// The statement that writes a booking of unknown outcome again, run
/// against PostgreSQL as the settling checkout runs it.
@Suite("Settling a booking whose commit's outcome is unknown", .serialized)
final class BookingSettlementTests {
    let fixture: BookingFixture

    init() throws {
        fixture = try BookingFixture()
    }

    private func settle(_ number: UInt32, seats: [Int], user: Int64, fence: Int64) throws -> String? {
        let booking = BookingRecord(showtime: Int64(fixture.showtime), number: number, user: user, seats: seats,
                                    labels: seats.map { "Z\($0)" }, totalCents: 1_000 * seats.count, currency: "usd",
                                    intent: "pi_settle_\(number)", paymentStatus: .authorized)
        let database = try BlockingConnection(url: fixture.server.databaseURL)
        defer { database.close() }
        return try database.query(BookingSettlement.sql, BookingSettlement.parameters(booking, fence: String(fence))).rows.first?.first ?? nil
    }

    @Test("written once however often it is sent; a seat another booking has still fails it; a stale fence writes nothing")
    func idempotentAndChecked() throws {
        let fixture = self.fixture
        let buyer = try fixture.customers(1)[0]
        // A hold makes the server take the showtime's lease.
        #expect(try fixture.hold(["A1"], token: buyer.token).status == 201)
        let fenceText = try fixture.sql("SELECT fence FROM showtime_leases WHERE showtime_id = \(fixture.showtime)").first?.first ?? nil
        let fence = try #require(fenceText.flatMap { Int64($0) })
        let seatsOf = { (number: Int) in try fixture.sql("SELECT array_agg(seat ORDER BY seat)::text FROM booked_seats WHERE booking_no = \(number)") }

        #expect(try settle(901, seats: [40, 41], user: buyer.id, fence: fence) == "1", "not there: inserted with its seats")
        #expect(try seatsOf(901) == [["{40,41}"]])
        #expect(try settle(901, seats: [40, 41], user: buyer.id, fence: fence) == "0", "there already (the first write landed): nothing twice")
        #expect(try seatsOf(901) == [["{40,41}"]])
        #expect(try fixture.sql("SELECT status, payment_status FROM bookings WHERE booking_no = 901") == [["confirmed", "authorized"]])

        #expect(throws: PostgresError.self, "a seat another booking holds") { try self.settle(902, seats: [41, 42], user: buyer.id, fence: fence) }
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE booking_no = 902") == [["0"]])

        do {
            _ = try settle(903, seats: [50], user: buyer.id, fence: fence - 1)
            Issue.record("a stale fence was accepted")
        } catch let error as PostgresError {
            #expect(ShowtimeLease.staleShowtimes(error) == [Int64(fixture.showtime)], "\(error)")
        }
        #expect(try fixture.sql("SELECT count(*) FROM bookings WHERE booking_no = 903") == [["0"]])
        #expect(try seatsOf(903) == [[nil]])
    }
}
