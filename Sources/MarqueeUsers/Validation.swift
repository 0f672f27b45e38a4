import MarqueeHTTP
import MarqueeServer

/// Sign-up rules, each with its own 400 code.
enum Validation {
    /// Trimmed and lower-cased; one `@`, a dot in the domain, no spaces.
    static func email(_ body: JSONBody) throws(APIError) -> String {
        guard let raw = try body.string("email", required: true, maxLength: 254) else {
            throw APIError(.badRequest, code: "invalid_email", message: "An email is required.")
        }
        let email = raw.lowercased()
        // Lower-casing can add code points (U+0130 becomes two); the column's check counts them.
        guard email.unicodeScalars.count <= 254 else {
            throw APIError(.badRequest, code: "invalid_email", message: "The email must be at most 254 characters.",
                           detailsJSON: "\"field\":\"email\"")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count >= 3, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace) else {
            throw APIError(.badRequest, code: "invalid_email", message: "That is not an email address.",
                           detailsJSON: "\"field\":\"email\"")
        }
        return email
    }

    static func password(_ body: JSONBody) throws(APIError) -> String {
        guard let value = body.object["password"] as? String else {
            throw APIError(.badRequest, code: "invalid_password", message: "A password is required.",
                           detailsJSON: "\"field\":\"password\"")
        }
        guard (8...128).contains(value.count) else {
            throw APIError(.badRequest, code: "password_length", message: "The password must be 8 to 128 characters.",
                           detailsJSON: "\"field\":\"password\"")
        }
        guard Set(value).count > 1 else {
            throw APIError(.badRequest, code: "password_too_simple", message: "The password may not be one character repeated.",
                           detailsJSON: "\"field\":\"password\"")
        }
        return value
    }
}
