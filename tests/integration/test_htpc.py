"""HTPC, the HTTP client mode (PROTOCOLS.md §3), against Python's
http.server on loopback: GET with the frame in the URL, POST with it as the
body, HTPHEAD lines, the response on the serial line with and without
headers, one request at a time in order, failures logged and counted,
allow_out, and the identity packet."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, run_tests, wait_for  # noqa: E402
from peers import HttpRecorder  # noqa: E402


def htpc(tmp, port, http="", extra="", host="127.0.0.1"):
    return Daemon(tmp, 'link1 = { mode = "HTPC"; host = "%s"; port = %d; };\n'
                  'http = { %s };\n%s' % (host, port, http, extra))


def test_get_url_headers_body_only(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'method = "GET"; url = "/1.php?"; '
                                     'header = "X-Test: 1<<CRLF>>X-Other: two"; '
                                     'strip_header = "ON";') as d:
        d.start()
        d.wait_log("libcurl: loaded")
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        d.pty.write(b"a=1&b=2 c#d")
        assert d.pty.read_exactly(2) == b"OK"
        r = srv.got()[0]
        assert r["method"] == "GET"
        assert r["path"] == "/1.php?a=1&b=2%20c%23d", r["path"]
        assert r["headers"]["X-Test"] == "1" and r["headers"]["X-Other"] == "two"
        assert r["headers"]["Host"] == "127.0.0.1:%d" % srv.port
        assert d.pty.read(0.3) == b"", "more than the body reached the serial line"
        d.stop()


def test_post_body_and_whole_response(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'method = "POST"; url = "/post/here"; '
                                     'strip_header = "OFF";') as d:
        d.start()
        srv.body = b"reply-body"
        frame = b"\x00\x01bin\xff=&"
        d.pty.write(frame)
        got = d.pty.read_until(b"\r\n\r\nreply-body", 10)
        assert got.startswith(b"HTTP/1.0 200 OK\r\n"), got
        assert b"\r\nX-Reply: yes\r\n" in got and b"\r\nContent-Length: 10\r\n" in got, got
        r = srv.got()[0]
        assert r["method"] == "POST" and r["path"] == "/post/here", r
        assert r["body"] == frame, r["body"]
        # HTPHEAD's factory default goes out as written in the manual.
        assert r["headers"]["User_Agent"] == "Mozilla/4.0", dict(r["headers"])
        assert "Expect" not in r["headers"]
        d.stop()


def test_one_at_a_time_in_order(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'strip_header = "ON";') as d:
        srv.delay = 0.3
        srv.body = b"."
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        for i in range(5):
            d.pty.write(b"n%d" % i)
            time.sleep(0.05)        # well over the packing gap: one frame each
        assert d.pty.read_exactly(5, timeout=20) == b"....."
        paths = [r["path"] for r in srv.got()]
        assert paths == ["/1.php?n%d" % i for i in range(5)], paths
        assert srv.max_active == 1, "requests overlapped"
        d.stop()


def test_failure_logged_counted_then_recovers(tmp):
    port = free_port()
    with htpc(tmp, port, 'strip_header = "ON";') as d:
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        d.pty.write(b"lost")
        d.wait_log(r"HTTP GET 127\.0\.0\.1:%d/1\.php\? failed: .* \(1 failed\)" % port)
        with HttpRecorder(port=port) as srv:
            d.pty.write(b"found")
            assert d.pty.read_exactly(2) == b"OK"
            assert [r["path"] for r in srv.got()] == ["/1.php?found"]
        d.stop()


def test_timeout(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'timeout = 1;') as d:
        srv.delay = 4
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        t0 = time.monotonic()
        d.pty.write(b"slow")
        d.wait_log(r"HTTP GET .* failed: .*timed out", timeout=10)
        assert time.monotonic() - t0 < 4, "http.timeout was not applied"
        d.stop()


def test_refused_outside_allow_out(tmp):
    with htpc(tmp, 80, host="192.0.2.1") as d:
        d.start()
        d.wait_log(r"destination 192\.0\.2\.1:80 is outside network\.allow_out; not dialled")
        d.pty.write(b"nothing leaves")
        time.sleep(1)
        assert d.log_count("HTTP GET") == 0, "a request was made"
        d.stop()


def test_identity_in_front_of_each_request(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'strip_header = "ON";',
                                     'reg = { mode = "USR"; send = "FIRST"; data = "ID 7"; };') as d:
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        d.pty.write(b"x")
        assert d.pty.read_exactly(2) == b"OK"
        time.sleep(0.1)
        d.pty.write(b"y")
        assert d.pty.read_exactly(2) == b"OK"
        assert [r["path"] for r in srv.got()] == ["/1.php?ID%207x", "/1.php?ID%207y"]
        d.stop()


def test_response_capped(tmp):
    with HttpRecorder() as srv, htpc(tmp, srv.port, 'strip_header = "ON";') as d:
        srv.body = bytes(range(256)) * 400       # 100 KiB
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up")
        d.pty.write(b"big")
        got = d.pty.read_exactly(65536, timeout=20)
        assert got == srv.body[:65536]
        d.wait_log("HTTP response longer than 65536 bytes; the rest is dropped")
        assert d.pty.read(0.5) == b""
        d.stop()


def test_host_name_pinned(tmp):
    with HttpRecorder(dual_stack=True) as srv, htpc(tmp, srv.port, 'strip_header = "ON";',
                                                   host="localhost") as d:
        d.start()
        d.wait_log(r"link1 \(HTPC\): .* -> up", timeout=10)
        d.pty.write(b"named")
        assert d.pty.read_exactly(2) == b"OK"
        assert srv.got()[0]["headers"]["Host"] == "localhost:%d" % srv.port
        d.stop()


run_tests(globals())
