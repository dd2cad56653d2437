"""TCPC short connections (SOCKSL/SHORTO, PROTOCOLS.md §3) against a server
that records when connections open and close; SOCKLK reporting the real
connection state."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, run_tests, wait_for  # noqa: E402
from peers import TimedServer  # noqa: E402


def short(tmp, port, extra="", timeout=2):
    return Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                  'bridge = { short_conn = "ON"; short_timeout = %d; %s };'
                  % (port, timeout, extra))


def test_opens_on_data_closes_after_shorto(tmp):
    with TimedServer() as srv, short(tmp, srv.start().port) as d:
        d.start()
        d.wait_log("short connections")
        time.sleep(1.5)
        assert srv.count() == 0, "connected without data"
        t0 = time.monotonic()
        d.pty.write(b"frame1")
        wait_for(lambda: srv.count() == 1 and srv.data(0) == b"frame1", 5, "frame1")
        wait_for(lambda: srv.conns[0]["closed"], 10, "the close after SHORTO")
        idle = srv.conns[0]["closed"] - srv.chunks(0)[-1][0]
        # SHORTO = 2 s; generous bounds.
        assert 1.5 < idle < 5.0, idle
        assert srv.conns[0]["opened"] - t0 < 3.0
        d.wait_log(r"after 2 s idle \(SOCKSL\)")
        # The next frame opens a new connection.
        d.pty.write(b"frame2")
        wait_for(lambda: srv.count() == 2 and srv.data(1) == b"frame2", 5, "frame2")
        d.stop()


def test_traffic_keeps_it_open(tmp):
    # SHORTO = 3 s against traffic every second: room for a slow machine.
    with TimedServer() as srv, short(tmp, srv.start().port, timeout=3) as d:
        d.start()
        for i in range(5):
            d.pty.write(b"<%d>" % i)
            time.sleep(1.0)
        assert srv.count() == 1, "reconnected while data flowed"
        assert srv.conns[0]["closed"] is None, "closed while data flowed"
        # Data from the server counts as traffic too.
        for i in range(3):
            srv.send(b"ping")
            time.sleep(1.0)
        assert srv.conns[0]["closed"] is None, "closed while the server talked"
        wait_for(lambda: srv.conns[0]["closed"], 10, "the close after SHORTO")
        assert srv.data(0) == b"<0><1><2><3><4>"
        d.stop()


def test_identity_on_each_short_connection(tmp):
    with TimedServer() as srv, short(tmp, srv.start().port) as d:
        d.write_config(d.settings + '\nreg = { mode = "USR"; send = "FIRST"; data = "ID"; };')
        d.start()
        d.pty.write(b"a")
        wait_for(lambda: srv.count() == 1 and srv.conns[0]["closed"], 10, "first connection")
        d.pty.write(b"b")
        wait_for(lambda: srv.count() == 2 and srv.data(1) == b"IDb", 10, "second connection")
        assert srv.data(0) == b"IDa", srv.data(0)
        d.stop()


def test_uartclbuf_keeps_the_waiting_frame(tmp):
    with TimedServer() as srv, short(tmp, srv.start().port, 'clear_cache = "ON";') as d:
        d.start()
        d.pty.write(b"wanted")
        wait_for(lambda: srv.data() == b"wanted", 5, "the frame that opened the connection")
        d.stop()


def test_server_down_then_up(tmp):
    port = free_port()
    with short(tmp, port) as d:
        d.start()
        d.pty.write(b"early")
        d.wait_log("cannot connect", timeout=5)
        with TimedServer(port=port) as srv:
            srv.start()
            wait_for(lambda: srv.data() == b"early", 15, "the cached frame")
        d.stop()


def socklk(d):
    reply = d.at("AT+SOCKLK")
    m = re.fullmatch(rb"\r\n\+OK=(connect|disconnect)\r\n", reply)
    assert m, reply
    return m.group(1)


def test_socklk_follows_the_connection(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };' % port) as d:
        d.start()
        d.command_mode()
        assert socklk(d) == b"disconnect"
        srv = TimedServer(port=port).start()
        try:
            d.wait_log("connected to", timeout=15)
            assert socklk(d) == b"connect"
        finally:
            srv.stop()
        d.wait_log("closed by the peer", timeout=5)
        assert socklk(d) == b"disconnect"
        d.stop()


run_tests(globals())
