import MarqueeHTTP
import MarqueeServer

/// Every catalog route, reads and admin writes.
public enum CatalogRoutes {
    public static func add(to routes: inout Routes, config: CatalogConfig) {
        routes.add(.GET, "/v1/movies") { MovieReads.list($0, config: config) }
        routes.add(.POST, "/v1/movies") { CatalogAdmin.createMovie($0, config: config) }
        routes.add(.GET, "/v1/movies/{id:int}") { MovieReads.detail($0, config: config) }
        routes.add(.PATCH, "/v1/movies/{id:int}") { CatalogAdmin.updateMovie($0, config: config) }
        routes.add(.DELETE, "/v1/movies/{id:int}") { CatalogAdmin.deleteMovie($0, config: config) }
        routes.add(.PUT, "/v1/movies/{id:int}/cast") { CatalogAdmin.replaceCast($0, config: config) }

        routes.add(.GET, "/v1/genres") { OtherReads.genres($0, config: config) }
        routes.add(.POST, "/v1/genres") {
            CatalogAdmin.createNamed($0, config: config, table: "genres", entity: "genre", showSQL: genreSQL)
        }
        routes.add(.PATCH, "/v1/genres/{id:int}") {
            CatalogAdmin.updateNamed($0, config: config, table: "genres", entity: "genre", showSQL: genreSQL)
        }
        routes.add(.DELETE, "/v1/genres/{id:int}") { CatalogAdmin.deleteNamed($0, config: config, table: "genres", entity: "genre") }

        routes.add(.GET, "/v1/actors") { OtherReads.actors($0, config: config) }
        routes.add(.POST, "/v1/people") {
            CatalogAdmin.createNamed($0, config: config, table: "people", entity: "person", showSQL: personSQL)
        }
        routes.add(.PATCH, "/v1/people/{id:int}") {
            CatalogAdmin.updateNamed($0, config: config, table: "people", entity: "person", showSQL: personSQL)
        }
        routes.add(.DELETE, "/v1/people/{id:int}") { CatalogAdmin.deleteNamed($0, config: config, table: "people", entity: "person") }

        routes.add(.GET, "/v1/theaters") { OtherReads.theaters($0, config: config) }
        routes.add(.POST, "/v1/theaters") {
            CatalogAdmin.createNamed($0, config: config, table: "theaters", entity: "theater",
                                     extraFields: ["address", "time_zone"], showSQL: theaterSQL)
        }
        routes.add(.PATCH, "/v1/theaters/{id:int}") {
            CatalogAdmin.updateNamed($0, config: config, table: "theaters", entity: "theater",
                                     extraFields: ["address", "time_zone"], showSQL: theaterSQL)
        }
        routes.add(.DELETE, "/v1/theaters/{id:int}") { CatalogAdmin.deleteNamed($0, config: config, table: "theaters", entity: "theater") }

        routes.add(.POST, "/v1/auditoriums") { CatalogAdmin.createAuditorium($0, config: config) }
        routes.add(.GET, "/v1/auditoriums/{id:int}") { OtherReads.auditorium($0, config: config) }
        routes.add(.PATCH, "/v1/auditoriums/{id:int}") { CatalogAdmin.updateAuditorium($0, config: config) }
        routes.add(.DELETE, "/v1/auditoriums/{id:int}") {
            CatalogAdmin.deleteNamed($0, config: config, table: "auditoriums", entity: "auditorium")
        }

        routes.add(.GET, "/v1/showtimes") { OtherReads.showtimes($0, config: config) }
        routes.add(.POST, "/v1/showtimes") { CatalogAdmin.createShowtime($0, config: config) }
        routes.add(.GET, "/v1/showtimes/{id:int}") { OtherReads.showtime($0, config: config) }
        routes.add(.PATCH, "/v1/showtimes/{id:int}") { CatalogAdmin.updateShowtime($0, config: config) }
    }

    static let genreSQL = "SELECT json_build_object('id', id, 'name', name)::text FROM genres WHERE id = $1"
    static let personSQL = "SELECT json_build_object('id', id, 'name', name)::text FROM people WHERE id = $1"
    static let theaterSQL = """
        SELECT json_build_object('id', id, 'name', name, 'address', address, 'time_zone', time_zone)::text
        FROM theaters WHERE id = $1
        """
}
