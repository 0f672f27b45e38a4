#!/usr/bin/env python3
"""Abuse a real `marquee serve` the way an on-sale's worst visitors would,
and check that a normal client keeps being served (run by scripts/abuse.sh):

1. signups:  connections flooding POST /v1/users with fresh emails, while a
             normal user logs in: the flood meets 429/503 in the usual error
             shape, the users table grows by at most the limit, logins go on;
2. pings:    a WebSocket client sending pings and never reading: the server
             closes it, and its memory stays bounded;
3. slow:     bodies trickled a byte at a time get 408 at the request deadline;
             connections past the per-address cap get 503 at once;
4. seats:    64 connections reading one hot showtime's seat map while a
             normal user holds and releases seats there: every read is 200.

Attackers connect from 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback),
the normal client from 127.0.0.1, so per-address limits tell them apart.
The latency bounds are generous on purpose: they catch starvation (seconds),
not speed, which the benchmark harness measures. Prints one JSON line of
figures; exits 1 on any failed check.
"""
import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import threading
import time


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Source(http.client.HTTPConnection):
    """An HTTP connection from a chosen loopback address."""

    def __init__(self, port, source="127.0.0.1", timeout=15):
        super().__init__("127.0.0.1", port, timeout=timeout, source_address=(source, 0))


def call(port, method, path, body=None, token=None, source="127.0.0.1", conn=None):
    own = conn is None
    conn = conn or Source(port, source)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            obj = json.loads(data) if data else None
        except ValueError:
            obj = None
        return response.status, obj, response.getheader("Retry-After")
    finally:
        if own:
            conn.close()


def code(obj):
    return obj.get("error", {}).get("code") if isinstance(obj, dict) else None


