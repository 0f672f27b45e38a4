import CLibPQ

/// The rows of one statement, copied out of libpq's result in text format.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows affected, for INSERT/UPDATE/DELETE.
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, Int32(row), Int32(column))!)
                    values.append(String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
            rows.append(values)
        }
        self.rows = rows
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public init(columns: [String], rows: [[String?]], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The first column of the first row: the shape of `SELECT json_agg(...)`.
    public var scalar: String? { rows.first?.first ?? nil }

    public func int(_ row: Int, _ column: Int) -> Int64? { rows[row][column].flatMap { Int64($0) } }
    public func string(_ row: Int, _ column: Int) -> String? { rows[row][column] }
    public func bool(_ row: Int, _ column: Int) -> Bool? { rows[row][column].map { $0 == "t" } }
}

extension PostgresError {
    /// PostgreSQL's error fields from a failed result.
    static func from(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        // PG_DIAG_* are macros over character codes: 'C', 'M', 'D', 'n'.
        let state = field(Int32(UInt8(ascii: "C"))) ?? "XX000"
        // Connection exceptions (class 08) and operator intervention
        // (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
        // now) mean the database went away, not that the query was wrong.
        if state.hasPrefix("08") || state.hasPrefix("57P") {
            return .connectionLost("\(state): \(field(Int32(UInt8(ascii: "M"))) ?? "connection ended")")
        }
        return .server(sqlState: state,
                       message: field(Int32(UInt8(ascii: "M"))) ?? "unknown error",
                       detail: field(Int32(UInt8(ascii: "D"))),
                       constraint: field(Int32(UInt8(ascii: "n"))))
    }
}
