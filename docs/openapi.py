#!/usr/bin/env python3
"""Writes openapi.json, the API document served at GET /openapi.json.
Edit this file, then run scripts/openapi.sh. openapi.json is the one committed
copy of the document; the build embeds it in the binary. A test fails when the
JSON and this generator drift apart."""
import json, sys

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def err(*codes): return {"description": "Error: " + ", ".join(codes), "content": {"application/json": {"schema": ref("Error")}}}
def ok(schema, description="OK"): return {"description": description, "content": {"application/json": {"schema": schema}}}
def page(item): return {"type": "object", "required": ["items", "next_cursor"], "properties": {
    "items": {"type": "array", "items": ref(item)}, "next_cursor": {"type": ["string", "null"]}}}
def qp(name, schema, description): return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
def pid(name="id"): return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "format": "int64"}}
limit = qp("limit", {"type": "integer"}, "Page size, clamped to 1..100 (default 20).")
cursor = qp("cursor", {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": "^[A-Za-z0-9_-]+$"}, "next_cursor of the previous page.")
date_pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
dfrom = qp("from", {"type": "string", "minLength": 10, "pattern": date_pattern}, "ISO 8601 date or date-time with zone; inclusive. Must be a real calendar date.")
dto = qp("to", {"type": "string", "minLength": 10, "pattern": date_pattern}, "ISO 8601 date (whole day included) or date-time with zone; exclusive.")
id64 = {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}
admin = [{"bearerAuth": []}]  # role admin
bad = err("malformed_request", "invalid_parameter", "unknown_parameter", "duplicate_parameter", "invalid_query", "invalid_path_parameter", "invalid_date", "invalid_date_range", "date_range_too_large", "invalid_cursor")
unavailable = err("database_unavailable")
def body(schema): return {"required": True, "content": {"application/json": {"schema": schema}}}
def write_responses(created, *extra):
    responses = {created[0]: ok(ref(created[1]), created[2]), "400": err("invalid_json", "invalid_field", "unknown_field", "invalid_path_parameter"),
                 "401": err("unauthorized", "missing_token", "invalid_token", "token_expired", "token_revoked"), "403": err("admin_disabled", "forbidden"), "415": err("unsupported_media_type"), "503": unavailable}
    for code, description in extra: responses[code] = err(*description)
    return responses

name_text = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"}
movie_input = {"type": "object", "additionalProperties": False, "properties": {
    "title": {**name_text, "maxLength": 300}, "synopsis": {"type": "string", "maxLength": 5000, "pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"},
    "runtime_minutes": {"type": "integer", "minimum": 1, "maximum": 1000},
    "rating": {"type": "string", "enum": ["G", "PG", "PG-13", "R", "NC-17", "NR"]},
    "release_date": {"type": "string", "format": "date"}, "poster_url": {**name_text, "maxLength": 2000},
    "genre_ids": {"type": "array", "maxItems": 100, "uniqueItems": True, "items": id64, "description": "Every id must exist (422 unknown_reference otherwise)."}}}
named = {"type": "object", "additionalProperties": False, "properties": {"name": name_text}}
genre_named = {"type": "object", "additionalProperties": False, "properties": {"name": {**name_text, "maxLength": 60}}}
theater_input = {"type": "object", "additionalProperties": False, "properties": {
    "name": name_text, "address": {"type": "string", "maxLength": 500, "pattern": "^[^\\u0000-\\u001f\\u007f]*$"},
    "time_zone": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9/_+-]+$"}}}
layout = {"type": "object", "additionalProperties": False, "required": ["rows", "columns", "prices"],
  "description": "Checked as a whole: row_labels has one unique label per row; aisles_after, removed and categories name real columns and seats; prices covers standard and every category used.", "properties": {
    "rows": {"type": "integer", "minimum": 1, "maximum": 50}, "columns": {"type": "integer", "minimum": 1, "maximum": 60},
    "row_labels": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z0-9]{1,3}$"}},
    "aisles_after": {"type": "array", "items": {"type": "integer", "minimum": 1}},
    "removed": {"type": "array", "items": {"type": "string"}},
    "categories": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[a-z_]{1,20}$"}},
    "prices": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 1000000},
               "description": "Cents per category; must include standard and every category used."}}}
starts_at = {"type": "string", "format": "date-time", "pattern": "^(1[89][0-9]{2}|[2-9][0-9]{3})-", "description": "With a zone; years 1800 to 9999."}
prices = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[a-z_]{1,20}$"},
          "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 1000000}}
showtime_create = {"type": "object", "additionalProperties": False, "properties": {
    "movie_id": id64, "auditorium_id": id64,
    "starts_at": starts_at, "cleaning_minutes": {"type": "integer", "minimum": 0, "maximum": 240},
    "prices": prices}}
showtime_update = {"type": "object", "additionalProperties": False, "properties": {
    "starts_at": starts_at, "cleaning_minutes": {"type": "integer", "minimum": 0, "maximum": 240},
    "prices": prices, "status": {"type": "string", "enum": ["scheduled", "cancelled"]}}}

