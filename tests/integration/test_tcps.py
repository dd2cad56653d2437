"""TCPS over a pty with real TCP clients on loopback (PROTOCOLS.md §3)."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (LOOPBACK_ONLY, Daemon, VanishingPeer, free_port, hold_port,  # noqa: E402
                     is_closed, random_bytes, recv_exactly, run_tests, wait_for)
import json  # noqa: E402

MIB = 1024 * 1024


def tcps(tmp, port, extra=""):
    return Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (port, extra))


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s


def test_tcps_1mib_each_way(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = connect(port)
        d.wait_log("client 1 connected")
        up = random_bytes(MIB, seed=11)
        down = random_bytes(MIB, seed=12)
        got = {}

        def read_net():
            got["net"] = recv_exactly(c, MIB, 30)
        t = threading.Thread(target=read_net)
        t.start()
        d.pty.write(up)
        t.join(35)
        assert got.get("net") == up, "serial -> TCP differs"
        sender = threading.Thread(target=c.sendall, args=(down,))
        sender.start()
        back = d.pty.read_exactly(MIB, 30)
        sender.join()
        assert back == down, "TCP -> serial differs"
        c.close()
        d.stop()


def test_tcps_lone_slow_client_is_not_dropped(tmp):
    """A single client slower than the serial side (a pty is as fast as its
    writer) pauses the serial line instead of being dropped at its bound:
    there is no other client to protect, dropping would only lose data."""
    port = free_port()
    with tcps(tmp, port, "tcps = { client_queue = 65536; };") as d:
        d.start()
        c = connect(port, rcvbuf=4096)
        d.wait_log("client 1 connected")
        size = 4 * MIB
        data = random_bytes(size, seed=31)
        got = {}

        def slow_reader():
            out = bytearray()
            c.settimeout(30)
            while len(out) < size:
                chunk = c.recv(4096)
                if not chunk:
                    break
                out += chunk
                if len(out) < MIB:
                    time.sleep(0.001)
            got["net"] = bytes(out)
        t = threading.Thread(target=slow_reader)
        t.start()
        d.pty.write(data)
        t.join(60)
        assert d.log_count(r"client 1 \(.*\) dropped") == 0, "the lone client was dropped"
        assert got.get("net") == data, "serial -> TCP differs"
        c.close()
        d.stop()


def test_tcps_lone_stuck_client_is_dropped(tmp):
    """A lone client that reads nothing pauses the serial line only until
    its socket has accepted nothing for 10 s: then it is dropped and the
    line flows again."""
    port = free_port()
    with tcps(tmp, port, "tcps = { client_queue = 65536; };") as d:
        d.start()
        stuck = connect(port, rcvbuf=4096)
        d.wait_log("client 1 connected")
        # More than the kernel buffers of the stuck connection absorb.
        data = random_bytes(8 * MIB, seed=41)
        writer = threading.Thread(target=d.pty.write, args=(data,), daemon=True)
        t0 = time.monotonic()
        writer.start()
        d.wait_log(r"client 1 \(.*\) dropped: not reading", timeout=40)
        assert time.monotonic() - t0 >= 9, "dropped before its time"
        writer.join(30)
        assert not writer.is_alive(), "the serial line stayed paused"
        stuck.close()
        d.stop()


def test_tcps_three_clients_one_never_reads(tmp):
    port = free_port()
    # A per-client bound the stuck client passes (8 MiB written, at most
    # ~4 MiB absorbed by kernel buffers) while leaving the reading clients
    # slack for a loaded machine (64 KiB made them fail there too).
    with tcps(tmp, port, "tcps = { client_queue = 1048576; };") as d:
        d.start()
        a, b = connect(port), connect(port)
        stuck = connect(port, rcvbuf=4096)
        d.wait_log("connected from", count=3)
        # More than the kernel buffers of the stuck connection can absorb
        # (send buffers autotune up to 4 MiB on loopback).
        size = 8 * MIB
        data = random_bytes(size, seed=21)
        got = {}

        def reader(name, s):
            got[name] = recv_exactly(s, size, 30)
        ts = [threading.Thread(target=reader, args=("a", a)),
              threading.Thread(target=reader, args=("b", b))]
        for t in ts:
            t.start()
        for i in range(0, size, 16384):
            d.pty.write(data[i:i + 16384])
        for t in ts:
            t.join(35)
        assert got.get("a") == data, "client a lost data"
        assert got.get("b") == data, "client b lost data"
        d.wait_log(r"client 3 \(.*\) dropped: not reading")
        assert is_closed(stuck, 5), "the stuck client was not dropped"
        d.stop()


def test_tcps_kick_oldest(tmp):
    port = free_port()
    with tcps(tmp, port, 'tcps = { max_clients = 2; on_full = "kick"; };') as d:
        d.start()
        c1 = connect(port)
        d.wait_log("client 1 connected")
        c2 = connect(port)
        d.wait_log("client 2 connected")
        c3 = connect(port)
        d.wait_log("kicked for a new client")
        assert is_closed(c1, 3), "the oldest client was not closed"
        d.pty.write(b"to-everyone")
        assert recv_exactly(c2, 11) == b"to-everyone"
        assert recv_exactly(c3, 11) == b"to-everyone"
        c3.sendall(b"from-c3")
        assert d.pty.read_exactly(7) == b"from-c3"
        d.stop()


def test_tcps_keep_refuses_new(tmp):
    port = free_port()
    with tcps(tmp, port, 'tcps = { max_clients = 2; on_full = "keep"; };') as d:
        d.start()
        c1, c2 = connect(port), connect(port)
        d.wait_log("connected from", count=2)
        c3 = connect(port)
        d.wait_log("refused: 2 clients already")
        assert is_closed(c3, 3), "the new client was not refused"
        d.pty.write(b"kept")
        assert recv_exactly(c1, 4) == b"kept"
        assert recv_exactly(c2, 4) == b"kept"
        d.stop()


def test_tcps_max_clients_sixteen(tmp):
    port = free_port()
    with tcps(tmp, port, 'tcps = { max_clients = 16; on_full = "keep"; };') as d:
        d.start()
        cs = [connect(port) for _ in range(16)]
        d.wait_log("connected from", count=16)
        extra = connect(port)
        assert is_closed(extra, 3)
        d.pty.write(b"x" * 100)
        for c in cs:
            assert recv_exactly(c, 100) == b"x" * 100
        d.stop()


def test_tcps_cache_before_first_client(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        d.pty.write(b"early bytes")
        time.sleep(0.3)
        c = connect(port)
        assert recv_exactly(c, 11) == b"early bytes"
        d.stop()


def test_tcps_allow_in_refuses(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "10.0.0.0/8" ]; };'
                % port) as d:
        d.start()
        c = connect(port)
        d.wait_log("refused by network.allow_in")
        assert is_closed(c, 3)
        d.stop()


def test_tcps_local_port_wins(tmp):
    port, local = free_port(), free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; local_port = %d; };' % (port, local)) as d:
        d.start()
        d.wait_log("TCP server on port %d" % local)
        c = connect(local)
        d.wait_log("client 1 connected")
        c.sendall(b"hi")
        assert d.pty.read_exactly(2) == b"hi"
        d.stop()


def test_busy_port_comes_back_and_says_why(tmp):
    """A TCPS port held by someone else: logged once, status and sd_notify
    STATUS= say why, and once it is freed the link listens on its own (no
    restart) well within 15 s."""
    port = free_port()
    blocker = hold_port(port)
    path = os.path.join(tmp, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    ns.settimeout(20)
    with tcps(tmp, port) as d:
        os.environ["NOTIFY_SOCKET"] = path
        try:
            d.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        d.wait_log("link1: cannot listen on TCP port %d: .*busy" % port)
        got = []
        wait_for(lambda: got.append(ns.recv(300)) or any(b"link1 *:%d busy" % port in g
                                                           for g in got), 20, "STATUS=")
        link = json.loads(d.ctl("status", "--json")[1])["links"][0]
        assert link["state"] == "backoff" and link["listen"] == "*:%d" % port, link
        assert link["why"].startswith("*:%d busy (Address already in use)" % port), link
        out = d.ctl("status")[1]
        assert "listening on *:%d; not up: *:%d busy" % (port, port) in out, out
        blocker.close()
        # The retry is capped at 8 s: 15 s is the bound.
        end = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < end, "not listening 15 s after the port was freed"
                time.sleep(0.2)
        d.wait_log("link1: TCP server on port %d.*port free again" % port)
        assert d.log_count("cannot listen on TCP port") == 1
        wait_for(lambda: b"STATUS=running" in ns.recv(300), 20, "STATUS=running")
        link = json.loads(d.ctl("status", "--json")[1])["links"][0]
        assert link["state"] == "up" and link["why"] == "", link
        d.stop()


def test_bind_address(tmp):
    """link1.bind: listening on 127.0.0.2 only, not on 127.0.0.1."""
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; bind = "127.0.0.2"; };' % port) as d:
        d.start()
        d.wait_log("TCP server on port %d of 127.0.0.2" % port)
        c = socket.create_connection(("127.0.0.2", port))
        d.wait_log("client 1 connected")
        d.pty.write(b"x")
        assert recv_exactly(c, 1) == b"x"
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            assert False, "listening on 127.0.0.1 too"
        except ConnectionRefusedError:
            pass
        link = json.loads(d.ctl("status", "--json")[1])["links"][0]
        assert link["listen"] == "127.0.0.2:%d" % port, link
        # usrbridgectl reads it; a config-file setting like every one AT
        # has no command for; a reload applies it.
        assert d.ctl("get", "link1.bind") == (0, "127.0.0.2\n", "")
        d.write_config('link1 = { mode = "TCPS"; port = %d; bind = ""; };' % port)
        assert d.ctl("reload")[0] == 0
        d.wait_log("TCP server on port %d, up to" % port)
        socket.create_connection(("127.0.0.1", port)).close()



def test_tcps_half_closed_client_keeps_receiving(tmp):
    """A client that shuts down its sending side (nc -N, socat) still gets
    the serial side's answer; it goes once nothing more is sent to it."""
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = connect(port)
        d.wait_log("client 1 connected")
        c.sendall(b"question")
        assert d.pty.read_exactly(8) == b"question"
        c.shutdown(socket.SHUT_WR)
        d.wait_log("client 1 .* half-closed")
        d.pty.write(b"answer")
        assert recv_exactly(c, 6) == b"answer"
        time.sleep(0.5)
        d.pty.write(b"more")
        assert recv_exactly(c, 4) == b"more"
        # Nothing more to send: the daemon closes after tcp.half_close_wait.
        c.settimeout(20)
        assert c.recv(16) == b""
        d.wait_log("client 1 .* disconnected")
        c.close()
        d.stop()


