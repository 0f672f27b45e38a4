# Shared by the benchmark scripts (sourced from the repository's root):
# building the two packages, free ports, and waiting for servers.
# The server, `marquee`, comes from the root package; the load generator and
# the microbenchmarks from the benchmarks package (Benchmarks/Package.swift),
# built in Benchmarks/.build.

# fail MESSAGE...: stops the script, exit 1.
fail() {
    echo "$(basename "$0" .sh): $*" >&2
    exit 1
}

# build_server CONFIGURATION: builds `marquee`; sets server_bin to its folder.
build_server() {
    swift build -c "$1" --product marquee 2>&1 | tail -1
    server_bin=$(swift build -c "$1" --show-bin-path)
}

# build_bench CONFIGURATION PRODUCT: builds marquee-bench or marquee-micro;
# sets bench_bin to its folder.
build_bench() {
    swift build --package-path Benchmarks -c "$1" --product "$2" 2>&1 | tail -1
    bench_bin=$(swift build --package-path Benchmarks -c "$1" --show-bin-path)
}

# free_port: a port nobody listens on, as the OS hands them out.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# require_free PORT WHAT: fails the script if something listens on PORT (a
# bind with SO_REUSEADDR fails only then, not for connections in TIME_WAIT):
# a benchmark would otherwise measure whatever listens there.
require_free() {
    python3 - "$1" <<'PY' || fail "port $1 for $2 is already in use: something else listens there and would be measured instead; stop it, or leave the port unset to get a free one"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

# pick_port VARIABLE WHAT: the port named by the environment variable
# VARIABLE, or else a free one; checked free either way.
pick_port() {
    local port=${!1:-$(free_port)}
    require_free "$port" "$2 ($1)"
    echo "$port"
}

# wait_ready WHAT URL [PID] [SECONDS=60]: polls URL until it answers 2xx
# (a debug build loading its catalog, or a server under valgrind, is slow);
# fails the script if the process PID exits first or time runs out.
wait_ready() {
    local limit=${4:-60}
    local deadline=$((SECONDS + limit))
    until curl -sf -o /dev/null --max-time 2 "$2"; do
        [[ -z "${3:-}" ]] || kill -0 "$3" 2>/dev/null || fail "$1 exited before it was ready ($2)"
        ((SECONDS < deadline)) || fail "$1 was not ready within $limit s ($2)"
        sleep 0.1
    done
}