paths = {
  "/healthz": {"get": {"summary": "Liveness: the process is up and its loops turn.", "operationId": "health", "tags": ["operations"],
      "responses": {"200": ok({"type": "object", "properties": {"status": {"const": "ok"}}})}}},
  "/readyz": {"get": {"summary": "Readiness: not draining, and this shard's database connection answers.", "operationId": "ready", "tags": ["operations"],
      "responses": {"200": ok({"type": "object", "properties": {"status": {"const": "ready"}, "database": {"type": "string"}}}), "503": err("draining", "database_unavailable")}}},
  "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4).", "operationId": "metrics", "tags": ["operations"],
      "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
  "/openapi.json": {"get": {"summary": "This document.", "operationId": "openapi", "tags": ["operations"],
      "responses": {"200": ok({"type": "object"})}}},
  "/v1/movies": {
    "get": {"summary": "Search current movies. Filters combine; ordered by title, then id.", "operationId": "listMovies", "tags": ["catalog"],
      "parameters": [qp("genre", {"type": "string", "minLength": 1, "maxLength": 200}, "Genre id or name (case-insensitive)."),
                     qp("actor", {"type": "string", "minLength": 1, "maxLength": 200}, "Person id, or part of a cast member's name (case- and accent-insensitive)."),
                     qp("q", {"type": "string", "minLength": 1, "maxLength": 200}, "Part of the title (case- and accent-insensitive; % and _ match themselves)."),
                     dfrom, dto, limit, cursor],
      "responses": {"200": ok(page("MovieSummary")), "400": bad, "503": unavailable}},
    "post": {"summary": "Create a movie (admin).", "operationId": "createMovie", "tags": ["admin"], "security": admin,
      "requestBody": body({**movie_input, "required": ["title", "runtime_minutes"]}),
      "responses": write_responses(("201", "Movie", "Created"), ("422", ["unknown_reference"]))}},
  "/v1/movies/{id}": {
    "parameters": [pid()],
    "get": {"summary": "A movie with its genres, cast and next 50 showtimes. Retired (deleted) movies are 404.", "operationId": "getMovie", "tags": ["catalog"],
      "responses": {"200": ok(ref("Movie")), "400": bad, "404": err("not_found"), "503": unavailable}},
    "patch": {"summary": "Change a movie (admin). Fields present replace; genre_ids replaces the genre list.", "operationId": "updateMovie", "tags": ["admin"], "security": admin,
      "requestBody": body(movie_input), "responses": write_responses(("200", "Movie", "Updated"), ("404", ["not_found"]), ("422", ["unknown_reference"]))},
    "delete": {"summary": "Retire a movie (admin): refused with 409 movie_has_showtimes while scheduled showtimes are to come; otherwise hidden from listings and kept for history.",
      "operationId": "deleteMovie", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Retired"}, "400": bad, "401": err("unauthorized"), "403": err("admin_disabled"), "404": err("not_found"),
                    "409": err("movie_has_showtimes"), "503": unavailable}}},
  "/v1/movies/{id}/cast": {
    "parameters": [pid()],
    "put": {"summary": "Replace a movie's cast (admin).", "operationId": "replaceCast", "tags": ["admin"], "security": admin,
      "requestBody": body({"type": "object", "required": ["cast"], "additionalProperties": False, "properties": {"cast": {"type": "array", "maxItems": 200,
          "items": {"type": "object", "required": ["person_id"], "additionalProperties": False, "properties": {
              "person_id": id64, "role": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f]*$"},
              "billing_order": {"type": "integer", "minimum": 0, "maximum": 10000}}}}}}),
      "responses": write_responses(("200", "Movie", "Replaced"), ("404", ["not_found"]), ("422", ["unknown_reference"]))}},
  "/v1/genres": {
    "get": {"summary": "Genres by name.", "operationId": "listGenres", "tags": ["catalog"], "parameters": [limit, cursor],
      "responses": {"200": ok(page("Genre")), "400": bad, "503": unavailable}},
    "post": {"summary": "Create a genre (admin).", "operationId": "createGenre", "tags": ["admin"], "security": admin,
      "requestBody": body({**genre_named, "required": ["name"]}), "responses": write_responses(("201", "Genre", "Created"), ("409", ["genre_exists"]))}},
  "/v1/genres/{id}": {"parameters": [pid()],
    "patch": {"summary": "Rename a genre (admin).", "operationId": "updateGenre", "tags": ["admin"], "security": admin, "requestBody": body(genre_named),
      "responses": write_responses(("200", "Genre", "Updated"), ("404", ["not_found"]), ("409", ["genre_exists"]))},
    "delete": {"summary": "Delete a genre (admin); 409 while movies use it.", "operationId": "deleteGenre", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Deleted"}, "400": bad, "401": err("unauthorized"), "403": err("admin_disabled"), "404": err("not_found"), "409": err("genre_in_use"), "503": unavailable}}},
  "/v1/actors": {"get": {"summary": "People, optionally matching part of a name.", "operationId": "listActors", "tags": ["catalog"],
      "parameters": [qp("q", {"type": "string", "minLength": 1, "maxLength": 200}, "Part of the name."), limit, cursor],
      "responses": {"200": ok(page("Person")), "400": bad, "503": unavailable}}},
  "/v1/people": {"post": {"summary": "Create a person (admin).", "operationId": "createPerson", "tags": ["admin"], "security": admin,
      "requestBody": body({**named, "required": ["name"]}), "responses": write_responses(("201", "Person", "Created"))}},
  "/v1/people/{id}": {"parameters": [pid()],
    "patch": {"summary": "Rename a person (admin).", "operationId": "updatePerson", "tags": ["admin"], "security": admin, "requestBody": body(named),
      "responses": write_responses(("200", "Person", "Updated"), ("404", ["not_found"]))},
    "delete": {"summary": "Delete a person (admin); 409 while in a cast.", "operationId": "deletePerson", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Deleted"}, "400": bad, "401": err("unauthorized"), "403": err("admin_disabled"), "404": err("not_found"), "409": err("person_in_use"), "503": unavailable}}},
  "/v1/theaters": {
    "get": {"summary": "Theaters with their auditoriums.", "operationId": "listTheaters", "tags": ["catalog"], "parameters": [limit, cursor],
      "responses": {"200": ok(page("Theater")), "400": bad, "503": unavailable}},
    "post": {"summary": "Create a theater (admin).", "operationId": "createTheater", "tags": ["admin"], "security": admin,
      "requestBody": body({**theater_input, "required": ["name"]}), "responses": write_responses(("201", "Theater", "Created"))}},
  "/v1/theaters/{id}": {"parameters": [pid()],
    "patch": {"summary": "Change a theater (admin).", "operationId": "updateTheater", "tags": ["admin"], "security": admin, "requestBody": body(theater_input),
      "responses": write_responses(("200", "Theater", "Updated"), ("404", ["not_found"]))},
    "delete": {"summary": "Delete a theater (admin); 409 while it has auditoriums.", "operationId": "deleteTheater", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Deleted"}, "400": bad, "401": err("unauthorized"), "403": err("admin_disabled"), "404": err("not_found"), "409": err("theater_in_use"), "503": unavailable}}},
  "/v1/auditoriums": {"post": {"summary": "Create an auditorium with its seat layout (admin).", "operationId": "createAuditorium", "tags": ["admin"], "security": admin,
      "requestBody": body({"type": "object", "required": ["theater_id", "name", "layout"], "additionalProperties": False, "properties": {
          "theater_id": id64, "name": {**name_text, "maxLength": 100}, "layout": layout}}),
      "responses": write_responses(("201", "Auditorium", "Created"), ("409", ["auditorium_exists"]), ("422", ["unknown_reference"]))}},
  "/v1/auditoriums/{id}": {"parameters": [pid()],
    "get": {"summary": "An auditorium with its layout.", "operationId": "getAuditorium", "tags": ["catalog"],
      "responses": {"200": ok(ref("Auditorium")), "400": bad, "404": err("not_found"), "503": unavailable}},
    "patch": {"summary": "Rename an auditorium or change its layout (admin); the layout is locked while showtimes to come use it.", "operationId": "updateAuditorium", "tags": ["admin"], "security": admin,
      "requestBody": body({"type": "object", "additionalProperties": False, "properties": {"name": {**name_text, "maxLength": 100}, "layout": layout}}),
      "responses": write_responses(("200", "Auditorium", "Updated"), ("404", ["not_found"]), ("409", ["auditorium_has_showtimes", "auditorium_exists"]))},
    "delete": {"summary": "Delete an auditorium (admin); 409 while it has showtimes.", "operationId": "deleteAuditorium", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Deleted"}, "400": bad, "401": err("unauthorized"), "403": err("admin_disabled"), "404": err("not_found"), "409": err("auditorium_in_use"), "503": unavailable}}},
  "/v1/showtimes": {
    "get": {"summary": "Scheduled showtimes, soonest first (without from: those not yet started).", "operationId": "listShowtimes", "tags": ["catalog"],
      "parameters": [qp("movie", id64, "Movie id."), qp("theater", id64, "Theater id."), dfrom, dto, limit, cursor],
      "responses": {"200": ok(page("ShowtimeSummary")), "400": bad, "503": unavailable}},
    "post": {"summary": "Schedule a showtime (admin). Ends after the movie's runtime; may not overlap another in the auditorium, cleaning buffer included.",
      "operationId": "createShowtime", "tags": ["admin"], "security": admin,
      "requestBody": body({**showtime_create, "required": ["movie_id", "auditorium_id", "starts_at"]}),
      "responses": write_responses(("201", "Showtime", "Created"), ("409", ["showtime_overlap"]), ("422", ["unknown_movie", "unknown_reference"]))}},
  "/v1/showtimes/{id}": {"parameters": [pid()],
    "get": {"summary": "A showtime with its movie, theater, auditorium and prices.", "operationId": "getShowtime", "tags": ["catalog"],
      "responses": {"200": ok(ref("ShowtimeDetail")), "400": bad, "404": err("not_found"), "503": unavailable}},
    "patch": {"summary": "Move, reprice or cancel a showtime (admin).", "operationId": "updateShowtime", "tags": ["admin"], "security": admin,
      "requestBody": body(showtime_update), "responses": write_responses(("200", "Showtime", "Updated"), ("404", ["not_found"]), ("409", ["showtime_overlap"]))}},
}

paths.update({
  "/v1/users": {"post": {"summary": "Sign up. The email is normalised (trimmed, lower case) and unique.", "operationId": "signUp", "tags": ["users"],
      "requestBody": body({"type": "object", "required": ["email", "password", "name"], "additionalProperties": False, "properties": {
          "email": {"type": "string", "minLength": 3, "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"},
          "password": {"type": "string", "minLength": 8, "maxLength": 128, "description": "Not one character repeated."},
          "name": name_text}}),
      "responses": {"201": ok(ref("User"), "Created"), "400": err("invalid_json", "invalid_field", "unknown_field", "invalid_email", "invalid_password", "password_length", "password_too_simple"),
                    "409": err("email_taken"), "415": err("unsupported_media_type"), "429": err("too_many_sign_ups"),
                    "503": err("database_unavailable", "server_busy")}}},
  "/v1/sessions": {
    "post": {"summary": "Log in: an OAuth 2 style bearer token. Rate-limited per client address, per email and address, and per email.", "operationId": "logIn", "tags": ["users"],
      "requestBody": body({"type": "object", "required": ["email", "password"], "additionalProperties": False, "properties": {
          "email": {"type": "string", "minLength": 1, "maxLength": 254}, "password": {"type": "string", "maxLength": 128}}}),
      "responses": {"200": ok({"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {
          "access_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"}}}),
          "400": err("invalid_json", "invalid_field", "unknown_field"), "401": err("invalid_credentials"),
          "415": err("unsupported_media_type"), "429": err("too_many_login_attempts"), "503": err("database_unavailable", "server_busy")}},
    "delete": {"summary": "Log out: revoke the token used (on every instance).", "operationId": "logOut", "tags": ["users"], "security": [{"bearerAuth": []}],
      "responses": {"204": {"description": "Revoked"}, "401": err("missing_token", "invalid_token", "token_expired", "token_revoked"), "503": unavailable}}},
  "/v1/me": {"get": {"summary": "The caller's account.", "operationId": "me", "tags": ["users"], "security": [{"bearerAuth": []}],
      "responses": {"200": ok(ref("User")), "401": err("missing_token", "invalid_token", "token_expired", "token_revoked"), "503": unavailable}}},
})

auth_errors = err("missing_token", "invalid_token", "token_expired", "token_revoked")
customer = [{"bearerAuth": []}]
label = {"type": "string", "pattern": "^[A-Z0-9]{2,8}$", "description": "Row label then column number, e.g. F7."}
labels = lambda max_items: {"type": "array", "items": label, "maxItems": max_items, "uniqueItems": True}
idem = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        "description": "The same key (per user) with the same request replays the first answer for 24 h, with Idempotent-Replayed: true; with another request 422 idempotency_key_reused; while the first runs 409 idempotency_in_progress."}
hold_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^hld_[0-9]+_[0-9]+$"}}
booking_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^bkg_[0-9]+_[0-9]+$"}}
hold_errors = {"401": auth_errors, "404": err("hold_not_found"), "503": unavailable}
paths.update({
  "/v1/showtimes/{id}/seats": {"parameters": [pid()],
    "get": {"summary": "The seat map: every seat with its state now (an expired hold reads free at once). With a token, `mine` marks seats held by the caller. `seq` is the showtime's event sequence number.",
      "operationId": "getSeats", "tags": ["seats"], "security": [{}, {"bearerAuth": []}],
      "responses": {"200": ok(ref("SeatMap")), "400": bad, "401": auth_errors, "404": err("not_found"), "503": unavailable}}},
  "/v1/showtimes/{id}/holds": {"parameters": [pid(), idem],
    "post": {"summary": "Hold seats, all or none: named seats, or the best block of adjacent seats in one row. Past the per-showtime limit the caller's oldest hold is replaced (`replaced`).",
      "operationId": "createHold", "tags": ["seats"], "security": customer,
      "requestBody": body({"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1, "properties": {
          "seats": {**labels(10), "minItems": 1},
          "best_available": {"type": "object", "required": ["count"], "additionalProperties": False, "properties": {
              "count": {"type": "integer", "minimum": 1, "maximum": 10}, "category": {"type": "string", "minLength": 1, "maxLength": 40}}}}}),
      "responses": {"201": ok(ref("Hold"), "Held"), "400": err("invalid_json", "invalid_field", "unknown_field", "duplicate_seats", "invalid_idempotency_key"),
                    "401": auth_errors, "404": err("not_found"), "409": err("seats_unavailable", "seats_blocked", "no_seats_available", "showtime_started", "showtime_cancelled", "idempotency_in_progress"),
                    "415": err("unsupported_media_type"), "422": err("unknown_seats", "too_many_seats", "unknown_category", "idempotency_key_reused"),
                    "429": err("too_many_holds", "hold_limit_reached"), "503": unavailable}}},
  "/v1/holds/{id}": {"parameters": [hold_id],
    "get": {"summary": "One of the caller's live holds (someone else's, expired or finished holds are 404).", "operationId": "getHold", "tags": ["seats"], "security": customer,
      "responses": {"200": ok(ref("Hold")), **hold_errors}},
    "patch": {"summary": "Add and remove seats in one step: the added seats are all taken, with the hold's expiry, or nothing changes.", "operationId": "changeHold", "tags": ["seats"], "security": customer,
      "requestBody": body({"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {"add": labels(10), "remove": labels(10)}}),
      "responses": {"200": ok(ref("Hold")), "400": err("invalid_json", "invalid_field", "unknown_field", "duplicate_seats"), **hold_errors,
                    "409": err("seats_unavailable", "seats_blocked", "checkout_in_progress", "showtime_started", "showtime_cancelled"),
                    "415": err("unsupported_media_type"), "422": err("unknown_seats", "seats_already_held", "seats_not_in_hold", "empty_hold", "too_many_seats")}},
    "delete": {"summary": "Release a hold: its seats are free at once.", "operationId": "releaseHold", "tags": ["seats"], "security": customer,
      "responses": {"204": {"description": "Released"}, **hold_errors, "409": err("checkout_in_progress")}}},
  "/v1/holds/{id}/checkout": {"parameters": [hold_id, idem],
    "post": {"summary": "Pay for a hold and book its seats. The payment attempt is committed, the provider authorises (manual capture), the booking is committed, the payment captured; only then 201. A decline is 402 and keeps the hold. A card that needs 3-D Secure answers 202 requires_action: the buyer's browser completes it with the client secret (Stripe.js), then POSTs .../checkout/confirm; the hold stays checking out until then, at most PAYMENT_WINDOW_SECONDS from the checkout.",
      "operationId": "checkout", "tags": ["seats"], "security": customer,
      "requestBody": body({"type": "object", "required": ["payment_method"], "additionalProperties": False, "properties": {
          "payment_method": {"type": "string", "minLength": 1, "maxLength": 100, "description": "A Stripe PaymentMethod id such as pm_card_visa, or a Stripe test card number (mock provider)."}}}),
      "responses": {"201": ok(ref("Booking"), "Booked"), "202": ok(ref("RequiresAction"), "3-D Secure needed"),
                    "400": err("invalid_json", "invalid_field", "unknown_field", "invalid_idempotency_key"), **hold_errors,
                    "402": err("payment_declined", "payment_failed"), "409": err("checkout_in_progress", "hold_expired", "showtime_started", "showtime_cancelled", "idempotency_in_progress"),
                    "415": err("unsupported_media_type"), "422": err("invalid_payment_method", "idempotency_key_reused"), "502": err("payment_provider_error"),
                    "503": err("database_unavailable", "booking_outcome_unknown", "booking_not_sent")}}},
  "/v1/holds/{id}/checkout/confirm": {"parameters": [hold_id, idem],
    "post": {"summary": "Go on with a checkout that answered 202 requires_action, once the buyer has passed (or failed) 3-D Secure: the intent is read back from the provider. Authorised: booked as by checkout (201). Still awaiting: 202 again. Authentication failed: 402 payment_declined with decline_code payment_intent_authentication_failure, the hold kept for another card. A hold already booked (by an earlier confirm or the provider's webhook) answers its booking (200).",
      "operationId": "confirmCheckout", "tags": ["seats"], "security": customer,
      "responses": {"200": ok(ref("Booking"), "Already booked"), "201": ok(ref("Booking"), "Booked"), "202": ok(ref("RequiresAction"), "Still awaiting 3-D Secure"),
                    "400": err("invalid_idempotency_key"), **hold_errors, "402": err("payment_declined", "payment_failed"),
                    "409": err("checkout_in_progress", "no_authentication_pending", "hold_expired", "idempotency_in_progress"),
                    "422": err("idempotency_key_reused"), "502": err("payment_provider_error"), "503": err("database_unavailable", "booking_outcome_unknown", "booking_not_sent")}}},
  "/v1/payments/stripe/webhook": {
    "post": {"summary": "Stripe's webhook events. Stripe-Signature is verified (HMAC-SHA256 of \"<t>.<body>\" with STRIPE_WEBHOOK_SECRET, any of several v1 values, at most 300 s from now). Each event is processed once (by id; a replay answers {\"received\":true,\"duplicate\":true}). payment_intent.amount_capturable_updated, .payment_failed and .canceled move a checkout awaiting 3-D Secure on, found by the intent's metadata (showtime, hold, user, attempt) on any instance; payment_intent.succeeded and charge.refunded record the booking's payment captured or refunded. Other types and unknown intents: 200 and a log line.",
      "operationId": "stripeWebhook", "tags": ["payments"], "security": [{}],
      "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}, "description": "t=<unix seconds>,v1=<hex HMAC>[,v1=...]"}],
      "requestBody": body({"type": "object", "required": ["id", "type", "data"], "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "data": {"type": "object"}}}),
      "responses": {"200": ok({"type": "object", "properties": {"received": {"type": "boolean"}, "duplicate": {"type": "boolean"}}}),
                    "400": err("webhook_signature_missing", "webhook_signature_invalid", "webhook_signature_expired", "invalid_event"),
                    "503": err("webhook_not_configured", "database_unavailable")}}},
  "/v1/admin/payments": {"get": {"summary": "Payments that need watching (admin): bookings whose refund failed (retried with backoff until it succeeds) and attempts whose outcome is unknown (settled by the next reconciliation that reaches the provider). Oldest first, at most 500. The /metrics gauge marquee_payments_attention counts the same.",
      "operationId": "paymentsNeedingAttention", "tags": ["admin"], "security": admin,
      "parameters": [{"name": "status", "in": "query", "required": True, "schema": {"type": "string", "enum": ["attention"]}}],
      "responses": {"200": ok({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
          "kind": {"type": "string", "enum": ["refund_failed", "outcome_unknown"]}, "booking": {"type": ["string", "null"]}, "hold": {"type": "string"},
          "intent": {"type": ["string", "null"]}, "amount": {"type": "integer"}, "currency": {"type": "string"}, "since": {"type": "string"}}}}}}),
                    "400": err("invalid_query", "unknown_parameter", "duplicate_parameter", "invalid_parameter"),
                    "401": err("unauthorized", "missing_token", "invalid_token"), "403": err("admin_disabled", "forbidden"), "503": unavailable}}},
  "/v1/mock/payment-intents/{id}": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "get": {"summary": "Mock provider only (served only while it is the provider): an intent's status in Stripe's words.", "operationId": "mockIntent", "tags": ["payments"], "security": [{}],
      "responses": {"200": ok(ref("MockIntent")), "404": err("not_found")}}},
  "/v1/mock/payment-intents/{id}/authentication": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "post": {"summary": "Mock provider only: ends 3-D Secure of an intent that awaits it, as the buyer's bank page would (succeeded: requires_capture; failed: requires_payment_method). The checkout then goes on with .../checkout/confirm.", "operationId": "mockAuthenticate", "tags": ["payments"], "security": [{}],
      "requestBody": body({"type": "object", "required": ["result"], "additionalProperties": False, "properties": {"result": {"type": "string", "enum": ["succeeded", "failed"]}}}),
      "responses": {"200": ok(ref("MockIntent")), "400": err("invalid_json", "invalid_field", "unknown_field"), "404": err("intent_not_awaiting_authentication"), "415": err("unsupported_media_type")}}},
  "/v1/bookings/{id}": {"parameters": [booking_id],
    "get": {"summary": "One of the caller's bookings.", "operationId": "getBooking", "tags": ["seats"], "security": customer,
      "responses": {"200": ok(ref("Booking")), "401": auth_errors, "404": err("booking_not_found"), "503": unavailable}}},
  "/v1/bookings/{id}/cancel": {"parameters": [booking_id, idem],
    "post": {"summary": "Cancel a booking until BOOKING_CANCEL_CUTOFF_MINUTES (60) before its showtime starts: the seats are free at once and the payment is refunded. While the checkout that made it is still capturing, 409 payment_in_progress (retry): the capture never lands on freed seats.", "operationId": "cancelBooking", "tags": ["seats"], "security": customer,
      "responses": {"200": ok(ref("Booking")), "400": err("invalid_idempotency_key"), "401": auth_errors, "404": err("booking_not_found"),
                    "409": err("booking_already_cancelled", "showtime_started", "cancellation_cutoff_passed", "payment_in_progress", "idempotency_in_progress"), "422": err("idempotency_key_reused"), "503": unavailable}}},
  "/v1/me/bookings": {"get": {"summary": "The caller's bookings, newest first.", "operationId": "myBookings", "tags": ["seats"], "security": customer,
      "parameters": [qp("limit", {"type": "integer"}, "At most this many, clamped to 1..200 (default 50).")],
      "responses": {"200": ok({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Booking")}}}),
                    "400": bad, "401": auth_errors, "503": unavailable}}},
  "/v1/showtimes/{id}/live": {"parameters": [pid(), qp("token", {"type": "string", "maxLength": 2000}, "An access token (browsers cannot set headers on a WebSocket); marks the watcher's own holds as mine.")],
    "get": {"summary": "Live seat map over WebSocket (RFC 6455; Upgrade: websocket, Sec-WebSocket-Version: 13). Server messages, JSON text frames: "
                       "{\"type\":\"snapshot\",\"showtime\",\"seq\",\"seats\":[...as GET /seats],\"counts\"} first and after every resync; then "
                       "{\"type\":\"delta\",\"showtime\",\"from_seq\",\"seq\",\"oldest_change_at\",\"changes\":[{\"seat\":\"F7\",\"state\":\"held\"}]} carrying the events from_seq..seq since the watcher's last delta, "
                       "each seat once with its state now, and when the server accepted the oldest of them (RFC 3339, milliseconds) (applying a change already in the snapshot is harmless). "
                       "A client that sees from_seq != its last seq + 1 sends {\"type\":\"resync\"} "
                       "and gets a new snapshot. The server pings after 20 s of silence and closes peers silent for 40 s; a watcher that falls 256 KiB behind skips deltas and gets a "
                       "snapshot when it drains, or is closed with 1013 after 10 s; the showtime not existing closes with 1008; a showtime over and no longer loaded sends its final snapshot, then closes with 1000 showtime_ended. "
                       "Compression: a client offering permessage-deflate (RFC 7692, Sec-WebSocket-Extensions) gets it with server_no_context_takeover (every server message compressed on its own); "
                       "server_max_window_bits 9 to 15 and client_no_context_takeover are honoured, an offer that cannot be (server_max_window_bits=8, unknown parameters) is declined and the socket stays uncompressed; "
                       "the client's compressed messages are accepted (size limits apply decompressed: 1009; invalid DEFLATE data: 1007).",
      "operationId": "liveSeats", "tags": ["seats"], "security": [{}, {"bearerAuth": []}],
      "responses": {"101": {"description": "Switching Protocols: the WebSocket is open"},
                    "400": err("invalid_websocket_handshake", "invalid_path_parameter"), "401": auth_errors,
                    "426": err("upgrade_required", "unsupported_websocket_version"), "503": err("too_many_watchers")}}},
  "/v1/showtimes/{id}/seat-blocks": {"parameters": [pid()],
    "post": {"summary": "Block free seats (admin): house seats, broken seats. All or none; a blocked seat cannot be held.", "operationId": "blockSeats", "tags": ["admin"], "security": admin,
      "requestBody": body({"type": "object", "required": ["seats"], "additionalProperties": False, "properties": {
          "seats": {**labels(5000), "minItems": 1}, "reason": {"type": "string", "maxLength": 200}}}),
      "responses": {"200": ok({"type": "object", "properties": {"showtime_id": {"type": "integer"}, "blocked": {"type": "array", "items": {"type": "string"}}}}),
                    "400": err("invalid_json", "invalid_field", "unknown_field", "duplicate_seats"), "401": err("unauthorized", "missing_token", "invalid_token"),
                    "403": err("admin_disabled", "forbidden"), "404": err("not_found"), "409": err("seats_taken"), "415": err("unsupported_media_type"),
                    "422": err("unknown_seats"), "503": unavailable}}},
  "/v1/showtimes/{id}/seat-blocks/{seat}": {"parameters": [pid(), {"name": "seat", "in": "path", "required": True, "schema": label}],
    "delete": {"summary": "Unblock a seat (admin).", "operationId": "unblockSeat", "tags": ["admin"], "security": admin,
      "responses": {"204": {"description": "Unblocked"}, "400": bad, "401": err("unauthorized", "missing_token", "invalid_token"), "403": err("admin_disabled", "forbidden"),
                    "404": err("not_found", "seat_not_blocked"), "503": unavailable}}},
})

ts = {"type": "string", "format": "date-time"}
schemas = {
  "User": {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
      "role": {"type": "string", "enum": ["customer", "admin"]}, "created_at": {"type": "string", "format": "date-time"}}},
  "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
      "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}}},
  "MovieSummary": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "runtime_minutes": {"type": "integer"},
      "rating": {"type": "string"}, "release_date": {"type": ["string", "null"], "format": "date"}, "poster_url": {"type": ["string", "null"]},
      "genres": {"type": "array", "items": {"type": "string"}}}},
  "Movie": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "synopsis": {"type": "string"},
      "runtime_minutes": {"type": "integer"}, "rating": {"type": "string"}, "release_date": {"type": ["string", "null"]}, "poster_url": {"type": ["string", "null"]},
      "retired": {"type": "boolean"}, "genres": {"type": "array", "items": ref("Genre")},
      "cast": {"type": "array", "items": {"type": "object", "properties": {"person_id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string"}, "billing_order": {"type": "integer"}}}},
      "upcoming_showtimes": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "starts_at": ts, "ends_at": ts,
          "auditorium_id": {"type": "integer"}, "auditorium": {"type": "string"}, "theater_id": {"type": "integer"}, "theater": {"type": "string"}}}}}},
  "Genre": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
  "Person": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "movie_count": {"type": "integer"}}},
  "Theater": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "address": {"type": "string"}, "time_zone": {"type": "string"},
      "auditoriums": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "seat_count": {"type": "integer"}}}}}},
  "Auditorium": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "theater_id": {"type": "integer"}, "theater": {"type": "string"},
      "seat_count": {"type": "integer"}, "layout": layout}},
  "ShowtimeSummary": {"type": "object", "properties": {"id": {"type": "integer"}, "movie_id": {"type": "integer"}, "movie_title": {"type": "string"},
      "theater_id": {"type": "integer"}, "theater": {"type": "string"}, "auditorium_id": {"type": "integer"}, "auditorium": {"type": "string"},
      "starts_at": ts, "ends_at": ts, "status": {"type": "string"}}},
  "Showtime": {"type": "object", "properties": {"id": {"type": "integer"}, "movie_id": {"type": "integer"}, "auditorium_id": {"type": "integer"},
      "starts_at": ts, "ends_at": ts, "cleaning_minutes": {"type": "integer"}, "prices": {"type": "object"}, "status": {"type": "string", "enum": ["scheduled", "cancelled"]}}},
  "ShowtimeDetail": {"type": "object", "properties": {"id": {"type": "integer"}, "movie": {"type": "object"}, "theater": {"type": "object"}, "auditorium": {"type": "object"},
      "starts_at": ts, "ends_at": ts, "cleaning_minutes": {"type": "integer"}, "prices": {"type": "object"}, "status": {"type": "string"}}},
}

