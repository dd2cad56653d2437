"""TCPC over a pty with a real TCP server on loopback (PROTOCOLS.md §3):
bulk data, a server that dies and comes back while the MCU keeps writing,
the offline cache and its bound, UARTCLBUF, and allow_out."""

import os
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (LOOPBACK_ONLY, Daemon, VanishingPeer, Server, free_port,  # noqa: E402
                     random_bytes, record_server, run_tests, wait_for)

MIB = 1024 * 1024


def tcpc(tmp, port, extra="", host="127.0.0.1"):
    return Daemon(tmp, 'link1 = { mode = "TCPC"; host = "%s"; port = %d; };\n%s'
                  % (host, port, extra))


def test_tcpc_1mib_each_way(tmp):
    with Server() as srv, tcpc(tmp, srv.start().port) as d:
        d.start()
        d.wait_log("connected to 127.0.0.1")
        wait_for(lambda: srv.conns, 5, "the connection")
        up = random_bytes(MIB, seed=31)
        d.pty.write(up)
        wait_for(lambda: len(srv.received()) >= MIB, 30, "1 MiB at the server")
        assert srv.received() == up, "serial -> TCP differs"
        down = random_bytes(MIB, seed=32)
        t = threading.Thread(target=srv.send_all, args=(down,))
        t.start()
        assert d.pty.read_exactly(MIB, 30) == down, "TCP -> serial differs"
        t.join()
        d.stop()


def test_tcpc_server_killed_and_restarted(tmp):
    """The MCU writes 64-byte numbered records at about 115200 baud while the
    server process is SIGKILLed and started again. Every record written while
    the server was away reaches it afterwards, in order; only what was in
    flight in the dead connection itself may be lost."""
    port = free_port()
    path = os.path.join(tmp, "received")
    srv = record_server(port, path)
    with tcpc(tmp, port) as d:
        try:
            d.start()
            d.wait_log("connected to")
            sent = []           # (seq, time written)
            stop = threading.Event()

            def writer():
                seq = 0
                while not stop.is_set():
                    rec = struct.pack(">Q", seq) + bytes([seq % 251]) * 56
                    d.pty.write(rec)
                    sent.append((seq, time.monotonic()))
                    seq += 1
                    time.sleep(64 / 11520)      # 115200 baud, 10 bits a byte
            t = threading.Thread(target=writer)
            t.start()
            time.sleep(1.0)
            killed_at = time.monotonic()
            srv.send_signal(signal.SIGKILL)
            srv.wait()
            time.sleep(0.5)
            srv = record_server(port, path)
            d.wait_log("connected to", count=2, timeout=10)
            back_at = time.monotonic()
            time.sleep(1.0)
            stop.set()
            t.join()
            total = len(sent)
            wait_for(lambda: os.path.getsize(path) >= (total - 8) * 64, 10, "the tail")
            time.sleep(0.3)
            data = open(path, "rb").read()
            assert len(data) % 64 == 0, "a record was cut: %d bytes" % len(data)
            seqs = [struct.unpack(">Q", data[i:i + 8])[0] for i in range(0, len(data), 64)]
            for i in range(0, len(data), 64):
                s = seqs[i // 64]
                assert data[i + 8:i + 64] == bytes([s % 251]) * 56, "record %d corrupt" % s
            assert seqs == sorted(set(seqs)), "records duplicated or out of order"
            missing = sorted(set(range(total)) - set(seqs))
            when = dict(sent)
            # Nothing written after the daemon saw the connection go is lost.
            late = [s for s in missing if when[s] > killed_at + 0.05]
            assert not late, "records written while the server was away were lost: %s" % late
            assert len(missing) <= 16, "lost %d records at the kill" % len(missing)
            print("# %d records, %d lost in the killed connection" % (total, len(missing)))
            down = [s for s, w in sent if killed_at + 0.05 < w < back_at]
            assert down and all(s in set(seqs) for s in down), "the offline cache was not sent"
            d.stop()
        finally:
            srv.kill()
            srv.wait()


def test_tcpc_cache_bound_drops_oldest(tmp):
    port = free_port()
    with tcpc(tmp, port, "bridge = { cache_size = 1000; };") as d:
        d.start()
        d.wait_log("cannot connect", timeout=5)
        frames = [bytes([65 + i]) * 100 for i in range(30)]
        for f in frames:
            d.pty.write(f)
            time.sleep(0.02)        # well over the packing gap: one frame each
        with Server(port=port) as srv:
            srv.start()
            wait_for(lambda: len(srv.received()) >= 1000, 15, "the cached frames")
            time.sleep(0.3)
            # The newest ten frames fit; the twenty oldest were dropped.
            assert srv.received() == b"".join(frames[20:]), srv.received()[:200]
        d.stop()


def test_tcpc_uartclbuf_discards(tmp):
    port = free_port()
    with tcpc(tmp, port, 'bridge = { clear_cache = "ON"; };') as d:
        d.start()
        d.wait_log("cannot connect", timeout=5)
        d.pty.write(b"stale data written while offline")
        time.sleep(0.2)
        with Server(port=port) as srv:
            srv.start()
            d.wait_log("discarding 32 cached bytes", timeout=15)
            d.pty.write(b"fresh")
            wait_for(lambda: len(srv.received()) >= 5, 5, "the fresh bytes")
            time.sleep(0.2)
            assert srv.received() == b"fresh", srv.received()
        d.stop()


def test_tcpc_reconnects_with_backoff(tmp):
    port = free_port()
    with tcpc(tmp, port) as d:
        d.start()
        d.wait_log(r"cannot connect .*\(attempt 2\)", timeout=10)
        with Server(port=port) as srv:
            srv.start()
            d.wait_log("connected to", timeout=15)
            d.pty.write(b"after backoff")
            wait_for(lambda: srv.received() == b"after backoff", 5, "data")
        d.stop()


def test_tcpc_binds_sockport(tmp):
    local = free_port()
    srv = Server().start()
    try:
        with Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; local_port = %d; };'
                    % (srv.port, local)) as d:
            d.start()
            wait_for(lambda: srv.conns, 5, "the connection")
            assert srv.conns[0].getpeername()[1] == local
            d.stop()
    finally:
        srv.stop()


