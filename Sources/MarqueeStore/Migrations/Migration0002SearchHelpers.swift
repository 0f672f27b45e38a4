extension Migration {
    /// Substring search on folded text with LIKE's wildcards escaped, so a
    /// `%` or `_` typed by a user matches itself.
    static let m0002SearchHelpers = Migration(version: 2, name: "search_helpers", sql: #"""
    CREATE OR REPLACE FUNCTION marquee_contains_pattern(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        RETURN '%' || replace(replace(replace(marquee_fold($1), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    CREATE INDEX genres_lower_name ON genres (lower(name), id);
    CREATE INDEX movies_lower_title ON movies (lower(title), id) WHERE retired_at IS NULL;
    CREATE INDEX people_lower_name ON people (lower(name), id);
    CREATE INDEX theaters_lower_name ON theaters (lower(name), id);
    """#)
}