def test_status_peers_counters_and_why(tmp):
    """Per link: where data goes, each peer with its own counters and
    connect time; a link that is not up says why."""
    port, dead = free_port(), free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        a = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        d.pty.write(b"12345")
        assert recv_exactly(a, 5) == b"12345"
        b = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 2 connected")
        d.pty.write(b"67")
        assert recv_exactly(a, 2) == b"67" and recv_exactly(b, 2) == b"67"
        a.sendall(b"abc")
        assert d.pty.read_exactly(3) == b"abc"
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["counters_since"] == "daemon start"
        link = st["links"][0]
        assert link["listen"] == "*:%d" % port and link["why"] == "", link
        peers = {p["client"]: p for p in link["peer_list"]}
        assert peers[1]["tx_bytes"] == 7 and peers[1]["rx_bytes"] == 3, peers
        assert peers[2]["tx_bytes"] == 2 and peers[2]["rx_bytes"] == 0, peers
        assert peers[1]["addr"].startswith("127.0.0.1:") and peers[1]["connected_s"] >= 0
        out = d.ctl("status")[1]
        assert "peer 1=127.0.0.1:" in out and "sent 7 B, received 3 B" in out, out
        assert "counters since the daemon started (0 restarts)" in out, out
        # Counters outlive a restart (one lifetime: the daemon's).
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["links"][0]["tx_bytes"] == 7 and st["links"][0]["rx_bytes"] == 3, st
        a.close()
        b.close()
        d.stop()
    with Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };' % dead,
                name="c") as d:
        d.start()
        d.wait_log("link1")

        def down():
            link = json.loads(d.ctl("status", "--json")[1])["links"][0]
            return link if link["state"] == "backoff" else None
        link = wait_for(down, 20, "TCPC backoff")
        assert link["destination"] == "127.0.0.1:%d" % dead, link
        assert link["why"].startswith("backoff after ") and "next attempt in" in link["why"], link
        out = d.ctl("status")[1]
        assert "to 127.0.0.1:%d; not up: backoff after" % dead in out, out
        d.stop()



