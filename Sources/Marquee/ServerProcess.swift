import Glibc
import Logging
import MarqueeLoop
import MarqueeServer

/// Runs a server as the process's main job: the main thread keeps a small
/// control loop that only watches signals and waits for the shards.
enum ServerProcess {
    /// `started` runs once the server listens (background jobs start there).
    static func run(config: ServerConfig, routes: Routes, logger: Logger, started: (Server) -> Void = { _ in }) throws {
        // A parent may hand us a blocked signal mask (some test runners and
        // supervisors do); shutdown signals must get through. Unblocked
        // before the shard threads start, so they inherit it.
        var shutdownSignals = sigset_t()
        sigemptyset(&shutdownSignals)
        sigaddset(&shutdownSignals, SIGINT)
        sigaddset(&shutdownSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &shutdownSignals, nil)
        // The signal watchers exist before the server listens: a supervisor
        // (or a test) may signal as soon as it sees the port logged, and a
        // signal that came before the watchers would kill the process by
        // its default action instead of draining. The callbacks run from
        // `control.run()`, after `server` is set.
        let control = try EventLoop(index: -1)
        var server: Server!
        var signalCount = 0
        var watchers: [SignalWatcher] = []
        for signal in [SIGINT, SIGTERM] {
            watchers.append(try SignalWatcher(loop: control, signal: signal) { received in
                signalCount += 1
                if signalCount == 1 {
                    logger.info("signal received", metadata: ["signal": .stringConvertible(received)])
                    server.shutdown()
                } else {
                    logger.warning("second signal: exiting without draining")
                    exit(1)
                }
            })
        }
        server = try Server.start(config: config, routes: routes, logger: logger)
        started(server)
        let boundWatchers = LoopBound(watchers, loop: control)
        server.onStopped {
            boundWatchers.execute { watchers in
                watchers.forEach { $0.close() }
                boundWatchers.loop.allowExit()
            }
        }
        control.run()
        let leaked = server.waitUntilStopped()
        control.close()
        if leaked > 0 { exit(1) }
    }
}
