import Glibc
import MarqueeLoop
@testable import MarqueeStore
import MarqueeTestSupport
import Testing

@Suite("PostgreSQL connection (nonblocking, pipelined)", .serialized)
struct PostgresConnectionTests {
    @Test("many queries in flight on one connection are answered in order")
    func pipelining() throws {
        try withFreshDatabase { url in
            let answers = Box<[Int64]>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.connect()
                var collected: [Int64] = []
                for index in 0..<200 {
                    connection.query("SELECT $1::bigint * 2", [String(index)]) { result in
                        collected.append((try? result.get().int(0, 0)) ?? -1)
                        if collected.count == 200 {
                            answers.set(collected)
                            connection.close()
                            finish()
                        }
                    }
                }
            }
            #expect(answers.value == (0..<200).map { Int64($0 * 2) })
        }
    }

    @Test("a failing query fails alone: the ones around it succeed")
    func failureIsolation() throws {
        try withFreshDatabase { url in
            let outcomes = Box<[String]>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.connect()
                var seen: [String] = []
                let record: (Result<QueryResult, PostgresError>) -> Void = { result in
                    switch result {
                    case .success(let rows): seen.append(rows.scalar ?? "null")
                    case .failure(let error): seen.append(error.sqlState ?? "?")
                    }
                    if seen.count == 3 {
                        outcomes.set(seen)
                        connection.close()
                        finish()
                    }
                }
                connection.query("SELECT 'first'", [], record)
                connection.query("SELECT 1/0", [], record)
                connection.query("SELECT 'third'", [], record)
            }
            #expect(outcomes.value == ["first", "22012", "third"])
        }
    }

    @Test("parameters travel as parameters: injection-shaped text is just text, NULL is NULL")
    func parameters() throws {
        try withFreshDatabase { url in
            let result = Box<[[String?]]>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.connect()
                connection.query("SELECT $1::text, $2::text IS NULL", ["'; DROP TABLE x; --", nil]) { outcome in
                    result.set((try? outcome.get().rows) ?? [])
                    connection.close()
                    finish()
                }
            }
            #expect(result.value == [["'; DROP TABLE x; --", "t"]])
        }
    }

    @Test("prepared statements are prepared once per connection and reused")
    func preparedStatements() throws {
        try withFreshDatabase { url in
            let values = Box<[String]>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.connect()
                let statement = PreparedStatement("add_one", "SELECT $1::int + 1")
                var seen: [String] = []
                for index in 0..<5 {
                    connection.query(statement, [String(index)]) { outcome in
                        seen.append((try? outcome.get().scalar ?? "") ?? "error")
                        if seen.count == 5 {
                            connection.query("SELECT count(*) FROM pg_prepared_statements WHERE name = 'add_one'") { count in
                                seen.append((try? count.get().scalar ?? "") ?? "error")
                                values.set(seen)
                                connection.close()
                                finish()
                            }
                        }
                    }
                }
            }
            #expect(values.value == ["1", "2", "3", "4", "5", "1"])
        }
    }

    @Test("a lost connection fails the query in flight, then reconnects by itself")
    func reconnect() throws {
        try withFreshDatabase { url in
            let outcome = Box<(first: PostgresError?, afterwards: String?)>()
            let killedWhileRunning = Box<Bool>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.connect()
                connection.query("SELECT 'warm'") { _ in
                    // Now connected: start a long query and kill its backend.
                    connection.query("SELECT pg_sleep(30)") { result in
                        let error: PostgresError?
                        if case .failure(let failure) = result { error = failure } else { error = nil }
                        // Ask again until the reconnect has happened.
                        func retry(_ attempts: Int) {
                            connection.query("SELECT 'back'") { again in
                                if case .success(let rows) = again {
                                    outcome.set((error, rows.scalar))
                                    connection.close()
                                    finish()
                                } else if attempts > 0 {
                                    let timer = LoopTimer(loop: loop)
                                    timer.start(after: 50) {
                                        timer.close()
                                        retry(attempts - 1)
                                    }
                                } else {
                                    outcome.set((error, nil))
                                    connection.close()
                                    finish()
                                }
                            }
                        }
                        retry(100)
                    }
                    LoopThread(name: "killer") {
                        guard let killer = try? BlockingConnection(url: url) else { return }
                        defer { killer.close() }
                        // Wait until the sleep is running, then end its backend.
                        let running = (try? eventually {
                            try killer.query("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'").scalar == "1"
                        }) ?? false
                        let killed = try? killer.execute("""
                            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()
                            """).scalar
                        killedWhileRunning.set(running && killed == "t")
                    }.join()
                }
            }
            #expect(killedWhileRunning.value == true, "the backend was ended with the query running")
            let result = try #require(outcome.value)
            #expect(result.first?.isUnavailable == true, "the in-flight query failed as unavailable, not as success")
            #expect(result.afterwards == "back")
        }
    }

    @Test("queries asked while the database is unreachable fail at once")
    func unreachable() throws {
        let outcome = Box<PostgresError>()
        try runOnLoop { loop, finish in
            let connection = PostgresConnection(loop: loop, url: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1")
            connection.connect()
            connection.query("SELECT 1") { result in
                if case .failure(let error) = result { outcome.set(error) }
                connection.close()
                finish()
            }
        }
        #expect(outcome.value?.isUnavailable == true)
    }

    @Test("LISTEN notifications arrive on the loop")
    func notifications() throws {
        try withFreshDatabase { url in
            let received = Box<String>()
            try runOnLoop { loop, finish in
                let connection = PostgresConnection(loop: loop, url: url)
                connection.onNotification = { channel, payload in
                    received.set("\(channel):\(payload)")
                    connection.close()
                    finish()
                }
                connection.connect()
                connection.query("LISTEN catalog_changed") { _ in
                    // Blocking is fine in a test: this loop serves nothing else.
                    let notifier = try? BlockingConnection(url: url)
                    _ = try? notifier?.execute("NOTIFY catalog_changed, 'movies'")
                    notifier?.close()
                }
            }
            #expect(received.value == "catalog_changed:movies")
        }
    }
}
