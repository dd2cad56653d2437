"""Fault injection (issue 6): kill -9 in the middle of AT sets, a state
directory that is read-only or full, thousands of connections and a hundred
restarts without descriptor growth, peers that reset or never read, a serial
port that comes and goes while both directions carry data."""

import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (USRBRIDGED, Daemon, Pty, Server, Skip, free_port,  # noqa: E402
                     recv_exactly, run_tests, wait_for)

OK = b"\r\n+OK\r\n"


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def sanitized(pid):
    """AddressSanitizer keeps freed memory in quarantine (up to 256 MiB), so
    RSS bounds say nothing about a sanitized build; LeakSanitizer checks at
    exit instead."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def need_root_mounts():
    if os.getuid() != 0:
        raise Skip("needs root (a private mount namespace) to mount over the state directory")
    # run-isolated puts root tests in their own mount namespace; never
    # mount in the host's.
    if os.environ.get("USRB_PRIVATE_MOUNTS") != "1":
        raise Skip("not in a private mount namespace")


def test_kill9_during_at_sets(tmp):
    """200 times: a burst of AT+MID sets, SIGKILL at a random moment. The state
    file always loads (usrbridged -t checks it) and holds one of the values."""
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port)
    state = os.path.join(d.state_dir, "settings.conf")
    rng = random.Random(6)
    seen = set()
    with d:
        for i in range(200):
            d.start()
            d.command_mode()
            burst = b"".join(b"AT+MID=v%d-%d\r" % (i, k) for k in range(20))
            d.pty.write(burst)
            time.sleep(rng.uniform(0, 0.01))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            d.proc = None
            d.logf.close()
            d.pty.drain(0.01)
            p = subprocess.run([USRBRIDGED, "-t", "-c", d.conf_path], capture_output=True,
                               text=True)
            assert p.returncode == 0, "round %d: %s" % (i, p.stderr)
            if os.path.exists(state):
                text = open(state).read()
                m = re.search(r'name = "(v(\d+)-\d+)";', text)
                assert m, "round %d: no value in %r" % (i, text)
                # The old value (an earlier round's) or one of this burst.
                assert int(m.group(2)) <= i, text
                seen.add(m.group(1))
            leftovers = [f for f in os.listdir(d.state_dir) if f != "settings.conf"]
            assert not leftovers or all(".tmp." in f for f in leftovers), leftovers
            for f in leftovers:     # a temp file of a killed write: never read
                os.unlink(os.path.join(d.state_dir, f))
    assert len(seen) > 20, "the kills did not land among the sets (%d values)" % len(seen)


def test_state_dir_read_only(tmp):
    need_root_mounts()
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        d.command_mode()
        assert d.at("AT+MAXSK=5") == OK
        subprocess.run(["mount", "--bind", d.state_dir, d.state_dir], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", d.state_dir], check=True)
        try:
            assert d.at("AT+MAXSK=9") == b"\r\n+ERR=-5\r\n"
            assert d.at("AT+MAXSK") == b"\r\n+OK=5\r\n"
            assert "max_clients = 5;" in open(os.path.join(d.state_dir, "settings.conf")).read()
            d.wait_log("Read-only file system")
            # It runs on: data still flows.
            assert d.at("AT+ENTM") == OK
            c = socket.create_connection(("127.0.0.1", port))
            d.pty.write(b"alive")
            assert recv_exactly(c, 5) == b"alive"
        finally:
            subprocess.run(["umount", d.state_dir])
        d.stop()


def test_state_dir_full(tmp):
    need_root_mounts()
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d.state_dir], check=True)
    try:
        with d:
            d.start()
            d.command_mode()
            assert d.at("AT+MID=before") == OK
            fd = os.open(os.path.join(d.state_dir, "filler"), os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 4096)
            except OSError:
                pass
            finally:
                os.close(fd)
            assert d.at("AT+MID=after") == b"\r\n+ERR=-5\r\n"
            assert d.at("AT+MID") == b"\r\n+OK=before\r\n"
            text = open(os.path.join(d.state_dir, "settings.conf")).read()
            assert 'name = "before";' in text, text
            assert not [f for f in os.listdir(d.state_dir) if ".tmp." in f], "temp file left"
            os.unlink(os.path.join(d.state_dir, "filler"))
            assert d.at("AT+MID=after") == OK
            d.stop()
    finally:
        subprocess.run(["umount", d.state_dir])


def test_connect_cycles_and_restarts_leak_nothing(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        time.sleep(0.2)
        fd0, rss0 = fds(d.pid()), rss_kib(d.pid())
        t0 = time.monotonic()
        for i in range(1000):
            c = socket.create_connection(("127.0.0.1", port))
            if i % 3 == 0:
                c.sendall(b"x")
            if i % 5 == 0:      # an abortive close
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        # Closed connections still in the accept backlog can push older
        # ones out (TCPSE kick): each of the 1000 ends one way or the other.
        d.wait_log(r"\) (disconnected|kicked|connection error)", count=1000, timeout=30)
        d.pty.drain(0.2)
        t1 = time.monotonic()
        for i in range(100):
            d.command_mode(guard=0.002)
            d.pty.write(b"AT+Z\r")
            d.pty.read_until(OK, 3)
            d.wait_log(r"restarted \(AT\+Z\)", count=i + 1)
        time.sleep(0.3)
        fd1, rss1 = fds(d.pid()), rss_kib(d.pid())
        assert fd1 == fd0, "descriptors grew from %d to %d" % (fd0, fd1)
        if not sanitized(d.pid()):
            assert rss1 - rss0 < 1024, "RSS grew from %d to %d KiB" % (rss0, rss1)
        print("# fds %d -> %d, RSS %d -> %d KiB; %.1f s for the connections, %.1f s for the restarts"
              % (fd0, fd1, rss0, rss1, t1 - t0, time.monotonic() - t1))
        d.stop()


def test_peer_resets_in_the_middle_of_writes(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        stop = threading.Event()

        def feed():
            while not stop.is_set():
                d.pty.write(os.urandom(4096))
                time.sleep(0.001)
        t = threading.Thread(target=feed)
        t.start()
        try:
            for _ in range(50):
                c = socket.create_connection(("127.0.0.1", port))
                c.recv(1000)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.sendall(b"y" * 1000)
                c.close()           # RST while the daemon writes to it
        finally:
            stop.set()
            t.join()
        good = socket.create_connection(("127.0.0.1", port))
        d.pty.drain(0.3)
        d.pty.write(b"survived")
        data = b""
        while not data.endswith(b"survived"):
            data += good.recv(65536)
        assert d.proc.poll() is None
        d.stop()


def test_serial_port_comes_and_goes_under_load(tmp):
    """20 times the pty vanishes and comes back while both directions carry
    numbered records. The daemon lives; what crosses while the port is up
    arrives in order; the TCP client stays connected throughout."""
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        for i in range(20):
            msg = b"<round %02d up>" % i
            d.pty.write(msg)
            assert recv_exactly(c, len(msg), 5) == msg
            c.sendall(b"<net %02d>" % i)
            net = b"<net %02d>" % i
            assert d.pty.read_exactly(len(net), 5) == net
            d.pty.close()
            d.wait_log(r"lost \(", count=i + 1, timeout=5)
            c.sendall(b"[away %02d]" % i)       # kept for the port's return
            d.pty = Pty(d.tty_link)
            d.wait_log(r"serial .*: open", count=i + 1, timeout=5)
            away = b"[away %02d]" % i
            assert d.pty.read_exactly(len(away), 5) == away
        assert d.log_count(r"client 1 .* disconnected") == 0
        d.stop()


def status(d):
    import json
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def test_server_that_never_reads(tmp):
    """A TCPC server accepts and never reads while the MCU writes 16 MiB. The
    daemon's memory stays bounded (kernel buffers, then client_queue, then
    the offline cache, then counted drops) and every byte read from the
    serial line is accounted for in status --json."""
    srv = Server(read=False).start()
    try:
        with Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                    'tcps = { client_queue = 65536; };\nbridge = { cache_size = 16384; };'
                    % srv.port) as d:
            d.start()
            d.wait_log("connected to")
            chunk = os.urandom(65536)
            for _ in range(256):
                d.pty.write(chunk)
            wait_for(lambda: status(d)["serial"]["rx_bytes"] == 16 * 1024 * 1024, 20,
                     "the daemon to read everything")
            time.sleep(0.3)
            st = status(d)
            link = st["links"][0]
            accounted = link["tx_bytes"] + link["cache_bytes"] + link["cache_dropped"] + \
                link["tx_dropped"]
            assert accounted == st["serial"]["rx_bytes"], (accounted, st)
            assert link["cache_dropped"] > 0, link
            assert link["cache_bytes"] <= 16384, link
            assert st["traffic"]["serial_to_network"]["dropped"] >= link["cache_dropped"]
            if not sanitized(d.pid()):
                assert rss_kib(d.pid()) < 16 * 1024, "RSS %d KiB" % rss_kib(d.pid())
            print("# sent %d, cached %d, dropped %d of %d bytes" % (
                link["tx_bytes"], link["cache_bytes"], link["cache_dropped"],
                st["serial"]["rx_bytes"]))
            d.stop()
    finally:
        srv.stop()


def test_stuck_tcps_client_is_counted(tmp):
    port = free_port()
    # The default per-client bound; the MCU writes at 6 MB/s, far above any
    # UART, so the reading client is not the bottleneck even on a busy host.
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        good = socket.create_connection(("127.0.0.1", port))
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", port))
        d.wait_log("connected from", count=2)
        got = []
        t = threading.Thread(target=lambda: got.append(recv_exactly(good, 8 << 20, 30)))
        t.start()
        for _ in range(128):
            d.pty.write(b"s" * 65536)
            time.sleep(0.01)
        t.join(35)
        assert got and len(got[0]) == 8 << 20
        link = status(d)["links"][0]
        assert link["clients_dropped"] == 1 and link["tx_dropped"] > 0, link
        assert link["connections"] == 1
        d.stop()


run_tests(globals())