schemas.update({
  "SeatMap": {"type": "object", "required": ["showtime", "seq", "seats", "counts"], "properties": {
      "showtime": {"type": "integer"}, "seq": {"type": "integer"},
      "seats": {"type": "array", "items": {"type": "object", "properties": {
          "label": {"type": "string"}, "row": {"type": "string"}, "column": {"type": "integer"}, "category": {"type": "string"},
          "price_cents": {"type": "integer"}, "aisle_after": {"type": "boolean"},
          "state": {"type": "string", "enum": ["free", "held", "booked", "blocked"]}, "mine": {"type": "boolean"}}}},
      "counts": {"type": "object", "properties": {k: {"type": "integer"} for k in ["free", "held", "booked", "blocked"]}}}},
  "Hold": {"type": "object", "required": ["id", "showtime_id", "seats", "total", "currency", "status", "expires_at"], "properties": {
      "id": {"type": "string"}, "showtime_id": {"type": "integer"}, "seats": {"type": "array", "items": {"type": "string"}},
      "total": {"type": "integer", "description": "Cents."}, "currency": {"type": "string"}, "status": {"type": "string", "enum": ["live", "checking_out"]},
      "expires_at": ts, "created_at": ts, "replaced": {"type": "string", "description": "The caller's hold this one replaced."}}},
  "Booking": {"type": "object", "required": ["id", "showtime_id", "seats", "total", "currency", "status", "payment"], "properties": {
      "id": {"type": "string"}, "showtime_id": {"type": "integer"}, "seats": {"type": "array", "items": {"type": "string"}},
      "total": {"type": "integer", "description": "Cents."}, "currency": {"type": "string"}, "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
      "payment": {"type": "object", "properties": {"intent": {"type": "string"}, "status": {"type": "string", "enum": ["authorized", "captured", "refunded", "refund_failed", "capture_failed"]}}},
      "created_at": ts, "cancelled_at": {"type": ["string", "null"]}, "showtime": {"type": "object"}}},
  "RequiresAction": {"type": "object", "required": ["status", "hold", "client_secret", "next_action"], "properties": {
      "status": {"type": "string", "enum": ["requires_action"]}, "hold": {"type": "string"},
      "client_secret": {"type": "string", "description": "The intent's client secret, for Stripe.js (handleNextAction)."},
      "next_action": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string", "description": "use_stripe_sdk or redirect_to_url"},
          "redirect_to_url": {"type": "object", "properties": {"url": {"type": "string"}}}}}}},
  "MockIntent": {"type": "object", "required": ["id", "status"], "properties": {"id": {"type": "string"}, "status": {"type": "string"}}},
})

doc = {"openapi": "3.1.0",
  "info": {"title": "Marquee", "version": "0.2.0", "description": "Movie-theater reservations. Every error body is {\"error\":{\"code\",\"message\",\"details\"?}}; codes are stable. Lists page with opaque cursors. HEAD is accepted wherever GET is."},
  "servers": [{"url": "/"}],
  "components": {"schemas": schemas, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An access token from POST /v1/sessions (admin routes need role admin), or the bootstrap ADMIN_TOKEN."}}},
  "paths": paths}
json.dump(doc, sys.stdout, indent=2, sort_keys=False, ensure_ascii=False)
print()