def test_tcpc_host_name(tmp):
    with Server(dual_stack=True) as srv, tcpc(tmp, srv.start().port, host="localhost") as d:
        d.start()
        d.wait_log("connected to", timeout=10)
        d.pty.write(b"by name")
        wait_for(lambda: srv.received() == b"by name", 5, "data")
        d.stop()


def test_tcpc_refused_outside_allow_out(tmp):
    # TEST-NET-1: outside loopback, so outside the test's allow_out.
    with tcpc(tmp, 8234, host="192.0.2.1") as d:
        d.start()
        d.wait_log(r"destination 192\.0\.2\.1:8234 is outside network\.allow_out; not dialled")
        time.sleep(1.5)
        assert d.log_count("connected to") == 0
        assert d.log_count("cannot connect") == 0, "a refused destination was dialled"
        d.stop()


def test_tcpc_refused_loopback_when_not_allowed(tmp):
    with Server() as srv:
        srv.start()
        with Daemon(tmp, 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                    'network = { allow_out = [ "10.0.0.0/8" ]; allow_in = [ "127.0.0.0/8" ]; };'
                    % srv.port) as d:
            d.start()
            d.wait_log("outside network.allow_out")
            time.sleep(2.0)
            assert not srv.conns, "the daemon connected to a refused destination"
            d.stop()


def test_721_stuck_link_does_not_stall_the_others(tmp):
    """Congestion is per link: with four links (the 721), a TCP server link
    whose one client never reads fills that link's queue, then its offline
    cache, then loses its oldest bytes, counted; the serial line is not
    paused for the other links (a lone 30X link pauses it instead, as
    before: test_tcps), and a link whose server reads gets every byte, in
    order."""
    import json
    sport = free_port()
    with Server() as good:
        good.start()
        settings = ('link1 = { mode = "TCPS"; port = %d; };\n'
                    'link2 = { enabled = true; mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                    'tcps = { client_queue = 4096; };\n'
                    'serial = { device = "%s"; pack_gap_us = 0; };'
                    % (sport, good.port, os.path.join(tmp, "d-tty")))
        with Daemon(tmp, settings, personality="gprs232-721") as d:
            d.start()
            stuck = socket.socket()
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.connect(("127.0.0.1", sport))
            d.wait_log("client 1 connected")
            wait_for(lambda: good.conns, 10, "link2's connection")
            n = 8 * MIB
            data = random_bytes(n, seed=41)
            d.pty.write(data)
            wait_for(lambda: len(good.received()) >= n, 60, "8 MiB at the reading server")
            assert good.received() == data, "the reading link lost or reordered bytes"

            def link1():
                return json.loads(d.ctl("status", "--json")[1])["links"][0]
            l1 = link1()
            assert l1["cache_dropped"] + l1["tx_dropped"] > 0, l1
            assert l1["cache_bytes"] <= l1["cache_max"], l1
            # The data went by while the client that never reads was
            # still connected: nothing waited for it to be dropped.
            assert l1["clients_dropped"] == 0 and l1["connections"] == 1, l1
            stuck.close()
            d.stop()



def test_tcpc_keepalive_reconnects_after_the_server_vanished(tmp):
    """A server that loses power sends no FIN: keepalive (shortened here)
    finds it, and the link reconnects once the server is back. The server,
    on 127.0.0.2, vanishes into a blackhole route and comes back."""
    with VanishingPeer() as ns:
        port = free_port()
        server = ns.tcp_server(port)
        net = 'network = { allow_out = %s; allow_in = %s; };\n' % (LOOPBACK_ONLY, LOOPBACK_ONLY)
        with tcpc(tmp, port, net + 'bridge = { reconnect_max = 2; };\n'
                  'tcp = { keepalive_idle = 1; keepalive_interval = 1; keepalive_count = 2;'
                  ' user_timeout = 3; };', host=ns.PEER) as d:
            d.start()
            d.wait_log("connected to %s" % ns.PEER)
            assert server.stdout.readline().strip() == "accepted"
            ns.vanish()
            d.wait_log(r"connection to %s:%d lost: Connection timed out" % (ns.PEER, port),
                       timeout=60)
            ns.come_back()
            d.wait_log("connected to %s" % ns.PEER, count=2, timeout=60)
            assert server.stdout.readline().strip() == "accepted"
            d.stop()

run_tests(globals())
