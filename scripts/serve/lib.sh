# shellcheck shell=bash
# Shared by run-browser-test and run-load-test (sourced, not run): starts a `neural-style serve`
# server on a free loopback port with a throw-away work directory, waits until it answers
# GET /api/health, and stops it again.
#
# After start_server: SERVER_URL (http://127.0.0.1:PORT/), SERVER_PID, SERVER_LOG.
# The caller sets `trap stop_server EXIT` before calling start_server.

# shellcheck disable=SC2034  # used by the scripts that source this file
SERVE_CACHE="${NEURAL_STYLE_CACHE:-$HOME/.cache/neural-style}"
SERVER_PID=""
SERVER_TMP=""
SERVER_LOG=""
SERVER_URL=""

# Prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Exits 0 once URL answers 200, 1 if SERVER_PID dies first or TIMEOUT seconds pass.
wait_for_health() {
    local url="$1" timeout="$2" waited=0
    while [ "$waited" -lt "$timeout" ]; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "The server exited before it answered $url." >&2
            return 1
        fi
        if python3 - "$url" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
        then
            return 0
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "The server did not answer $url within ${timeout} s." >&2
    return 1
}

# Fails with a clear line unless BINARY is an executable file or a command on the PATH.
check_server_binary() {
    if [ ! -x "$1" ] && ! command -v "$1" >/dev/null 2>&1; then
        echo "No server binary at '$1' (build it first, e.g. swift build)." >&2
        return 1
    fi
}

# start_server BINARY [ARGS...]: runs BINARY ARGS --host 127.0.0.1 --port P --work-directory D
# in the background (its output in SERVER_LOG) and waits for its health check.
start_server() {
    local binary="$1"
    shift
    check_server_binary "$binary"
    SERVER_TMP=$(mktemp -d)
    SERVER_LOG="$SERVER_TMP/server.log"
    mkdir -p "$SERVER_TMP/work"
    local port
    port=$(free_port)
    SERVER_URL="http://127.0.0.1:$port/"
    echo "Server: $binary${*:+ $*} --host 127.0.0.1 --port $port --work-directory $SERVER_TMP/work"
    "$binary" "$@" --host 127.0.0.1 --port "$port" --work-directory "$SERVER_TMP/work" \
        >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    if ! wait_for_health "${SERVER_URL}api/health" "${SERVER_START_TIMEOUT:-60}"; then
        show_server_log
        return 1
    fi
    echo "Server: up at $SERVER_URL (pid $SERVER_PID)"
}

# Prints the last lines the server wrote.
show_server_log() {
    if [ -n "$SERVER_LOG" ] && [ -s "$SERVER_LOG" ]; then
        echo "--- last lines of the server's output ($SERVER_LOG) ---" >&2
        tail -n 40 "$SERVER_LOG" >&2
        echo "---" >&2
    fi
}

# Stops the server (TERM, then KILL after 10 s) and removes its work directory. Safe to call twice.
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        local waited=0
        while kill -0 "$SERVER_PID" 2>/dev/null && [ "$waited" -lt 20 ]; do
            sleep 0.5
            waited=$((waited + 1))
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "Server: still running after 10 s; killing it." >&2
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
        echo "Server: stopped."
    fi
    SERVER_PID=""
    if [ -n "$SERVER_TMP" ]; then
        rm -rf "$SERVER_TMP"
        SERVER_TMP=""
    fi
}

# split_args "$@": SERVER_ARGS gets the arguments before a lone `--`, TEST_ARGS those after it.
split_args() {
    SERVER_ARGS=()
    TEST_ARGS=()
    local seen_separator=false argument
    for argument in "$@"; do
        if ! $seen_separator && [ "$argument" = "--" ]; then
            seen_separator=true
        elif $seen_separator; then
            TEST_ARGS+=("$argument")
        else
            SERVER_ARGS+=("$argument")
        fi
    done
}

# Checks that the two pictures the tests use are there.
check_pictures() {
    local picture
    for picture in "$@"; do
        if [ ! -f "$picture" ]; then
            echo "Missing picture $picture (scripts/fetch-pictures.sh fetches the examples)." >&2
            return 1
        fi
    done
}
