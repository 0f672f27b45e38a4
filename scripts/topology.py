#!/usr/bin/env python3
"""The compose topology for real on loopback, run by scripts/topology.sh:
PostgreSQL, three `marquee serve` instances, and Debian's nginx running the
very deploy/nginx.conf the compose file mounts (only its listen port and the
upstream include file are replaced). Over it, with real processes:

1. sale:      a flash sale across the instances (half the buyers through
              the proxy, half straight at any instance) sells each seat once;
2. direct:    holds, changes, releases, checkouts and cancellations work
              whichever instance a client reaches directly (a non-owner
              answers 503 showtime_owned_elsewhere naming the owner);
3. paused:    an owner paused (SIGSTOP) past its lease mid-checkout loses the
              showtime to another instance; resumed, it acknowledges nothing
              and serves no stale copy;
4. killed:    kill -9 of an owner mid-sale: its showtime is taken over
              within the lease time, no acknowledged booking is lost, and
              no seat is sold twice.

Prints the figures (takeover times, the share of proxied requests nginx had
to send to a second instance) as one JSON line; exits 1 on any failure.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_for(user_id, secret):
    """An access token as the server signs them (HS256, its exact header)."""
    now = int(time.time())
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = b64url(json.dumps({"sub": str(user_id), "role": "customer", "iat": now, "exp": now + 3600,
                                 "jti": os.urandom(8).hex()}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def call(address, method, path, body=None, token=None, timeout=20):
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            obj = json.loads(data) if data else None
        except ValueError:
            obj = None
        return response.status, obj
    finally:
        conn.close()


def code(obj):
    return obj.get("error", {}).get("code") if isinstance(obj, dict) else None


class Topology:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.instances = []
        self.nginx = None
        self.proxy = None

    # Processes

    def sql(self, statement):
        out = subprocess.run(["psql", self.args.database_url, "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def start_instance(self, index, extra=None, port=None):
        port = port or free_port()
        env = dict(os.environ, DATABASE_URL=self.args.database_url, JWT_SECRET=self.args.secret,
                   LEASE_SECONDS=str(self.args.lease_seconds), INSTANCE_ADDRESS=f"127.0.0.1:{port}",
                   TRUSTED_PROXIES="127.0.0.1", LOG_LEVEL="notice", **(extra or {}))
        log = open(os.path.join(self.work, f"api{index}.log"), "ab")
        process = subprocess.Popen([self.args.bin, "serve", "--port", str(port), "--shards", "1"],
                                   env=env, stdout=log, stderr=log)
        instance = {"index": index, "address": f"127.0.0.1:{port}", "process": process}
        self.wait_ready(instance["address"], process, "instance %d" % index)
        return instance

    def wait_ready(self, address, process, what, path="/readyz"):
        deadline = time.time() + 60
        while time.time() < deadline:
            check(process.poll() is None, f"{what} exited before it was ready (see {self.work})")
            try:
                if call(address, "GET", path, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure(f"{what} was not ready within 60 s")

    def start(self):
        # Instance 3 authorises payments slowly, so a checkout can be caught
        # between its attempt's commit and its booking's (the paused case).
        for index in range(3):
            extra = {"PAYMENT_LATENCY_MS": "1000"} if index == 2 else None
            self.instances.append(self.start_instance(index, extra))
        with open(os.path.join(self.work, "upstream-servers.conf"), "w") as f:
            for instance in self.instances:
                f.write(f"server {instance['address']} max_fails=0;\n")
        port = free_port()
        conf = open(os.path.join(self.args.root, "deploy/nginx.conf")).read()
        check("listen 8080;" in conf, "deploy/nginx.conf has no 'listen 8080;' line to move to a free port")
        open(os.path.join(self.work, "nginx.conf"), "w").write(conf.replace("listen 8080;", f"listen 127.0.0.1:{port};"))
        os.makedirs(os.path.join(self.work, "logs"), exist_ok=True)
        self.access_log = os.path.join(self.work, "access.log")
        self.nginx = subprocess.Popen(["nginx", "-p", self.work, "-c", os.path.join(self.work, "nginx.conf"),
                                       "-g", f"daemon off; pid {self.work}/nginx.pid;"],
                                      stdout=open(self.access_log, "wb"),
                                      stderr=open(os.path.join(self.work, "nginx-error.log"), "wb"))
        self.proxy = f"127.0.0.1:{port}"
        self.wait_ready(self.proxy, self.nginx, "nginx", "/healthz")

    def stop(self):
        for instance in self.instances:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    instance["process"].send_signal(sig)
                except ProcessLookupError:
                    pass
        for process in [i["process"] for i in self.instances] + ([self.nginx] if self.nginx else []):
            try:
                if process is self.nginx:
                    process.terminate()
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    # Clients

    def customers(self, count, tag):
        ids = self.sql(f"""INSERT INTO users (email, name, password_hash)
                           SELECT '{tag}-' || g || '-' || md5(random()::text) || '@topology.example', 'Topology', 'none'
                           FROM generate_series(1, {count}) g RETURNING id""")
        return [token_for(int(row[0]), self.args.secret) for row in ids]

    def direct(self, address, method, path, body=None, token=None, hops=None):
        """A client that reaches an instance without the proxy: a 503
        showtime_owned_elsewhere names the owner, and the client goes there."""
        for _ in range(50):
            status, obj = call(address, method, path, body, token)
            if status == 503 and code(obj) == "showtime_owned_elsewhere":
                owner = (obj["error"].get("details") or {}).get("owner")
                if hops is not None:
                    hops.append(address)
                if owner and owner != address:
                    address = owner
                else:
                    time.sleep(0.2)
                continue
            return status, obj
        raise Failure(f"{method} {path}: no instance owned the showtime after 50 tries")

    def proxied(self, method, path, body=None, token=None):
        return call(self.proxy, method, path, body, token)

    def log_lines(self):
        with open(self.access_log) as f:
            return f.read().splitlines()

    def forwarded_share(self, lines):
        """Proxied requests nginx had to send to more than one instance."""
        proxied = [line for line in lines if "upstream=" in line and "upstream=-" not in line]
        forwarded = [line for line in proxied if "," in line.split("upstream=", 1)[1].split(" id=")[0]]
        return len(forwarded), len(proxied)

    def showtimes(self, count):
        rows = self.sql(f"""SELECT id FROM showtimes WHERE status = 'scheduled' AND starts_at > now() + interval '2 days'
                            ORDER BY id LIMIT {count}""")
        check(len(rows) == count, f"the demo catalog has {len(rows)} future showtimes, {count} wanted")
        return [int(row[0]) for row in rows]

    def owner_of(self, showtime):
        rows = self.sql(f"SELECT owner_address FROM showtime_leases WHERE showtime_id = {showtime} AND expires_at > now()")
        return next((i for i in self.instances if rows and i["address"] == rows[0][0]), None)

    def free_labels(self, showtime):
        status, obj = self.proxied("GET", f"/v1/showtimes/{showtime}/seats")
        check(status == 200, f"seat map of {showtime}: {status} {obj}")
        return [seat["label"] for seat in obj["seats"] if seat["state"] == "free"]

    # 1. A flash sale across instances

    def sale(self, showtime):
        labels = self.free_labels(showtime)[:10]
        tokens = self.customers(90, "sale")
        before = len(self.log_lines())
        results = [None] * len(tokens)
        barrier = threading.Barrier(len(tokens))

        def buyer(i):
            label = labels[i % len(labels)]
            if i % 2 == 0:
                route = lambda m, p, b=None: self.proxied(m, p, b, tokens[i])
            else:
                address = self.instances[(i // 2) % 3]["address"]
                route = lambda m, p, b=None: self.direct(address, m, p, b, tokens[i])
            barrier.wait()
            held = route("POST", f"/v1/showtimes/{showtime}/holds", {"seats": [label]})
            booked = None
            if held[0] == 201:
                booked = route("POST", f"/v1/holds/{held[1]['id']}/checkout", {"payment_method": "pm_card_visa"})
            results[i] = (label, held, booked)

        threads = [threading.Thread(target=buyer, args=(i,)) for i in range(len(tokens))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check(all(r is not None for r in results), "a buyer got no answer")
        winners = {}
        for label, held, booked in results:
            if held[0] == 201:
                check(label not in winners, f"seat {label} was held twice")
                check(booked[0] == 201, f"a winner's checkout failed: {booked}")
                winners[label] = booked[1]["id"]
            else:
                check(held[0] == 409 and code(held[1]) == "seats_unavailable", f"a loser got {held}")
        check(sorted(winners) == sorted(labels), f"seats sold {sorted(winners)}, on sale {sorted(labels)}")
        sold = self.sql(f"""SELECT array_to_string(seat_labels, ',') FROM bookings
                            WHERE showtime_id = {showtime} AND status = 'confirmed'""")
        check(sorted(row[0] for row in sold) == sorted(labels), f"bookings in PostgreSQL: {sold}")
        forwarded, proxied = self.forwarded_share(self.log_lines()[before:])
        check(forwarded == 0, f"{forwarded} of {proxied} proxied sale requests reached a non-owner first")
        return {"sale_buyers": len(tokens), "sale_seats": len(labels), "sale_proxied_requests": proxied,
                "sale_forwarded": forwarded}

    # 2. Every operation, straight at each instance

    def direct_clients(self, showtime):
        labels = self.free_labels(showtime)
        owner = self.owner_of(showtime)
        check(owner is not None, f"showtime {showtime} has no owner after a proxied read")
        for instance in self.instances:
            token = self.customers(1, "direct")[0]
            a, b, c, d = labels[instance["index"] * 4:instance["index"] * 4 + 4]
            hops = []
            ask = lambda m, p, body=None: self.direct(instance["address"], m, p, body, token, hops)
            status, hold = ask("POST", f"/v1/showtimes/{showtime}/holds", {"seats": [a, b]})
            check(status == 201, f"hold at instance {instance['index']}: {status} {hold}")
            status, changed = ask("PATCH", f"/v1/holds/{hold['id']}", {"add": [c], "remove": [a]})
            check(status == 200 and sorted(changed["seats"]) == sorted([b, c]), f"change: {status} {changed}")
            status, _ = ask("DELETE", f"/v1/holds/{hold['id']}")
            check(status == 204, f"release: {status}")
            status, hold = ask("POST", f"/v1/showtimes/{showtime}/holds", {"seats": [d]})
            check(status == 201, f"second hold: {status} {hold}")
            status, booking = ask("POST", f"/v1/holds/{hold['id']}/checkout", {"payment_method": "pm_card_visa"})
            check(status == 201 and booking["seats"] == [d], f"checkout: {status} {booking}")
            status, read = ask("GET", f"/v1/bookings/{booking['id']}")
            check(status == 200 and read["status"] == "confirmed", f"booking read: {status} {read}")
            status, cancelled = ask("POST", f"/v1/bookings/{booking['id']}/cancel")
            check(status == 200 and cancelled["status"] == "cancelled", f"cancel: {status} {cancelled}")
            if instance is owner:
                check(not hops, f"the owner sent its client elsewhere: {hops}")
            else:
                check(hops and all(h == instance["address"] for h in hops),
                      f"instance {instance['index']} served showtime {showtime} without owning it")
        still = [label for label in labels[:12] if label not in self.free_labels(showtime)]
        check(not still, f"seats not free after release and cancel: {still}")
        return {"direct_instances": len(self.instances)}

    # 3. A paused owner

    def paused(self, showtime):
        slow = self.instances[2]
        helper = self.instances[0]
        token = self.customers(1, "paused")[0]
        status, hold = call(slow["address"], "POST", f"/v1/showtimes/{showtime}/holds", {"best_available": {"count": 2}}, token)
        check(status == 201, f"hold at the slow instance: {status} {hold}")
        self.wait_sql(f"SELECT count(*) FROM holds WHERE showtime_id = {showtime}", "1")
        answer = {}
        checkout = threading.Thread(target=lambda: answer.update(r=call(
            slow["address"], "POST", f"/v1/holds/{hold['id']}/checkout", {"payment_method": "pm_card_visa"}, token, timeout=60)))
        checkout.start()
        self.wait_sql(f"SELECT count(*) FROM payments WHERE showtime_id = {showtime}", "1")
        slow["process"].send_signal(signal.SIGSTOP)
        paused = time.time()
        try:
            took = self.until_served(helper["address"], showtime, paused, limit=self.args.lease_seconds + 20)
        finally:
            slow["process"].send_signal(signal.SIGCONT)
        checkout.join(60)
        status, obj = answer.get("r", (None, None))
        check(status != 201, f"a paused owner acknowledged a booking after losing its lease: {obj}")
        status, obj = call(slow["address"], "GET", f"/v1/showtimes/{showtime}/seats")
        check(status == 503 and code(obj) == "showtime_owned_elsewhere", f"the resumed owner served its copy: {status}")
        self.no_seat_twice(showtime)
        # Back at its address without the slow payments, for what follows.
        slow["process"].terminate()
        check(slow["process"].wait(timeout=30) == 0, "the resumed instance did not stop cleanly")
        self.instances[2] = self.start_instance(2, port=int(slow["address"].rsplit(":", 1)[1]))
        return {"paused_takeover_s": round(took, 2)}

    # 4. kill -9 of an owner mid-sale

    def killed(self, candidates):
        showtime = candidates[0]
        seats = len(self.free_labels(showtime))
        owner = self.owner_of(showtime)
        check(owner is not None, f"showtime {showtime} has no owner after a proxied read")
        # Paced (a pause after each booking) so the sale outlasts the kill
        # and the takeover: at most about 25 bookings a second.
        tokens = self.customers(6, "killed")
        acknowledged, served_after = [], []
        stop = threading.Event()
        killed_at = [None]
        lock = threading.Lock()
        before = len(self.log_lines())

        def buyer(token):
            while not stop.is_set():
                try:
                    # Only a request sent after the kill can show the takeover.
                    sent = time.time()
                    status, hold = self.proxied("POST", f"/v1/showtimes/{showtime}/holds", {"best_available": {"count": 1}}, token)
                    with lock:
                        if status == 201 and killed_at[0] is not None and sent > killed_at[0]:
                            served_after.append(time.time())
                    if status == 201:
                        status, booking = self.proxied("POST", f"/v1/holds/{hold['id']}/checkout",
                                                       {"payment_method": "pm_card_visa"}, token)
                except OSError:
                    status = None
                with lock:
                    if status == 201 and "payment" in (booking or {}):
                        acknowledged.append(booking)
                if status == 409 and code(hold) == "seats_unavailable":
                    return  # sold out
                time.sleep(0.25 if status in (200, 201) else 0.1)

        threads = [threading.Thread(target=buyer, args=(t,)) for t in tokens]
        for t in threads:
            t.start()
        time.sleep(2)
        with lock:
            sold_before = len(acknowledged)
        owner["process"].send_signal(signal.SIGKILL)
        owner["process"].wait()
        with lock:
            killed_at[0] = time.time()
        deadline = killed_at[0] + self.args.lease_seconds + 20
        while time.time() < deadline and not served_after:
            time.sleep(0.05)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(60)
        check(sold_before > 0, "nothing was sold before the kill")
        check(served_after, f"showtime {showtime} was not taken over within {self.args.lease_seconds + 20} s")
        takeover = min(served_after) - killed_at[0]
        # The lease, then the next owner's load; room for a shared machine.
        check(takeover < self.args.lease_seconds + 10, f"takeover took {takeover:.1f} s")
        rows = self.sql(f"""SELECT 'bkg_{showtime}_' || booking_no, array_to_string(seat_labels, ','), status
                            FROM bookings WHERE showtime_id = {showtime}""")
        durable = {row[0]: (row[1], row[2]) for row in rows}
        for booking in acknowledged:
            check(booking["id"] in durable, f"acknowledged booking {booking['id']} is lost")
            check(durable[booking["id"]] == (",".join(booking["seats"]), "confirmed"),
                  f"acknowledged booking {booking['id']} reads {durable[booking['id']]}")
        self.no_seat_twice(showtime)
        new_owner = self.owner_of(showtime)
        check(new_owner is not None and new_owner is not owner, "no live instance owns the showtime after the kill")
        forwarded, proxied = self.forwarded_share(self.log_lines()[before:])
        return {"killed_seats": seats, "killed_acknowledged_bookings": len(acknowledged), "killed_before_kill": sold_before,
                "killed_takeover_s": round(takeover, 2), "killed_proxied_requests": proxied, "killed_forwarded": forwarded}

    # Shared checks

    def no_seat_twice(self, showtime):
        twice = self.sql(f"""SELECT seat, count(*) FROM bookings b, unnest(b.seats) seat
                             WHERE b.showtime_id = {showtime} AND b.status = 'confirmed' GROUP BY seat HAVING count(*) > 1""")
        check(not twice, f"seats sold twice in showtime {showtime}: {twice}")
        mismatch = self.sql(f"""SELECT (SELECT count(*) FROM booked_seats WHERE showtime_id = {showtime})
                                    - (SELECT coalesce(sum(cardinality(seats)), 0) FROM bookings
                                       WHERE showtime_id = {showtime} AND status = 'confirmed')""")
        check(mismatch == [["0"]], f"booked_seats and confirmed bookings disagree by {mismatch} in showtime {showtime}")

    def wait_sql(self, statement, expected, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.sql(statement) == [[expected]]:
                return
            time.sleep(0.02)
        raise Failure(f"{statement} never read {expected}")

    def until_served(self, address, showtime, since, limit):
        deadline = since + limit
        while time.time() < deadline:
            status, _ = call(address, "GET", f"/v1/showtimes/{showtime}/seats")
            if status == 200:
                return time.time() - since
            time.sleep(0.05)
        raise Failure(f"showtime {showtime} was not taken over within {limit} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--lease-seconds", type=int, default=3)
    args = parser.parse_args()
    topology = Topology(args)
    figures = {"lease_seconds": args.lease_seconds}
    try:
        topology.start()
        sale, direct, paused, *rest = topology.showtimes(12)
        figures.update(topology.sale(sale))
        figures.update(topology.direct_clients(direct))
        figures.update(topology.paused(paused))
        figures.update(topology.killed(rest))
    except Failure as failure:
        print(f"topology: FAILED: {failure} (logs in {args.work})", file=sys.stderr)
        sys.exit(1)
    finally:
        topology.stop()
    print("topology: " + json.dumps(figures))


if __name__ == "__main__":
    main()
