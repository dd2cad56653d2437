"""The USR-GPRS232-721's four data-centre links (seed 003 §2.1.1-§2.5,
PROTOCOLS.md §4) with four recording servers on loopback, TCP and UDP:
fan-out and fan-in, the local port of each link (CINETPT), per-link offline
caches (a server killed and restarted while the MCU writes), registration
packet mode 0 and 1, heartbeats to the network and to the serial line,
heartbeat failure (sends that fail; nothing acknowledged), short
connections, RTIME as status shows it, the LEDs, and status of the four
links. The links are configured through the config file (link1 = {...})."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Server, Skip, VanishingPeer, free_port,  # noqa: E402
                     random_bytes, run_tests, wait_for)
from peers import (UdpRecorder, led_samples, led_tree, led_value,  # noqa: E402
                   traffic_bursts)

P721 = "gprs232-721"


def link(n, port, mode="TCPC", host="127.0.0.1", extra=""):
    return ('link%d = { host = "%s"; port = %d; mode = "%s"; enabled = "ON";%s };\n'
            % (n, host, port, mode, extra))


def status(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def wait_up(d, links, timeout=15):
    wait_for(lambda: all(status(d)["links"][i - 1]["state"] == "up" for i in links), timeout,
             "links %s up" % (links,))


class NoReadServer:
    """A TCP server whose connections never read, with a tiny receive
    window: a data centre that stopped taking data but still acknowledges."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while self.running:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


def test_four_links_both_ways_and_local_ports(tmp):
    """Every serial frame goes to all four links (three TCP, one UDP); data
    from any link comes out of the serial line; each link's CINETPT is the
    source port its server sees."""
    servers = [Server().start() for _ in range(3)]
    udp = UdpRecorder()
    lports = [free_port() for _ in range(4)]
    conf = "".join(link(i + 1, s.port, extra=" local_port = %d;" % lports[i])
                   for i, s in enumerate(servers))
    conf += link(4, udp.port, "UDPC", extra=" local_port = %d;" % lports[3])
    try:
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            wait_up(d, (1, 2, 3, 4))
            for i, s in enumerate(servers):
                wait_for(lambda: s.conns, 10, "link%d's connection" % (i + 1))
                assert s.conns[0].getpeername()[1] == lports[i], (i, s.conns[0].getpeername())
            data = random_bytes(8 * 1024, seed=7)
            for k in range(0, len(data), 1024):
                d.pty.write(data[k:k + 1024])
                time.sleep(0.01)
            for i, s in enumerate(servers):
                wait_for(lambda: len(s.received()) >= len(data), 15, "link%d's bytes" % (i + 1))
                assert s.received() == data, "link%d lost or reordered bytes" % (i + 1)
            wait_for(lambda: len(b"".join(udp.datagrams())) >= len(data), 15, "UDP bytes")
            assert b"".join(udp.datagrams()) == data
            assert udp.last_peer()[1] == lports[3], udp.last_peer()
            st = status(d)
            assert [l["local_port"] for l in st["links"]] == lports, st["links"]
            # Network -> serial from every link, UDP included.
            d.pty.drain(0.2)
            for i, s in enumerate(servers):
                s.send_all(b"<from%d>" % (i + 1))
                assert d.pty.read_until(b"<from%d>" % (i + 1), 5)
            udp.sendto(b"<from4>", ("127.0.0.1", lports[3]))
            assert d.pty.read_until(b"<from4>", 5)
            d.stop()
    finally:
        for s in servers:
            s.stop()
        udp.close()


