import Foundation
import MarqueeTestSupport
import Testing

@Suite("Catalog: movie search", .serialized)
final class MovieSearchTests {
    let server: MarqueeTestServer
    var ids: [String: Int] = [:]

    init() throws {
        server = try MarqueeTestServer()
        let drama = try server.create("/v1/genres", #"{"name":"Drama"}"#)
        let comedy = try server.create("/v1/genres", #"{"name":"Comedy"}"#)
        let audrey = try server.create("/v1/people", #"{"name":"Audrey Tautou"}"#)
        let bill = try server.create("/v1/people", #"{"name":"Bill Murray"}"#)
        let theater = try server.create("/v1/theaters", #"{"name":"Rex"}"#)
        let room = try server.create("/v1/auditoriums", "{\"theater_id\":\(theater),\"name\":\"One\",\"layout\":\(layoutJSON())}")
        func movie(_ title: String, genres: [Int], cast: [Int], showtime: String?) throws {
            let id = try server.create("/v1/movies", "{\"title\":\"\(title)\",\"runtime_minutes\":100,\"genre_ids\":\(genres)}")
            ids[title] = id
            let castJSON = cast.map { "{\"person_id\":\($0),\"role\":\"Lead\"}" }.joined(separator: ",")
            #expect(try server.request("PUT", "/v1/movies/\(id)/cast", json: "{\"cast\":[\(castJSON)]}").status == 200)
            if let showtime {
                try server.create("/v1/showtimes", "{\"movie_id\":\(id),\"auditorium_id\":\(room),\"starts_at\":\"\(showtime)\"}")
            }
        }
        try movie("Amélie", genres: [drama, comedy], cast: [audrey], showtime: "2031-03-01T18:00:00Z")
        try movie("Lost in Translation", genres: [drama], cast: [bill], showtime: "2031-03-05T18:00:00Z")
        try movie("Groundhog Day", genres: [comedy], cast: [bill], showtime: nil)
        try movie("100% Pure_Fun", genres: [comedy], cast: [], showtime: nil)
        try movie("Coco Before Chanel", genres: [drama], cast: [audrey], showtime: "2031-04-01T18:00:00Z")
    }

    deinit { server.stop() }

    func titles(_ path: String) throws -> [String] {
        let response = try server.get(path)
        #expect(response.status == 200, "\(path): \(response)")
        return response.items.compactMap { $0["title"] as? String }
    }

    @Test("no filter lists every current movie in title order")
    func all() throws {
        #expect(try titles("/v1/movies") == ["100% Pure_Fun", "Amélie", "Coco Before Chanel", "Groundhog Day", "Lost in Translation"])
    }

    @Test("each filter alone")
    func singleFilters() throws {
        #expect(try titles("/v1/movies?genre=drama") == ["Amélie", "Coco Before Chanel", "Lost in Translation"])
        #expect(try titles("/v1/movies?actor=bill%20murray") == ["Groundhog Day", "Lost in Translation"])
        #expect(try titles("/v1/movies?actor=TAUTOU") == ["Amélie", "Coco Before Chanel"])
        #expect(try titles("/v1/movies?q=amelie") == ["Amélie"])
        #expect(try titles("/v1/movies?q=AM%C3%89LIE") == ["Amélie"])
        #expect(try titles("/v1/movies?q=day") == ["Groundhog Day"])
        #expect(try titles("/v1/movies?from=2031-03-01&to=2031-03-03") == ["Amélie"])
        #expect(try titles("/v1/movies?from=2031-03-02T00:00:00Z") == ["Coco Before Chanel", "Lost in Translation"])
        #expect(try titles("/v1/movies?to=2031-03-01") == ["Amélie"])
    }

    @Test("filters combine")
    func combined() throws {
        #expect(try titles("/v1/movies?genre=drama&actor=tautou") == ["Amélie", "Coco Before Chanel"])
        #expect(try titles("/v1/movies?genre=drama&actor=tautou&from=2031-03-01&to=2031-03-31") == ["Amélie"])
        #expect(try titles("/v1/movies?genre=comedy&q=o") == ["Groundhog Day"])
        #expect(try titles("/v1/movies?genre=\(ids.isEmpty ? 0 : 1)&q=lost") == ["Lost in Translation"])
    }

    @Test("injection-shaped and wildcard text in q is matched literally")
    func literalSearch() throws {
        #expect(try titles("/v1/movies?q=%25") == ["100% Pure_Fun"])
        #expect(try titles("/v1/movies?q=_") == ["100% Pure_Fun"])
        #expect(try titles("/v1/movies?q=%27%3B%20DROP%20TABLE%20movies%3B%20--") == [])
        #expect(try titles("/v1/movies?q=%5C") == [])
        #expect(try titles("/v1/movies").count == 5)
    }

    @Test("cursor paging walks every movie once, in order")
    func paging() throws {
        var seen: [String] = []
        var path = "/v1/movies?limit=2"
        var pages = 0
        while true {
            let response = try server.get(path)
            #expect(response.status == 200)
            seen += response.items.compactMap { $0["title"] as? String }
            pages += 1
            guard let cursor = response.nextCursor else { break }
            path = "/v1/movies?limit=2&cursor=\(cursor)"
        }
        #expect(pages == 3)
        #expect(seen == ["100% Pure_Fun", "Amélie", "Coco Before Chanel", "Groundhog Day", "Lost in Translation"])
    }

    @Test("limit is clamped to 1...100")
    func limits() throws {
        #expect(try titles("/v1/movies?limit=0").count == 1)
        #expect(try titles("/v1/movies?limit=1000").count == 5)
        #expect(try server.get("/v1/movies?limit=abc").errorCode == "invalid_parameter")
    }

    @Test("bad dates, ranges, cursors and parameters are 400 with a machine-readable code", arguments: [
        ("/v1/movies?from=2031-02-30", "invalid_date"),
        ("/v1/movies?from=yesterday", "invalid_date"),
        ("/v1/movies?from=2031-03-01T18:00:00", "invalid_date"),
        ("/v1/movies?to=2031-3-1", "invalid_date"),
        ("/v1/movies?from=2031-03-05&to=2031-03-01", "invalid_date_range"),
        ("/v1/movies?from=2031-01-01&to=2033-01-01", "date_range_too_large"),
        ("/v1/movies?cursor=not-a-cursor", "invalid_cursor"),
        ("/v1/movies?colour=red", "unknown_parameter"),
        ("/v1/movies?q=a&q=b", "duplicate_parameter"),
        ("/v1/movies?q=", "invalid_parameter"),
        ("/v1/movies?q=%zz", "invalid_query"),
        ("/v1/showtimes?movie=abc", "invalid_parameter"),
        ("/v1/showtimes?from=2031-13-01", "invalid_date"),
    ])
    func badInput(path: String, code: String) throws {
        let response = try server.get(path)
        #expect(response.status == 400)
        #expect(response.errorCode == code)
    }

    @Test("a movie's page has genres, cast and upcoming showtimes; unknown ids 404, bad ids 400")
    func detail() throws {
        let id = try #require(ids["Amélie"])
        let response = try server.get("/v1/movies/\(id)")
        #expect(response.status == 200)
        let movie = try #require(response.object)
        #expect((movie["genres"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Comedy", "Drama"])
        #expect((movie["cast"] as? [[String: Any]])?.first?["name"] as? String == "Audrey Tautou")
        #expect((movie["upcoming_showtimes"] as? [[String: Any]])?.count == 1)
        #expect(try server.get("/v1/movies/999999").status == 404)
        #expect(try server.get("/v1/movies/abc").errorCode == "invalid_path_parameter")
    }

    @Test("genres, actors, theaters and showtimes list and page the same way")
    func otherLists() throws {
        #expect(try server.get("/v1/genres").items.compactMap { $0["name"] as? String } == ["Comedy", "Drama"])
        #expect(try server.get("/v1/actors?q=murray").items.first?["movie_count"] as? Int == 2)
        #expect(try server.get("/v1/theaters").items.count == 1)
        let showtimes = try server.get("/v1/showtimes?from=2031-01-01&to=2031-12-31&limit=2")
        #expect(showtimes.items.count == 2)
        let next = try server.get("/v1/showtimes?from=2031-01-01&to=2031-12-31&limit=2&cursor=\(try #require(showtimes.nextCursor))")
        #expect(next.items.count == 1)
        #expect(next.nextCursor == nil)
    }
}
