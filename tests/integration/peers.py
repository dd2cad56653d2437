"""Recording peers on loopback for the connection-feature tests: a TCP
server and a UDP socket that keep what they receive with timestamps, and an
HTTP server that keeps every request and answers with a set response."""

import http.server
import os
import select
import socket
import threading
import time

from harness import free_port, listen_tcp


class TimedServer:
    """A TCP server on 127.0.0.1 that records, per connection, when it
    opened and closed and every chunk received with its arrival time."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.conns = []         # dicts: sock, opened, closed, chunks [(t, bytes)]
        self.lock = threading.Lock()
        self.running = False

    def start(self):
        self.sock = listen_tcp(self.port)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        live = {}
        while self.running:
            r, _, _ = select.select([self.sock] + list(live), [], [], 0.02)
            now = time.monotonic()
            for s in r:
                if s is self.sock:
                    c, _ = self.sock.accept()
                    rec = {"sock": c, "opened": now, "closed": None, "chunks": []}
                    with self.lock:
                        self.conns.append(rec)
                    live[c] = rec
                    continue
                try:
                    chunk = s.recv(65536)
                except OSError:
                    chunk = b""
                with self.lock:
                    if chunk:
                        live[s]["chunks"].append((now, chunk))
                    else:
                        live[s]["closed"] = now
                if not chunk:
                    del live[s]
                    s.close()

    def stop(self):
        self.running = False
        if getattr(self, "thread", None):
            self.thread.join()
        for rec in self.conns:
            try:
                rec["sock"].close()
            except OSError:
                pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def data(self, i=None):
        """Bytes of connection i (all connections joined when None); b""
        while connection i has not been accepted yet."""
        with self.lock:
            if i is not None and not -len(self.conns) <= i < len(self.conns):
                return b""
            conns = self.conns if i is None else [self.conns[i]]
            return b"".join(c for rec in conns for _, c in rec["chunks"])

    def count(self):
        with self.lock:
            return len(self.conns)

    def send(self, data, i=-1):
        with self.lock:
            s = self.conns[i]["sock"]
        s.sendall(data)

    def chunks(self, i=-1):
        with self.lock:
            if not -len(self.conns) <= i < len(self.conns):
                return []
            return list(self.conns[i]["chunks"])


class UdpRecorder:
    """A UDP socket on 127.0.0.1 keeping (time, datagram, sender)."""

    def __init__(self, port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port or 0))
        self.port = self.sock.getsockname()[1]
        self.grams = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            r, _, _ = select.select([self.sock], [], [], 0.02)
            if r:
                d, peer = self.sock.recvfrom(65536)
                with self.lock:
                    self.grams.append((time.monotonic(), d, peer))

    def datagrams(self):
        with self.lock:
            return [d for _, d, _ in self.grams]

    def sendto(self, data, peer):
        self.sock.sendto(data, peer)

    def last_peer(self):
        with self.lock:
            return self.grams[-1][2]

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HttpRecorder:
    """http.server in a thread on 127.0.0.1: keeps every request (method,
    path, headers, body) and answers with status/headers/body set by the
    test (HTTP/1.0, so the connection closes after each response)."""

    def __init__(self, port=None, dual_stack=False):
        self.port = port or free_port()
        self.requests = []
        self.lock = threading.Lock()
        self.status = 200
        self.body = b"OK"
        self.extra_headers = [("X-Reply", "yes")]
        self.delay = 0.0
        self.active = 0
        self.max_active = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with outer.lock:
                    outer.requests.append({
                        "time": time.monotonic(), "method": self.command,
                        "path": self.path, "headers": self.headers, "body": body})
                    outer.active += 1
                    outer.max_active = max(outer.max_active, outer.active)
                try:
                    if outer.delay:
                        time.sleep(outer.delay)
                    self.send_response(outer.status)
                    for k, v in outer.extra_headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(outer.body)))
                    self.end_headers()
                    self.wfile.write(outer.body)
                except OSError:
                    pass            # the client gave up (timeout tests)
                finally:
                    with outer.lock:
                        outer.active -= 1

            do_GET = _any
            do_POST = _any

        if dual_stack:
            class Server(http.server.ThreadingHTTPServer):
                address_family = socket.AF_INET6

                def server_bind(self):
                    self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                    super().server_bind()
            self.httpd = Server(("::", self.port), Handler)
        else:
            self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def got(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def led_tree(root, names):
    """LED class devices class/leds/NAME/brightness, dark, under a fake
    sysfs root (leds.root)."""
    for name in names:
        os.makedirs(os.path.join(root, "class", "leds", name))
        with open(os.path.join(root, "class", "leds", name, "brightness"), "w") as f:
            f.write("0\n")
    return root


def led_value(root, name):
    """What the daemon last wrote to class/leds/NAME/brightness."""
    with open(os.path.join(root, "class", "leds", name, "brightness")) as f:
        return f.read().strip()


def led_samples(read, during):
    """What read() returns every 5 ms while during() runs (a blink is a
    change between two samples)."""
    seen = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen.append(read())
            time.sleep(0.005)
    t = threading.Thread(target=watch)
    t.start()
    try:
        during()
    finally:
        stop.set()
        t.join()
    return seen


def traffic_bursts(pty, n=20, data=b"traffic", gap=0.05):
    """n small writes from the MCU, gap seconds apart."""
    for _ in range(n):
        pty.write(data)
        time.sleep(gap)