def summary(latencies):
    if not latencies:
        return {"count": 0}
    ordered = sorted(latencies)
    return {"count": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def bounded(name, latencies):
    """Starvation, not speed: a median under a second, none over five."""
    check(latencies, f"{name}: the normal client got no answer")
    s = summary(latencies)
    check(s["p50_ms"] < 1000 and s["max_ms"] < 5000, f"{name}: the normal client waited {s}")
    return s


class Abuse:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        self.seconds = args.seconds
        self.email = f"normal-{os.urandom(4).hex()}@abuse.example"
        self.password = "a normal password"

    def rss_kib(self):
        for line in open(f"/proc/{self.args.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise Failure("no VmRSS for the server")

    def normal_loop(self, stop, step):
        """Runs `step` (returns True when answered as expected) until `stop`."""
        latencies, failures = [], []
        while not stop.is_set():
            started = time.time()
            ok = step()
            latencies.append(time.time() - started)
            if not ok:
                failures.append(ok)
            time.sleep(0.05)
        return latencies, failures

    def run_with(self, attack, normal, attackers):
        stop = threading.Event()
        result = {}
        threads = [threading.Thread(target=lambda i=i: result.setdefault(i, attack(i, stop))) for i in range(attackers)]
        for t in threads:
            t.start()
        time.sleep(0.3)  # the attack under way before the normal client measures
        normal_stop = threading.Event()
        timer = threading.Timer(self.seconds, normal_stop.set)
        timer.start()
        latencies, failures = self.normal_loop(normal_stop, normal)
        stop.set()
        for t in threads:
            t.join(30)
        return [result.get(i) for i in range(attackers)], latencies, failures

    def setup(self):
        status, obj, _ = call(self.port, "POST", "/v1/users", {"email": self.email, "password": self.password, "name": "Normal"})
        check(status == 201, f"the normal user's sign-up: {status} {obj}")
        self.token = self.login()
        check(self.token, "the normal user cannot log in")

    def login(self):
        status, obj, _ = call(self.port, "POST", "/v1/sessions", {"email": self.email, "password": self.password})
        return obj.get("access_token") if status == 200 and obj else None

    # 1

    def signups(self):
        before = int(self.args.sql("SELECT count(*) FROM users"))

        def flood(i, stop):
            answers = {}
            conn = Source(self.port, "127.0.0.2")
            while not stop.is_set():
                email = f"flood-{i}-{os.urandom(6).hex()}@abuse.example"
                try:
                    status, obj, retry = call(self.port, "POST", "/v1/users", {"email": email, "password": "flood password", "name": "F"},
                                              conn=conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = Source(self.port, "127.0.0.2")
                    continue
                key = f"{status} {code(obj) or ''}".strip()
                answers[key] = answers.get(key, 0) + 1
                if status in (429, 503):
                    check(code(obj) and obj["error"].get("message"), f"a refused sign-up without the error shape: {obj}")
                    check(retry is not None, f"{status} {code(obj)} without Retry-After")
            conn.close()
            return answers

        results, latencies, failures = self.run_with(flood, lambda: self.login() is not None, attackers=6)
        answers = {}
        for result in results:
            for key, count in (result or {}).items():
                answers[key] = answers.get(key, 0) + count
        check(not failures, f"{len(failures)} normal logins failed during the sign-up flood")
        refused = sum(count for key, count in answers.items() if key.startswith(("429", "503")))
        check(refused > 0, f"the sign-up flood was never refused: {answers}")
        check(set(k.split()[0] for k in answers) <= {"201", "429", "503"}, f"unexpected answers to the flood: {answers}")
        grown = int(self.args.sql("SELECT count(*) FROM users")) - before
        limit = self.args.sign_up_limit * (1 + int(self.seconds // 60))
        check(grown <= limit, f"the users table grew by {grown}, past the limit of {limit}")
        return {"signups_answers": answers, "signups_created": grown, "signups_login": bounded("logins under a sign-up flood", latencies)}

    # Hold and release one seat: the normal buyer's step.

    def buyer(self, showtime, label):
        def step():
            status, hold, _ = call(self.port, "POST", f"/v1/showtimes/{showtime}/holds", {"seats": [label]}, self.token)
            if status != 201:
                return False
            status, _, _ = call(self.port, "DELETE", f"/v1/holds/{hold['id']}", token=self.token)
            return status == 204
        return step

    # 2

    def pings(self, showtime, label):
        rss_before = self.rss_kib()

        def flood(i, stop):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10, source_address=("127.0.0.2", 0))
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall((f"GET /v1/showtimes/{showtime}/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                check(chunk, "the live map closed before its handshake")
                head += chunk
            check(head.startswith(b"HTTP/1.1 101"), f"the live map refused the upgrade: {head[:80]}")
            # A masked ping with a 125-byte payload, sent as fast as the kernel
            # takes it; the server's answers are never read.
            mask = os.urandom(4)
            payload = os.urandom(125)
            frame = bytes([0x89, 0x80 | 125]) + mask + bytes(b ^ mask[j % 4] for j, b in enumerate(payload))
            burst = frame * 64
            sock.settimeout(2)
            sent, closed_after = 0, None
            started = time.time()
            while not stop.is_set():
                try:
                    sock.sendall(burst)
                    sent += len(burst)
                except (BrokenPipeError, ConnectionResetError):
                    closed_after = time.time() - started
                    break
                except socket.timeout:
                    continue  # the server stopped reading: it may close next
            sock.close()
            return {"sent_bytes": sent, "closed_after_s": closed_after}

        results, latencies, failures = self.run_with(flood, self.buyer(showtime, label), attackers=1)
        grown = self.rss_kib() - rss_before
        check(not failures, f"{len(failures)} normal holds failed during the ping flood")
        check(results[0] and results[0]["closed_after_s"] is not None, f"the ping flood was never cut off: {results}")
        check(grown < 64 * 1024, f"the server grew by {grown} KiB under a ping flood")
        return {"pings": results[0], "pings_rss_growth_kib": grown, "pings_holds": bounded("holds under a ping flood", latencies)}

    # 3

    def slow(self):
        deadline_s = self.args.request_timeout_ms / 1000

        def trickle(i, stop):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=deadline_s + 10, source_address=("127.0.0.2", 0))
            sock.sendall(b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            started = time.time()
            sock.settimeout(0.3)
            answer = b""
            while time.time() - started < deadline_s + 8:
                try:
                    sock.sendall(b" ")
                except OSError:
                    break
                try:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                except socket.timeout:
                    pass
            sock.close()
            return (answer.split(b"\r\n", 1)[0].decode(errors="replace"), time.time() - started)

        def cap(i, stop):
            conns, refused = [], 0
            for _ in range(self.args.per_address + 16):
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=5, source_address=("127.0.0.3", 0))
                conns.append(sock)
            time.sleep(0.5)
            for sock in conns:
                sock.settimeout(0.05)
                try:
                    data = sock.recv(4096)
                    if data.startswith(b"HTTP/1.1 503") and b"too_many_connections_from_address" in data:
                        refused += 1
                except (socket.timeout, ConnectionResetError):
                    pass
            stop.wait(self.seconds)
            for sock in conns:
                sock.close()
            return {"opened": len(conns), "refused": refused}

        def attack(i, stop):
            return cap(i, stop) if i == 0 else trickle(i, stop)

        healthz = lambda: call(self.port, "GET", "/healthz")[0] == 200
        results, latencies, failures = self.run_with(attack, healthz, attackers=21)
        capped, trickled = results[0], results[1:]
        check(not failures, f"{len(failures)} normal requests failed during the slow-body attack")
        check(capped and capped["refused"] == 16, f"connections past the per-address cap: {capped}, 16 should get 503")
        for line, took in trickled:
            check(line.startswith("HTTP/1.1 408"), f"a trickled body got {line!r}, not 408")
            check(took < deadline_s + 3, f"a trickled body was answered after {took:.1f} s, deadline {deadline_s} s")
        return {"slow_408": len(trickled), "slow_after_s": round(max(t for _, t in trickled), 2), "cap": capped,
                "slow_healthz": bounded("requests under slow bodies", latencies)}

    # 4

    def seats(self, showtime, label):
        def read(i, stop):
            conn, statuses = Source(self.port, "127.0.0.2"), {}
            while not stop.is_set():
                try:
                    status = call(self.port, "GET", f"/v1/showtimes/{showtime}/seats", conn=conn)[0]
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = Source(self.port, "127.0.0.2")
                    status = "dropped"
                statuses[status] = statuses.get(status, 0) + 1
            conn.close()
            return statuses

        results, latencies, failures = self.run_with(read, self.buyer(showtime, label), attackers=64)
        statuses = {}
        for result in results:
            for key, count in (result or {}).items():
                statuses[key] = statuses.get(key, 0) + count
        check(not failures, f"{len(failures)} normal holds failed during the seat-map flood")
        check(set(statuses) == {200}, f"seat-map reads answered {statuses}")
        return {"seats_reads": statuses[200], "seats_holds": bounded("holds under a seat-map flood", latencies)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--request-timeout-ms", type=int, required=True)
    parser.add_argument("--per-address", type=int, required=True)
    parser.add_argument("--sign-up-limit", type=int, required=True)
    args = parser.parse_args()
    import subprocess
    args.sql = lambda statement: subprocess.run(["psql", args.database_url, "-qAtc", statement], check=True,
                                                capture_output=True, text=True).stdout.strip()
    abuse = Abuse(args)
    showtime = int(args.sql("SELECT id FROM showtimes WHERE status = 'scheduled' AND starts_at > now() + interval '2 days' ORDER BY id LIMIT 1"))
    figures = {}
    try:
        abuse.setup()
        status, seatmap, _ = call(args.port, "GET", f"/v1/showtimes/{showtime}/seats")
        check(status == 200, f"the seat map: {status}")
        label = seatmap["seats"][0]["label"]
        figures.update(abuse.signups())
        figures.update(abuse.pings(showtime, label))
        figures.update(abuse.slow())
        figures.update(abuse.seats(showtime, label))
    except Failure as failure:
        raise SystemExit(f"abuse: FAILED: {failure}")
    print("abuse: " + json.dumps(figures))


if __name__ == "__main__":
    main()
