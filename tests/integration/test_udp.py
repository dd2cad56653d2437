"""UDPS and UDPC over a pty with real UDP peers on loopback (PROTOCOLS.md §3)."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, random_bytes, run_tests, wait_for  # noqa: E402

MIB = 1024 * 1024


def udp_socket(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * MIB)
    s.bind(("127.0.0.1", port))
    return s


def collect(sock, n, timeout=30):
    """Reads datagrams until n bytes arrived; returns (bytes, datagram sizes)."""
    sock.settimeout(timeout)
    out, sizes = bytearray(), []
    while len(out) < n:
        d = sock.recv(65536)
        out += d
        sizes.append(len(d))
    return bytes(out), sizes


def paced_pty_write(d, data, chunk=16384, pause=0.01):
    for i in range(0, len(data), chunk):
        d.pty.write(data[i:i + chunk])
        time.sleep(pause)


def paced_send(sock, data, dest=None, size=1024, burst=16, pause=0.01):
    for n, i in enumerate(range(0, len(data), size)):
        if dest:
            sock.sendto(data[i:i + size], dest)
        else:
            sock.send(data[i:i + size])
        if n % burst == burst - 1:
            time.sleep(pause)


def test_udps_1mib_each_way(tmp):
    port = free_port(socket.SOCK_DGRAM)
    with Daemon(tmp, 'link1 = { mode = "UDPS"; port = %d; };' % port) as d:
        d.start()
        c = udp_socket()
        c.sendto(b"hello", ("127.0.0.1", port))
        assert d.pty.read_exactly(5) == b"hello"
        up = random_bytes(MIB, seed=41)
        got = {}
        t = threading.Thread(target=lambda: got.update(net=collect(c, MIB)))
        t.start()
        paced_pty_write(d, up)
        t.join(35)
        data, sizes = got["net"]
        assert data == up, "serial -> UDP differs"
        assert max(sizes) <= 400, "a datagram is longer than the packing length"
        down = random_bytes(MIB, seed=42)
        t = threading.Thread(target=paced_send, args=(c, down, ("127.0.0.1", port)))
        t.start()
        assert d.pty.read_exactly(MIB, 30) == down, "UDP -> serial differs"
        t.join()
        d.stop()


def test_udps_replies_to_last_sender(tmp):
    port = free_port(socket.SOCK_DGRAM)
    with Daemon(tmp, 'link1 = { mode = "UDPS"; port = %d; };' % port) as d:
        d.start()
        a, b = udp_socket(), udp_socket()
        a.sendto(b"from-a", ("127.0.0.1", port))
        assert d.pty.read_exactly(6) == b"from-a"
        d.pty.write(b"to-a")
        a.settimeout(5)
        assert a.recv(100) == b"to-a"
        b.sendto(b"from-b", ("127.0.0.1", port))
        assert d.pty.read_exactly(6) == b"from-b"
        d.pty.write(b"to-b")
        b.settimeout(5)
        assert b.recv(100) == b"to-b"
        a.settimeout(0.5)
        try:
            extra = a.recv(100)
            raise AssertionError("the earlier peer still gets data: %r" % extra)
        except socket.timeout:
            pass
        d.stop()


def test_udps_caches_until_first_peer(tmp):
    port = free_port(socket.SOCK_DGRAM)
    with Daemon(tmp, 'link1 = { mode = "UDPS"; port = %d; };' % port) as d:
        d.start()
        d.pty.write(b"before-any-peer")
        time.sleep(0.3)
        c = udp_socket()
        c.sendto(b"x", ("127.0.0.1", port))
        c.settimeout(5)
        assert c.recv(100) == b"before-any-peer"
        d.stop()


def test_udpc_1mib_each_way(tmp):
    server = udp_socket()
    sport = server.getsockname()[1]
    local = free_port(socket.SOCK_DGRAM)
    with Daemon(tmp, 'link1 = { mode = "UDPC"; host = "127.0.0.1"; port = %d; local_port = %d; };'
                % (sport, local)) as d:
        d.start()
        d.wait_log("UDP client to 127.0.0.1:%d" % sport)
        up = random_bytes(MIB, seed=51)
        got = {}
        t = threading.Thread(target=lambda: got.update(net=collect(server, MIB)))
        t.start()
        paced_pty_write(d, up)
        t.join(35)
        assert got["net"][0] == up, "serial -> UDP differs"
        down = random_bytes(MIB, seed=52)
        t = threading.Thread(target=paced_send, args=(server, down, ("127.0.0.1", local)))
        t.start()
        assert d.pty.read_exactly(MIB, 30) == down, "UDP -> serial differs"
        t.join()
        d.stop()


def test_udpc_ignores_other_peers(tmp):
    server = udp_socket()
    sport = server.getsockname()[1]
    local = free_port(socket.SOCK_DGRAM)
    with Daemon(tmp, 'link1 = { mode = "UDPC"; host = "127.0.0.1"; port = %d; local_port = %d; };'
                % (sport, local)) as d:
        d.start()
        d.wait_log("UDP client to")
        stranger = udp_socket()
        stranger.sendto(b"intruder", ("127.0.0.1", local))
        server.sendto(b"server", ("127.0.0.1", local))
        assert d.pty.read_exactly(6) == b"server"
        assert d.pty.read(0.5) == b"", "data from another peer reached the serial line"
        d.pty.write(b"reply")
        server.settimeout(5)
        data, addr = server.recvfrom(100)
        assert data == b"reply" and addr[1] == local, (data, addr)
        d.stop()


def test_udpc_refused_outside_allow_out(tmp):
    with Daemon(tmp, 'link1 = { mode = "UDPC"; host = "192.0.2.1"; port = 8234; };') as d:
        d.start()
        d.wait_log("outside network.allow_out; not dialled")
        d.pty.write(b"must not leave")
        time.sleep(0.5)
        assert d.log_count("UDP client to") == 0
        d.stop()


run_tests(globals())
