"""Identity (registration) and heartbeat packets (PROTOCOLS.md §3) seen by
real TCP and UDP peers on loopback: REGEN MAC/USR/CLOUD with REGTCP
FIRST/EVERY/ALL, HEARTTP NET (only when no frame went out) and COM."""

import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import LOOPBACK_ONLY, Daemon, free_port, run_tests, wait_for  # noqa: E402
from peers import TimedServer, UdpRecorder  # noqa: E402

MAC = "0A1B2C3D4E5F"
NETWORK = 'network = { allow_out = %s; allow_in = %s; user_mac = "%s"; };\n' % (
    LOOPBACK_ONLY, LOOPBACK_ONLY, MAC)


def client(tmp, mode, port, extra):
    return Daemon(tmp, 'link1 = { mode = "%s"; host = "127.0.0.1"; port = %d; };\n%s'
                  % (mode, port, extra))


def frames(d, *parts):
    """Writes each part as its own frame (well over the packing gap apart)."""
    for p in parts:
        d.pty.write(p)
        time.sleep(0.2)


def test_mac_first_at_every_connection(tmp):
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port,
                                      NETWORK + 'reg = { mode = "MAC"; send = "FIRST"; };') as d:
        d.start()
        # At connect, before any serial data.
        wait_for(lambda: len(srv.data(0)) >= 6, 10, "the identity packet")
        assert srv.data(0) == bytes.fromhex(MAC), srv.data(0)
        frames(d, b"one", b"two")
        wait_for(lambda: srv.data(0).endswith(b"two"), 5, "the frames")
        assert srv.data(0) == bytes.fromhex(MAC) + b"onetwo", srv.data(0)
        # A new connection sends it again.
        srv.conns[0]["sock"].close()
        wait_for(lambda: srv.count() == 2 and len(srv.data(1)) >= 6, 15, "a second connection")
        assert srv.data(1) == bytes.fromhex(MAC), srv.data(1)
        d.stop()


def test_mac_is_what_at_mac_reports(tmp):
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port,
                                      'reg = { mode = "MAC"; send = "FIRST"; };') as d:
        d.start()
        wait_for(lambda: len(srv.data(0)) >= 6, 10, "the identity packet")
        d.command_mode()
        reply = d.at("AT+MAC")
        m = re.fullmatch(rb"\r\n\+OK=([0-9A-F]{12})\r\n", reply)
        assert m, reply
        assert srv.data(0) == bytes.fromhex(m.group(1).decode()), (srv.data(0), reply)
        d.stop()


def test_usr_every_prefixes_frames_only(tmp):
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port,
                                      'reg = { mode = "USR"; send = "EVERY"; data = "ID42"; };') as d:
        d.start()
        d.wait_log("connected to")
        time.sleep(0.5)
        assert srv.data() == b"", "EVERY sent something at connect: %r" % srv.data()
        frames(d, b"a", b"b")
        wait_for(lambda: srv.data().endswith(b"ID42b"), 5, "two frames")
        assert srv.data() == b"ID42aID42b", srv.data()
        d.stop()


def test_usr_all_is_both(tmp):
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port,
                                      'reg = { mode = "USR"; send = "ALL"; data = "ID42"; };') as d:
        d.start()
        wait_for(lambda: srv.data() == b"ID42", 10, "the identity packet at connect")
        frames(d, b"a", b"b")
        wait_for(lambda: srv.data().endswith(b"ID42b"), 5, "two frames")
        assert srv.data() == b"ID42ID42aID42b", srv.data()
        d.stop()


def test_cloud_once_per_connection(tmp):
    reg = ('reg = { mode = "CLOUD"; send = "EVERY"; cloud_id = "00001234567890123456"; '
           'cloud_password = "pass1234"; };')
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port, reg) as d:
        d.start()
        wait_for(lambda: len(srv.data()) >= 28, 10, "the cloud identity")
        frames(d, b"x", b"y")
        wait_for(lambda: srv.data().endswith(b"y"), 5, "the frames")
        # id (20 bytes) then password (8), once; REGTCP does not apply.
        assert srv.data() == b"00001234567890123456pass1234xy", srv.data()
        d.stop()


def test_udpc_first_before_first_datagram(tmp):
    with UdpRecorder() as peer, client(tmp, "UDPC", peer.port,
                                       'reg = { mode = "USR"; send = "FIRST"; data = "ID42"; };') as d:
        d.start()
        d.wait_log("UDP client to")
        time.sleep(0.5)
        assert peer.datagrams() == [], "sent before the first frame"
        frames(d, b"a", b"b")
        wait_for(lambda: len(peer.datagrams()) >= 3, 5, "three datagrams")
        time.sleep(0.2)
        assert peer.datagrams() == [b"ID42", b"a", b"b"], peer.datagrams()
        d.stop()


