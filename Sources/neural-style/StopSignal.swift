import Foundation

/// The signal that asked the run to stop (SIGINT, SIGTERM or SIGHUP), or 0. Written only by the handler.
nonisolated(unsafe) private var receivedSignal: Int32 = 0

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into a request the run polls between
/// iterations, so that it can save a checkpoint and exit cleanly instead of dying mid-iteration.
enum StopSignal {
    /// Installs the handlers.
    static func install() {
        for stop in [SIGINT, SIGTERM, SIGHUP] { signal(stop) { receivedSignal = $0 } }
    }

    /// Gives SIGQUIT back its default action (stop with a core dump). The Swift runtime's
    /// backtracer takes it over otherwise, printing a crash report while the run goes on.
    static func restoreQuitDefault() {
        signal(SIGQUIT, SIG_DFL)
    }

    /// The signal received so far, if any.
    static var received: Int32? { receivedSignal == 0 ? nil : receivedSignal }
}
