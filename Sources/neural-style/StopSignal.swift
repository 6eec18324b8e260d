import Foundation

/// The signal that asked the run to stop (SIGINT or SIGTERM), or 0. Written only by the handler.
nonisolated(unsafe) private var receivedSignal: Int32 = 0

/// Turns SIGINT and SIGTERM into a request the run polls between iterations, so that it can
/// save a checkpoint and exit cleanly instead of dying mid-iteration.
enum StopSignal {
    /// Installs the handlers.
    static func install() {
        signal(SIGINT) { receivedSignal = $0 }
        signal(SIGTERM) { receivedSignal = $0 }
    }

    /// The signal received so far, if any.
    static var received: Int32? { receivedSignal == 0 ? nil : receivedSignal }
}