def test_killed_server_cache_and_the_others(tmp):
    """link2's server dies and comes back twice while the MCU keeps writing:
    within 15 KiB nothing is lost on link2; beyond, its oldest frames are
    dropped and counted on link2 alone; the other three links get every
    byte, in order, throughout."""
    servers = [Server().start() for _ in range(4)]
    conf = "".join(link(i + 1, s.port) for i, s in enumerate(servers))
    conf += "bridge = { reconnect_max = 1; };\n"
    sent = bytearray()
    seq = [0]

    def write_frames(n):
        # 1024-byte frames (CIPCFG LEN), numbered, so a drop shows where.
        for _ in range(n):
            f = (b"%08d" % seq[0]) * 128
            seq[0] += 1
            d.pty.write(f)
            sent.extend(f)
            time.sleep(0.005)

    def link_state(i):
        return status(d)["links"][i - 1]

    try:
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            wait_up(d, (1, 2, 3, 4))
            write_frames(8)
            wait_for(lambda: len(servers[1].received()) == len(sent), 10, "link2 before")
            # Down 1: 10 KiB while link2's server is gone (< 15 KiB).
            servers[1].stop()
            wait_for(lambda: link_state(2)["state"] != "up", 10, "link2 down")
            before = len(sent)
            write_frames(10)
            wait_for(lambda: link_state(2)["cache_bytes"] == 10 * 1024, 10, "link2's cache")
            servers[1] = Server(port=servers[1].port).start()
            wait_for(lambda: len(servers[1].received()) >= len(sent) - before, 20,
                     "link2's cached frames after the restart")
            assert servers[1].received() == bytes(sent[before:]), "link2 lost cached bytes"
            assert link_state(2)["cache_dropped"] == 0
            # Down 2: 40 KiB: the newest frames that fit in 15 KiB are kept
            # (15 of them when each read made one 1024-byte frame), the
            # oldest dropped and counted.
            servers[1].stop()
            wait_for(lambda: link_state(2)["state"] != "up", 10, "link2 down again")
            before = len(sent)
            write_frames(40)
            wait_for(lambda: link_state(2)["cache_bytes"] + link_state(2)["cache_dropped"] ==
                     40 * 1024, 10, "40 KiB cached or dropped on link2")
            kept, dropped = link_state(2)["cache_bytes"], link_state(2)["cache_dropped"]
            assert kept <= 15 * 1024 and dropped >= 25 * 1024, (kept, dropped)
            servers[1] = Server(port=servers[1].port).start()
            wait_for(lambda: len(servers[1].received()) >= kept, 20, "the newest frames")
            time.sleep(0.3)
            assert servers[1].received() == bytes(sent[before + dropped:]), \
                "link2 did not get the newest frames in order"
            write_frames(2)
            for i in (0, 2, 3):
                wait_for(lambda: len(servers[i].received()) >= len(sent), 15,
                         "link%d's bytes" % (i + 1))
                assert servers[i].received() == bytes(sent), "link%d lost bytes" % (i + 1)
                assert link_state(i + 1)["cache_dropped"] == 0
            wait_for(lambda: servers[1].received().endswith(bytes(sent[-2048:])), 10,
                     "link2 after the second restart")
            st = status(d)
            assert st["links"][1]["reconnects"] == 2, st["links"][1]
            assert [l["reconnects"] for l in st["links"]][2:] == [0, 0]
            d.stop()
    finally:
        for s in servers:
            s.stop()


def test_registration_mode_0_and_1(tmp):
    """AT+CIPPACK=1 mode 0: the registration packet once per connection (UDP:
    before the first datagram); mode 1: in front of every frame."""
    srv = Server().start()
    udp = UdpRecorder()
    try:
        conf = link(1, srv.port) + link(2, udp.port, "UDPC")
        with Daemon(tmp, conf + 'reg = { data = "REG1"; send = "FIRST"; };\n'
                    'bridge = { reconnect_max = 1; };', personality=P721) as d:
            d.start()
            wait_up(d, (1, 2))
            wait_for(lambda: srv.received() == b"REG1", 10, "the packet on connect")
            d.pty.write(b"one")
            time.sleep(0.3)
            d.pty.write(b"two")
            wait_for(lambda: srv.received() == b"REG1onetwo", 10, "frames after it")
            wait_for(lambda: len(udp.datagrams()) >= 3, 10, "datagrams")
            assert udp.datagrams() == [b"REG1", b"one", b"two"], udp.datagrams()
            # A new connection sends it again.
            srv.conns[0].shutdown(socket.SHUT_RDWR)
            wait_for(lambda: len(srv.data) == 2 and bytes(srv.data[1]) == b"REG1", 15,
                     "the packet on the new connection")
            d.stop()
        sub = os.path.join(tmp, "every")
        os.mkdir(sub)
        srv2 = Server().start()
        udp2 = UdpRecorder()
        conf = link(1, srv2.port) + link(2, udp2.port, "UDPC")
        with Daemon(sub, conf + 'reg = { data = "REG1"; send = "EVERY"; };',
                    personality=P721) as d:
            d.start()
            wait_up(d, (1, 2))
            d.pty.write(b"one")
            time.sleep(0.3)
            d.pty.write(b"two")
            wait_for(lambda: srv2.received() == b"REG1oneREG1two", 10, "prefixed frames")
            wait_for(lambda: len(udp2.datagrams()) >= 2, 10, "datagrams")
            assert udp2.datagrams() == [b"REG1one", b"REG1two"], udp2.datagrams()
            d.stop()
        srv2.stop()
        udp2.close()
    finally:
        srv.stop()
        udp.close()


