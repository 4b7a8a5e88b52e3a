import ArgumentParser

/// `postbox`: the staff command-line client. Talks to the server over verified TLS only.
@main
struct PostboxCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postbox",
        abstract: "Staff client for the Postbox secure postbox server.",
        discussion: """
            Connect with --server URL --ca FILE (or POSTBOX_SERVER and POSTBOX_CA); only that CA is trusted. Log in once with `postbox login LOGIN`; the token is kept in $XDG_CONFIG_HOME/postbox/credentials (0600). Tables for people, --json for scripts. Exit codes: 64 usage, 66 not found, 69 server or network, 77 authentication or permission, 1 other.
            """,
        subcommands: [
            Login.self, Logout.self, WhoAmI.self, Terms.self, Health.self, Tickets.self, Attachments.self, Review.self,
            Subjects.self, Users.self, Organisations.self, Contracts.self, Audit.self, Classify.self,
        ])
}

/// Exit statuses (sysexits.h), stable for scripts.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let notFound = ExitCode(66)
    static let unavailable = ExitCode(69)
    static let auth = ExitCode(77)
    static let other = ExitCode(1)
}
