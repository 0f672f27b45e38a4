import Foundation
import PackagePlugin

/// Embeds the repository's openapi.json in the target that serves it
/// (`enum OpenAPIDocument { static let text }`), regenerated whenever the
/// document changes. The JSON at the root is the one committed copy.
@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "openapi.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument.swift")
        return [.buildCommand(displayName: "Embedding openapi.json",
                              executable: try context.tool(named: "MarqueeEmbed").url,
                              arguments: [input.path, output.path, "OpenAPIDocument"],
                              inputFiles: [input], outputFiles: [output])]
    }
}
