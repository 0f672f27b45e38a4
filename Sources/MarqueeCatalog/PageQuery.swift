import MarqueeHTTP
import MarqueeServer
import MarqueeStore

/// Runs a list query whose rows are `(item json, sort key, id)`, fetched
/// one past the limit to know whether another page follows, and answers
/// `{"items":[...],"next_cursor":"..."|null}`.
func respondWithPage(_ context: RequestContext, sql: String, params: [String?], limit: Int,
                     respond: @escaping (HTTPResponse) -> Void) {
    respondWithPage(context, statement: nil, sql: sql, params: params, limit: limit, respond: respond)
}

/// With `statement`, the query is prepared once per connection and run by name.
func respondWithPage(_ context: RequestContext, statement: PreparedStatement?, sql: String, params: [String?],
                     limit: Int, respond: @escaping (HTTPResponse) -> Void) {
    let handle: (QueryResult) -> Void = { result in
        let rows = result.rows
        var body = "{\"items\":["
        for (index, row) in rows.prefix(limit).enumerated() {
            if index > 0 { body += "," }
            body += row[0] ?? "null"
        }
        body += "],\"next_cursor\":"
        if rows.count > limit, let last = rows.prefix(limit).last, let key = last[1], let id = last[2].flatMap({ Int64($0) }) {
            body += JSONText.quoted(Cursor(key: key, id: id).encoded)
        } else {
            body += "null"
        }
        body += "}"
        respond(.json(.ok, body))
    }
    runQuery(context, statement: statement, sql: sql, params: params, handle)
}

/// Runs `statement` when given (prepared once per connection), else `sql`.
func runQuery(_ context: RequestContext, statement: PreparedStatement?, sql: String, params: [String?],
              _ handle: @escaping (QueryResult) -> Void) {
    if let statement {
        context.query(statement, params, handle)
    } else {
        context.query(sql, params, handle)
    }
}

/// The cache key of a read: its path and its query, which the handlers
/// have validated, so equal keys mean equal answers.
func cacheKey(_ context: RequestContext) -> String {
    String(context.request.head.target)
}

extension RequestContext {
    /// Query parameters, or a 400 for a malformed escape.
    func queryParameters(allowed: Set<String>) throws(APIError) -> QueryParameters {
        guard let parameters = QueryParameters(request.head.query) else {
            throw APIError(.badRequest, code: "invalid_query", message: "The query string has a malformed percent escape.")
        }
        try parameters.validate(allowed: allowed)
        return parameters
    }
}

/// Timestamps as SQL parameters (the connection's zone is UTC).
func sqlTimestamp(_ seconds: Int64?) -> String? {
    seconds.map(ISO8601.format)
}
