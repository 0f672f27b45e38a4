// Writes a Swift file that embeds a text file as a raw string literal:
//   marquee-embed INPUT OUTPUT TYPE
// gives `enum TYPE { static let text = #"""…"""# }`, the file's bytes
// exactly. The build plugin EmbedOpenAPI runs it, so the API document has
// one committed copy (openapi.json) and the binary serves it without
// reading the disk. A raw string literal, not a byte array: the compiler
// type-checks a 150 KB array literal element by element, a string at once.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: marquee-embed INPUT OUTPUT TYPE\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)

// Enough `#` that neither the closing delimiter nor an escape can appear
// inside the text.
var hashes = "#"
while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }

let source = """
    // Generated at build time by marquee-embed from \(URL(fileURLWithPath: arguments[1]).lastPathComponent): do not edit.
    enum \(arguments[3]) {
        static let text = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)
    }

    """
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