def test_heartbeat_both_directions(tmp):
    """AT+CIPPACK=0 direction 0: the heartbeat to each connected link after
    HEAT s without a frame on it (TCP and UDP); direction 1: to the serial
    line every HEAT s, and not to the links."""
    srv = Server().start()
    udp = UdpRecorder()
    try:
        conf = link(1, srv.port) + link(2, udp.port, "UDPC")
        with Daemon(tmp, conf + 'heartbeat = { interval = 1; data = "HB"; type = "NET"; };',
                    personality=P721) as d:
            d.start()
            wait_for(lambda: srv.received().count(b"HB") >= 2, 10, "heartbeats on link1")
            wait_for(lambda: udp.datagrams().count(b"HB") >= 2, 10, "heartbeats on link2")
            assert set(udp.datagrams()) == {b"HB"}
            assert d.pty.read(0.5) == b"", "a network heartbeat reached the serial line"
            d.stop()
        sub = os.path.join(tmp, "com")
        os.mkdir(sub)
        srv2 = Server().start()
        with Daemon(sub, link(1, srv2.port) +
                    'heartbeat = { interval = 1; data = "HB"; type = "COM"; };',
                    personality=P721) as d:
            d.start()
            got = d.pty.read_until(b"HBHB", 8)
            assert got == b"HBHB", got
            assert srv2.received() == b"", "a serial heartbeat went to the network"
            d.stop()
        srv2.stop()
    finally:
        srv.stop()
        udp.close()


def test_heartbeat_failure_sends(tmp):
    """seed 003 §2.3: a server that takes no more data: its link's queue
    fills, the heartbeats cannot be sent, and after more than 3 failures
    the link is closed and reconnected, logged and counted; link2, whose
    server reads, is not touched."""
    stuck = NoReadServer()
    good = Server().start()
    try:
        conf = (link(1, stuck.port) + link(2, good.port) +
                'heartbeat = { interval = 1; data = "HB"; type = "NET"; };\n'
                'tcps = { client_queue = 4096; };\nbridge = { reconnect_max = 1; };')
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            wait_up(d, (1, 2))
            data = random_bytes(4 << 20, seed=3)
            d.pty.write(data)
            d.wait_log(r"link1: heartbeat failure: more than 3 heartbeats could not be sent",
                       timeout=30)
            wait_for(lambda: len(stuck.conns) >= 2, 15, "link1 reconnected")
            st = status(d)
            assert st["links"][0]["heart_failures"] >= 1, st["links"][0]
            assert st["links"][1]["heart_failures"] == 0
            wait_for(lambda: len(good.received()) >= len(data), 30, "link2's bytes")
            assert data in good.received(), "link2 lost bytes"
            rc, out, _ = d.ctl("status")
            assert "heartbeat failures" in out, out
            d.stop()
    finally:
        stuck.close()
        good.stop()


def test_heartbeat_failure_nothing_acknowledged(tmp):
    """A data centre that loses power sends no FIN and no ACK: with TCP
    keepalive off, the heartbeat's TCP_INFO watch finds that nothing was
    acknowledged for 3 intervals, closes the link and reconnects once the
    server is back. The server, on 127.0.0.2, vanishes into a blackhole
    route inside the test's own namespace."""
    with VanishingPeer() as ns:
        port = free_port()
        server = ns.tcp_server(port)
        conf = (link(1, port, host=ns.PEER) +
                'heartbeat = { interval = 1; data = "HB"; type = "NET"; };\n'
                'tcp = { keepalive_idle = 0; user_timeout = 0; };\n'
                'bridge = { reconnect_max = 2; };')
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            d.wait_log("connected to %s" % ns.PEER)
            assert server.stdout.readline().strip() == "accepted"
            ns.vanish()
            d.wait_log(r"link1: heartbeat failure: nothing acknowledged for 3 heartbeat "
                       r"intervals", timeout=30)
            assert status(d)["links"][0]["heart_failures"] == 1
            ns.come_back()
            d.wait_log("connected to %s" % ns.PEER, count=2, timeout=60)
            assert server.stdout.readline().strip() == "accepted"
            st = status(d)["links"][0]
            assert st["reconnects"] >= 1 and st["state"] == "up", st
            d.stop()


