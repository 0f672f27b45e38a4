@testable import MarqueeCatalog
import Testing

@Suite("Seat layouts")
struct SeatLayoutTests {
    @Test("seats come row by row, removed seats take no index, categories and prices apply")
    func seats() throws {
        let layout = try SeatLayout.decode(json: """
            {"rows": 2, "columns": 4, "aisles_after": [2], "removed": ["A1"],
             "categories": {"B2": "premium"}, "prices": {"standard": 1000, "premium": 1500}}
            """)
        let seats = layout.seats
        #expect(layout.seatCount == 7)
        #expect(seats.map(\.label) == ["A2", "A3", "A4", "B1", "B2", "B3", "B4"])
        #expect(seats.map(\.index) == Array(0..<7))
        #expect(seats[4] == SeatLayout.Seat(index: 4, label: "B2", row: "B", column: 2, category: "premium",
                                            priceCents: 1500, aisleAfter: true))
        #expect(seats[3].category == "standard" && seats[3].priceCents == 1000)
    }

    @Test("a stored layout that no longer validates is refused, not half used")
    func invalidStored() {
        #expect(throws: Error.self) { try SeatLayout.decode(json: #"{"rows": 0, "columns": 4, "prices": {"standard": 1}}"#) }
        #expect(throws: Error.self) { try SeatLayout.decode(json: "not json") }
    }

    @Test("custom row labels and wide auditoriums label seats as printed on tickets")
    func labels() throws {
        let layout = try SeatLayout.decode(json: #"{"rows": 2, "columns": 12, "row_labels": ["AA", "BB"], "prices": {"standard": 1}}"#)
        #expect(layout.seats.last?.label == "BB12")
        #expect(SeatLayout.defaultRowLabels(28).suffix(3) == ["Z", "AA", "AB"])
    }
}
