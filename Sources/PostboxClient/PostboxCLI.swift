import ArgumentParser

/// `postbox`: the staff command-line client. Talks to the server over verified TLS only.
@main
struct PostboxCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postbox",
        abstract: "Staff client for the Postbox secure postbox server.",
        subcommands: [Login.self, Logout.self, WhoAmI.self, Health.self])
}

/// Exit statuses (sysexits.h), stable for scripts.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let notFound = ExitCode(66)
    static let unavailable = ExitCode(69)
    static let auth = ExitCode(77)
    static let other = ExitCode(1)
}