def test_rtime_in_force(tmp):
    """RTIME (AT+CIPCFG field 6) as status shows it: 600 s and more restart
    after that long without data either way, and data either way starts
    the count again; below 600 it is off. (The restart itself is the pure
    liveness_idle_left() decision, unit-tested: a 600 s wait has no place
    in make check.)"""
    srv = Server().start()
    try:
        with Daemon(tmp, link(1, srv.port) + "dtu = { idle_restart = 600; };",
                    personality=P721) as d:
            d.start()
            wait_up(d, (1,))
            b = status(d)["bridge"]
            assert b["idle_restart_s"] == 600 and b["idle_restart_set"] == 600, b
            time.sleep(1.5)
            left = status(d)["bridge"]["idle_restart_in_s"]
            assert left < 599.0, left
            d.pty.write(b"serial data")
            wait_for(lambda: srv.received() == b"serial data", 5, "the frame")
            wait_for(lambda: status(d)["bridge"]["idle_restart_in_s"] > left + 1.0, 5,
                     "serial data to restart the count")
            time.sleep(1.5)
            left = status(d)["bridge"]["idle_restart_in_s"]
            srv.send_all(b"network data")
            d.pty.read_until(b"network data", 5)
            wait_for(lambda: status(d)["bridge"]["idle_restart_in_s"] > left + 1.0, 5,
                     "network data to restart the count")
            rc, out, _ = d.ctl("status")
            assert "restart after 600 s without data" in out, out
            d.stop()
        sub = os.path.join(tmp, "off")
        os.mkdir(sub)
        with Daemon(sub, link(1, srv.port) + "dtu = { idle_restart = 599; };",
                    personality=P721) as d:
            d.start()
            b = status(d)["bridge"]
            assert b["idle_restart_s"] == 0 and b["idle_restart_set"] == 599, b
            assert b["idle_restart_in_s"] is None, b
            rc, out, _ = d.ctl("status")
            assert "no idle restart (599 s is below 600)" in out, out
            d.stop()
    finally:
        srv.stop()


def test_short_connections(tmp):
    """AT+CISOCLINK=0 (bridge.short_conn): no connection until a frame
    waits; then every TCP link connects and sends it; each closes after
    10 s without data (the 721's fixed time); a UDP link just sends."""
    servers = [Server().start() for _ in range(2)]
    udp = UdpRecorder()
    try:
        conf = (link(1, servers[0].port) + link(2, servers[1].port) +
                link(3, udp.port, "UDPC") + 'bridge = { short_conn = "ON"; };')
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            time.sleep(1.0)
            assert not servers[0].conns and not servers[1].conns, "connected without data"
            assert "waiting for data" in status(d)["links"][0]["why"]
            t0 = time.monotonic()
            d.pty.write(b"frame")
            for i, s in enumerate(servers):
                wait_for(lambda: s.received() == b"frame", 10, "link%d's frame" % (i + 1))
            wait_for(lambda: udp.datagrams() == [b"frame"], 10, "the datagram")
            for i in (1, 2):
                d.wait_log(r"link%d: closing the connection to .* after 10 s idle" % i,
                           timeout=30)
            assert time.monotonic() - t0 >= 9.0, "closed before 10 s"
            assert [l["state"] for l in status(d)["links"][:2]] == ["down", "down"]
            d.pty.write(b"again")
            for s in servers:
                wait_for(lambda: len(s.conns) == 2 and s.received() == b"frameagain", 10,
                         "a new connection for the next frame")
            d.stop()
    finally:
        for s in servers:
            s.stop()
        udp.close()


