@testable import MarqueeHTTP
import Testing

@Suite("Router")
struct RouterTests {
    var router: Router = {
        var router = Router()
        router.add(.GET, "/healthz", endpoint: 0)
        router.add(.GET, "/v1/movies", endpoint: 1)
        router.add(.POST, "/v1/movies", endpoint: 2)
        router.add(.GET, "/v1/movies/{id:int}", endpoint: 3)
        router.add(.GET, "/v1/movies/search", endpoint: 4)
        router.add(.POST, "/v1/showtimes/{id:int}/holds", endpoint: 5)
        router.add(.GET, "/v1/people/{name}/films", endpoint: 6)
        router.add(.DELETE, "/v1/holds/{id:int}", endpoint: 7)
        router.add(.GET, "/v1/{kind}/about", endpoint: 8)
        return router
    }()

    func endpoint(_ method: HTTPMethod, _ path: Substring) -> Int? {
        if case .found(let endpoint, _, _) = router.match(method, path: path) { return endpoint }
        return nil
    }

    @Test("static and parameterised paths find their handler")
    func matches() {
        #expect(endpoint(.GET, "/healthz") == 0)
        #expect(endpoint(.GET, "/v1/movies") == 1)
        #expect(endpoint(.POST, "/v1/movies") == 2)
        #expect(endpoint(.GET, "/v1/movies/42") == 3)
        #expect(endpoint(.POST, "/v1/showtimes/7/holds") == 5)
        #expect(endpoint(.DELETE, "/v1/holds/9") == 7)
    }

    @Test("a literal segment wins over a parameter, with backtracking when it leads nowhere")
    func literalPreference() {
        #expect(endpoint(.GET, "/v1/movies/search") == 4)
        #expect(endpoint(.GET, "/v1/showtimes/about") == 8)
    }

    @Test("parameters are captured and percent-decoded")
    func parameters() throws {
        guard case .found(_, let parameters, let route) = router.match(.GET, path: "/v1/people/Am%C3%A9lie%20P/films") else {
            Issue.record("no match")
            return
        }
        #expect(parameters["name"] == "Amélie P")
        #expect(router.pattern(of: route) == "/v1/people/{name}/films")
        guard case .found(_, let ids, _) = router.match(.GET, path: "/v1/movies/9007199254740993") else {
            Issue.record("no match")
            return
        }
        #expect(ids.id("id") == 9_007_199_254_740_993)
    }

    @Test("several parameters are captured in order, up to four, also after backtracking out of a parameter branch")
    func severalParameters() {
        var router = Router()
        router.add(.GET, "/a/{one}/{two}/{three}/{four}", endpoint: 0)
        router.add(.GET, "/a/{one}/x/{two}/y", endpoint: 1)
        router.add(.GET, "/a/{one}/{two}/z", endpoint: 2)
        guard case .found(0, let four, _) = router.match(.GET, path: "/a/1/2/3/4") else {
            Issue.record("no match for four parameters")
            return
        }
        #expect([four["one"], four["two"], four["three"], four["four"]] == ["1", "2", "3", "4"])
        // `x` is tried as a literal first, then as the parameter `two` (the literal branch ends nowhere).
        guard case .found(2, let backtracked, _) = router.match(.GET, path: "/a/p/x/z") else {
            Issue.record("no match after backtracking")
            return
        }
        #expect(backtracked["one"] == "p" && backtracked["two"] == "x" && backtracked["three"] == nil)
        guard case .found(1, let mixed, _) = router.match(.GET, path: "/a/q/x/r/y") else {
            Issue.record("no match with literals between parameters")
            return
        }
        #expect(mixed["one"] == "q" && mixed["two"] == "r")
    }

    @Test("an int parameter that is not a positive id is a 400 naming it", arguments: [
        "/v1/movies/abc", "/v1/movies/0", "/v1/movies/-1", "/v1/movies/01", "/v1/movies/1.5",
        "/v1/movies/99999999999999999999",
    ])
    func invalidIDs(_ path: String) {
        guard case .invalidParameter(let error) = router.match(.GET, path: Substring(path)) else {
            Issue.record("expected invalid parameter for \(path)")
            return
        }
        #expect(error.status == .badRequest)
        #expect(error.code == "invalid_path_parameter")
        #expect(error.jsonBody().contains("\"parameter\":\"id\""))
    }

    @Test("a bad percent escape is a 400")
    func badEscape() {
        guard case .invalidParameter(let error) = router.match(.GET, path: "/v1/people/%zz/films") else {
            Issue.record("expected invalid parameter")
            return
        }
        #expect(error.code == "invalid_path_parameter")
    }

    @Test("unknown paths are 404; empty segments and trailing slashes do not match", arguments: [
        "/", "/nope", "/v1/movies/", "/v1//movies", "/v1/showtimes/7/holds/x", "/healthz/", "",
    ])
    func notFound(_ path: String) {
        guard case .notFound = router.match(.GET, path: Substring(path)) else {
            Issue.record("expected 404 for \(path)")
            return
        }
    }

    @Test("a known path with another method is 405 listing the allowed ones, HEAD with GET")
    func methodNotAllowed() {
        guard case .methodNotAllowed(let allowed) = router.match(.DELETE, path: "/v1/movies") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.GET, .HEAD, .POST])
        guard case .methodNotAllowed(let holds) = router.match(.GET, path: "/v1/showtimes/3/holds") else {
            Issue.record("expected 405")
            return
        }
        #expect(holds == [.POST])
    }

    @Test("HEAD is served by the GET handler")
    func head() {
        #expect(endpoint(.HEAD, "/v1/movies/5") == 3)
    }
}
