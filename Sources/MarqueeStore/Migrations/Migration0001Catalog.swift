extension Migration {
    /// The catalog: movies, genres, people and cast, theaters, auditoriums
    /// with their seat layouts, and showtimes that cannot overlap.
    static let m0001Catalog = Migration(version: 1, name: "catalog", sql: #"""
    CREATE EXTENSION IF NOT EXISTS btree_gist;
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS unaccent;

    -- unaccent() is only STABLE (its dictionary could change); an index
    -- needs IMMUTABLE, so wrap the C function with the dictionary pinned.
    CREATE OR REPLACE FUNCTION marquee_unaccent(regdictionary, text) RETURNS text
        LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT AS '$libdir/unaccent', 'unaccent_dict';
    CREATE OR REPLACE FUNCTION marquee_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN lower(marquee_unaccent(regdictionary 'public.unaccent', $1));

    -- timestamptz + interval is only STABLE because day and month steps
    -- depend on the time zone; a step in minutes does not, so this is truly
    -- IMMUTABLE and may serve the overlap constraint.
    CREATE OR REPLACE FUNCTION marquee_plus_minutes(timestamptz, integer) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN $1 + make_interval(secs => $2 * 60);

    CREATE TABLE genres (
        id          bigserial PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX genres_name_key ON genres (lower(name));

    CREATE TABLE movies (
        id               bigserial PRIMARY KEY,
        title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        synopsis         text NOT NULL DEFAULT '' CHECK (length(synopsis) <= 5000),
        runtime_minutes  integer NOT NULL CHECK (runtime_minutes BETWEEN 1 AND 1000),
        rating           text NOT NULL DEFAULT 'NR' CHECK (rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17', 'NR')),
        release_date     date,
        poster_url       text CHECK (poster_url IS NULL OR length(poster_url) <= 2000),
        retired_at       timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX movies_title_trgm ON movies USING gin (marquee_fold(title) gin_trgm_ops);

    CREATE TABLE movie_genres (
        movie_id  bigint NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
        genre_id  bigint NOT NULL REFERENCES genres (id) ON DELETE RESTRICT,
        PRIMARY KEY (movie_id, genre_id)
    );
    CREATE INDEX movie_genres_genre ON movie_genres (genre_id, movie_id);

    CREATE TABLE people (
        id          bigserial PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX people_name_trgm ON people USING gin (marquee_fold(name) gin_trgm_ops);

    CREATE TABLE cast_members (
        movie_id       bigint NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
        person_id      bigint NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
        role           text NOT NULL DEFAULT '' CHECK (length(role) <= 200),
        billing_order  integer NOT NULL DEFAULT 0 CHECK (billing_order >= 0),
        PRIMARY KEY (movie_id, person_id, role)
    );
    CREATE INDEX cast_members_person ON cast_members (person_id, movie_id);

    CREATE TABLE theaters (
        id          bigserial PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        address     text NOT NULL DEFAULT '',
        time_zone   text NOT NULL DEFAULT 'UTC',
        created_at  timestamptz NOT NULL DEFAULT now()
    );

    -- layout: {"rows": R, "columns": C, "row_labels": [...], "aisles_after": [...],
    --          "removed": ["A1", ...], "categories": {"F7": "premium", ...},
    --          "prices": {"standard": 1200, ...}} (prices in cents)
    CREATE TABLE auditoriums (
        id          bigserial PRIMARY KEY,
        theater_id  bigint NOT NULL REFERENCES theaters (id) ON DELETE RESTRICT,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        layout      jsonb NOT NULL,
        seat_count  integer NOT NULL CHECK (seat_count BETWEEN 1 AND 5000),
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (theater_id, name)
    );

    CREATE TABLE showtimes (
        id               bigserial PRIMARY KEY,
        movie_id         bigint NOT NULL REFERENCES movies (id) ON DELETE RESTRICT,
        auditorium_id    bigint NOT NULL REFERENCES auditoriums (id) ON DELETE RESTRICT,
        starts_at        timestamptz NOT NULL,
        ends_at          timestamptz NOT NULL,
        cleaning_minutes integer NOT NULL DEFAULT 15 CHECK (cleaning_minutes BETWEEN 0 AND 240),
        prices           jsonb,
        status           text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
        created_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at),
        -- The database is the last guard: no two live showtimes of one
        -- auditorium overlap, cleaning buffer included.
        CONSTRAINT showtimes_no_overlap EXCLUDE USING gist (
            auditorium_id WITH =,
            tstzrange(starts_at, marquee_plus_minutes(ends_at, cleaning_minutes), '[)') WITH &&
        ) WHERE (status = 'scheduled')
    );
    CREATE INDEX showtimes_movie_start ON showtimes (movie_id, starts_at);
    CREATE INDEX showtimes_start ON showtimes (starts_at);
    CREATE INDEX showtimes_auditorium_start ON showtimes (auditorium_id, starts_at);
    """#)
}