def test_leds_pow_net_data(tmp):
    """seed 003 §2.5: POW lit while running; NET lit while the host has a
    default route (one is added and removed in the test's own network
    namespace: nothing is sent through it); DATA lit while a link is up and
    blinking on traffic."""
    if os.geteuid() != 0 or not os.environ.get("USRB_PRIVATE_MOUNTS"):
        raise Skip("needs root and the private network namespace of tests/run-isolated")
    import subprocess
    root = led_tree(os.path.join(tmp, "sys"), ("pwr", "net", "data"))
    srv = Server().start()
    try:
        conf = (link(1, srv.port) + 'leds = { root = "%s"; power = "class/leds/pwr"; '
                'net = "class/leds/net"; data = "class/leds/data"; };' % root)
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            assert led_value(root, "pwr") == "1"
            wait_up(d, (1,))
            wait_for(lambda: led_value(root, "data") == "1", 5, "DATA lit with link1 up")
            assert led_value(root, "net") == "0", "NET lit without a default route"
            subprocess.run(["ip", "route", "add", "default", "dev", "lo"], check=True)
            try:
                wait_for(lambda: led_value(root, "net") == "1", 5, "NET lit")
            finally:
                subprocess.run(["ip", "route", "del", "default", "dev", "lo"], check=True)
            wait_for(lambda: led_value(root, "net") == "0", 5, "NET dark again")

            def during():
                traffic_bursts(d.pty)
                wait_for(lambda: len(srv.received()) == 140, 5, "the traffic")
                time.sleep(0.3)
            seen = led_samples(lambda: led_value(root, "data"), during)
            darks = sum(1 for a, b in zip(seen, seen[1:]) if a == "1" and b == "0")
            assert darks >= 2, "DATA did not blink: %d" % darks
            assert led_value(root, "data") == "1"
            srv.stop()
            wait_for(lambda: led_value(root, "data") == "0", 10, "DATA dark with no link up")
            d.stop()
            assert led_value(root, "pwr") == "0"
    finally:
        srv.stop()


def test_status_of_the_four_links(tmp):
    """usrbridgectl status and --json show each of the four links with its
    mode, destination, local port, state and why it is not up, the cache,
    and what the bridge runs with (heartbeat, registration)."""
    srv = Server().start()
    dead = free_port()
    udp = UdpRecorder()
    lport = free_port()
    try:
        conf = (link(1, srv.port, extra=" local_port = %d;" % lport) + link(2, dead) +
                link(3, udp.port, "UDPC") +
                'link4 = { host = "127.0.0.1"; port = 9; mode = "TCPC"; enabled = "OFF"; };\n'
                'heartbeat = { interval = 30; data = "HB"; type = "NET"; };\n'
                'reg = { data = "REG1"; send = "EVERY"; };')
        with Daemon(tmp, conf, personality=P721) as d:
            d.start()
            wait_up(d, (1, 3))
            d.pty.write(b"cached")
            wait_for(lambda: status(d)["links"][1]["cache_bytes"] == 6, 10, "link2's cache")
            st = status(d)
            l1, l2, l3, l4 = st["links"]
            assert (l1["mode"], l1["state"], l1["destination"], l1["local_port"]) == \
                ("TCPC", "up", "127.0.0.1:%d" % srv.port, lport), l1
            assert l2["state"] in ("backoff", "connecting") and l2["why"], l2
            assert l2["destination"] == "127.0.0.1:%d" % dead
            assert (l3["mode"], l3["state"]) == ("UDPC", "up"), l3
            assert (l4["active"], l4["state"], l4["why"]) == \
                (False, "off", "disabled (enabled = OFF)"), l4
            assert all(l["cache_max"] == 15360 for l in st["links"])
            assert st["bridge"]["heartbeat_net_s"] == 30 and \
                st["bridge"]["registration"] == "EVERY", st["bridge"]
            rc, out, _ = d.ctl("status")
            assert rc == 0
            assert "to 127.0.0.1:%d from port %d" % (srv.port, lport) in out, out
            assert "link2    TCPC" in out and "not up: " in out, out
            assert "link4    off: disabled (enabled = OFF)" in out, out
            assert "cache 6/15360 B" in out, out
            assert "heartbeat to the network every 30 s (2 B), registration EVERY (4 B)" \
                in out, out
            d.stop()
    finally:
        srv.stop()
        udp.close()


run_tests(globals())
