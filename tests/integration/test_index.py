"""INDEXEN in TCPS (PROTOCOLS.md §3): clients numbered 1-8, their data
marked "I" m on the serial line, connects and disconnects written as "C" m n
and "D" m n; serial data still goes to every client."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, is_closed, recv_exactly, run_tests  # noqa: E402


def tcps(tmp, port, extra=""):
    return Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\ntcps = { index = "ON"; %s };'
                  % (port, extra))


def connect(port):
    return socket.create_connection(("127.0.0.1", port))


def test_marks_and_events(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c1 = connect(port)
        assert d.pty.read_exactly(3) == b"C11"
        c2 = connect(port)
        assert d.pty.read_exactly(3) == b"C22"
        c1.sendall(b"hello")
        assert d.pty.read_exactly(7) == b"I1hello"
        c2.sendall(b"x")
        assert d.pty.read_exactly(3) == b"I2x"
        d.pty.write(b"to-all")
        assert recv_exactly(c1, 6) == b"to-all"
        assert recv_exactly(c2, 6) == b"to-all"
        c1.close()
        assert d.pty.read_exactly(3) == b"D11"
        # The freed number is used again.
        c3 = connect(port)
        assert d.pty.read_exactly(3) == b"C12"
        c3.sendall(b"again")
        assert d.pty.read_exactly(7) == b"I1again"
        # One at a time: closed together, the daemon may see them in
        # either order (both orders are right, but D m n differ).
        c2.close()
        assert d.pty.read_exactly(3) == b"D21"
        c3.close()
        assert d.pty.read_exactly(3) == b"D10"
        d.stop()


def test_eight_at_most(tmp):
    port = free_port()
    with tcps(tmp, port, 'max_clients = 16; on_full = "keep";') as d:
        d.start()
        d.wait_log("up to 8 clients")
        cs = []
        for m in range(1, 9):
            cs.append(connect(port))
            assert d.pty.read_exactly(3) == b"C%d%d" % (m, m)
        ninth = connect(port)
        d.wait_log("refused: 8 clients already")
        assert is_closed(ninth, 3)
        cs[7].sendall(b"z")
        assert d.pty.read_exactly(3) == b"I8z"
        assert d.pty.read(0.3) == b"", "something more on the serial line"
        d.stop()


def test_kick_writes_disconnect(tmp):
    port = free_port()
    with tcps(tmp, port, 'max_clients = 2; on_full = "kick";') as d:
        d.start()
        c1 = connect(port)
        assert d.pty.read_exactly(3) == b"C11"
        c2 = connect(port)
        assert d.pty.read_exactly(3) == b"C22"
        c3 = connect(port)
        # The oldest (1) goes, the new one takes its number.
        assert d.pty.read_exactly(6) == b"D11C12"
        assert is_closed(c1, 3)
        c3.sendall(b"k")
        c2.sendall(b"j")
        got = d.pty.read_exactly(6)
        assert sorted([got[:3], got[3:]]) == [b"I1k", b"I2j"], got
        d.stop()


def test_off_no_marks(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        c = connect(port)
        d.wait_log("client 1 connected")
        c.sendall(b"plain")
        assert d.pty.read_exactly(5) == b"plain"
        c.close()
        d.wait_log("client 1 .* disconnected")
        assert d.pty.read(0.3) == b""
        d.stop()


run_tests(globals())
