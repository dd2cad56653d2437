"""CLIENTRST and RSTIM restarts (PROTOCOLS.md §3), observed in the daemon's
log and on the wire. Both take real time: CLIENTRST needs 30 failed
attempts (bridge.reconnect_max = 1 s, a documented config key, makes that
about 30 s instead of about 13 minutes); RSTIM's minimum is 60 s, so that
test waits for it, with a second daemon alongside that gets network data
and must not restart yet."""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, run_tests, wait_for  # noqa: E402


def test_clientrst_after_30_failures(tmp):
    port = free_port()      # nobody listens: every attempt fails at once
    conf = ('link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
            'bridge = { reconnect_max = 1; client_reset = "%s"; };')
    on = Daemon(tmp, conf % (port, "ON"), name="on")
    off = Daemon(tmp, conf % (port, "OFF"), name="off")
    with on, off:
        on.start()
        off.start()
        on.wait_log(r"30 connection attempts failed in a row; restarting \(CLIENTRST\)",
                    timeout=120)
        on.wait_log(r"restarted \(CLIENTRST\)", timeout=5)
        assert on.log_count(r"\(attempt 31\)") == 0
        assert on.log_count(r"\(attempt 29\)") == 1
        # After the restart the count starts again.
        on.wait_log(r"\(attempt 1\)", count=2, timeout=10)
        # Without CLIENTRST the client just keeps trying.
        off.wait_log(r"\(attempt 31\)", timeout=30)
        assert off.log_count("restarted") == 0
        on.stop()
        off.stop()


def test_rstim_restarts_when_network_is_silent(tmp):
    p1, p2 = free_port(), free_port()
    conf = 'link1 = { mode = "TCPS"; port = %d; };\nbridge = { idle_reset = 60; };'
    quiet = Daemon(tmp, conf % p1, name="quiet")
    busy = Daemon(tmp, conf % p2, name="busy")
    with quiet, busy:
        quiet.start()
        busy.start()
        t0 = time.monotonic()
        c_quiet = socket.create_connection(("127.0.0.1", p1))   # connected, silent
        c_busy = socket.create_connection(("127.0.0.1", p2))
        time.sleep(30)
        c_busy.sendall(b"alive")                                 # postpones busy's restart
        assert busy.pty.read_exactly(5) == b"alive"
        quiet.wait_log(r"nothing received from the network for 60 s; restarting \(RSTIM\)",
                       timeout=60)
        elapsed = time.monotonic() - t0
        assert 55 < elapsed < 80, elapsed
        quiet.wait_log(r"restarted \(RSTIM\)", timeout=5)
        # The restart closed the silent client's connection.
        c_quiet.settimeout(5)
        assert c_quiet.recv(10) == b""
        # busy heard from the network 30 s in: not before 90 s.
        assert busy.log_count("RSTIM") == 0, "restarted although data came in"
        quiet.stop()
        busy.stop()


run_tests(globals())