def test_tcps_keepalive_frees_the_slot_of_a_vanished_client(tmp):
    """A client that loses power sends no FIN: keepalive (shortened here)
    finds it and frees its slot. The client, on 127.0.0.2, vanishes into a
    blackhole route."""
    with VanishingPeer() as ns:
        port = free_port()
        net = 'network = { allow_out = %s; allow_in = %s; };\n' % (LOOPBACK_ONLY, LOOPBACK_ONLY)
        with tcps(tmp, port, net + 'tcps = { max_clients = 1; on_full = "keep"; };\n'
                  'tcp = { keepalive_idle = 1; keepalive_interval = 1; keepalive_count = 2;'
                  ' user_timeout = 3; };') as d:
            d.start()
            peer = ns.python("import socket, sys, time\n"
                             "s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 10,\n"
                             "                             (sys.argv[3], 0))\n"
                             "print('up')\n"
                             "time.sleep(600)\n", ns.OURS, port, ns.PEER)
            assert peer.stdout.readline().strip() == "up"
            d.wait_log("client 1 connected from %s" % ns.PEER)
            ns.vanish()
            d.wait_log(r"client 1 \(%s:\d+\) connection error: Connection timed out" % ns.PEER,
                       timeout=60)
            # The one slot is free again: a new client is taken.
            c = connect(port)
            d.wait_log("client 1 connected from 127.0.0.1")
            d.pty.write(b"fresh")
            assert recv_exactly(c, 5) == b"fresh"
            c.close()
            d.stop()

run_tests(globals())