def test_udpc_every_and_all(tmp):
    for send, want in (("EVERY", [b"ID42a", b"ID42b"]), ("ALL", [b"ID42", b"ID42a", b"ID42b"])):
        sub = os.path.join(tmp, send)
        os.mkdir(sub)
        with UdpRecorder() as peer, client(sub, "UDPC", peer.port,
                                           'reg = { mode = "USR"; send = "%s"; data = "ID42"; };'
                                           % send) as d:
            d.start()
            d.wait_log("UDP client to")
            frames(d, b"a", b"b")
            wait_for(lambda: len(peer.datagrams()) >= len(want), 5, "datagrams")
            time.sleep(0.2)
            assert peer.datagrams() == want, (send, peer.datagrams())
            d.stop()


HEART = 'heartbeat = { enabled = "ON"; type = "%s"; interval = 1; data = "HB"; };\n'
HEART2 = HEART.replace("interval = 1", "interval = 2")


def test_heartbeat_net_tcpc_cadence(tmp):
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port, HEART % "NET") as d:
        d.start()
        wait_for(lambda: len(srv.chunks(0)) >= 3, 10, "three heartbeats")
        times = [t for t, c in srv.chunks(0)]
        assert all(c == b"HB" for _, c in srv.chunks(0)[:3]), srv.chunks(0)
        opened = srv.conns[0]["opened"]
        gaps = [times[0] - opened] + [b - a for a, b in zip(times, times[1:3])]
        # HEARTTM = 1 s; generous bounds (a busy machine), never speed.
        assert all(0.7 < g < 3.0 for g in gaps), gaps
        d.stop()


def test_heartbeat_net_only_when_idle(tmp):
    # HEARTTM = 2 s against frames every 0.3 s: a stall of the test of
    # 1.7 s would be needed to let a heartbeat in legitimately.
    with TimedServer() as srv, client(tmp, "TCPC", srv.start().port, HEART2 % "NET") as d:
        d.start()
        d.wait_log("connected to")
        # Frames every 0.3 s for 3 s: no heartbeat in between.
        for i in range(10):
            d.pty.write(b"<f%d>" % i)
            time.sleep(0.3)
        wait_for(lambda: srv.data().endswith(b"<f9>"), 5, "the frames")
        data = srv.data()
        first = data.index(b"<f0>")
        assert b"HB" not in data[first:], data
        # Silence: heartbeats come back.
        wait_for(lambda: srv.data().endswith(b"HB"), 5, "a heartbeat after the frames")
        d.stop()


def test_heartbeat_net_udpc(tmp):
    with UdpRecorder() as peer, client(tmp, "UDPC", peer.port, HEART % "NET") as d:
        d.start()
        wait_for(lambda: len(peer.datagrams()) >= 2, 10, "two heartbeats")
        assert peer.datagrams()[:2] == [b"HB", b"HB"], peer.datagrams()
        d.stop()


def test_heartbeat_net_udpc_after_identity(tmp):
    with UdpRecorder() as peer, client(tmp, "UDPC", peer.port, HEART % "NET" +
                                       'reg = { mode = "USR"; send = "FIRST"; data = "ID42"; };') as d:
        d.start()
        wait_for(lambda: len(peer.datagrams()) >= 3, 10, "identity and heartbeats")
        # The identity goes before the first datagram, heartbeats included.
        assert peer.datagrams()[:3] == [b"ID42", b"HB", b"HB"], peer.datagrams()
        d.stop()


def test_heartbeat_com_writes_serial(tmp):
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (free_port(), HEART % "COM")) as d:
        d.start()
        t0 = time.monotonic()
        got = bytearray()
        while time.monotonic() - t0 < 3.6:
            got += d.pty.read(0.2)
        # One every second, whatever the network does: 2 to 4 in 3.6 s.
        assert 2 <= got.count(b"HB") <= 4 and got.replace(b"HB", b"") == b"", bytes(got)
        d.stop()


def test_heartbeat_net_not_for_servers(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (port, HEART % "NET")) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        c.settimeout(2.5)
        try:
            got = c.recv(100)
        except socket.timeout:
            got = b""
        assert got == b"", "TCPS sent a NET heartbeat: %r" % got
        d.stop()


run_tests(globals())
