"""USR setup-software discovery (PROTOCOLS.md §6): with discovery.enabled
the daemon answers both searches on UDP port 1500 from 127.0.0.1, to the
searcher only, with every field from the settings and the interface the
search came in on (lo: its MAC from /sys/class/net/lo/address, 127.0.0.1,
255.0.0.0); garbage gets nothing and is counted; off by default; a busy port
is retried and status says why."""

import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Skip, run_tests, wait_for  # noqa: E402

PORT = 1500
SEARCH = bytes.fromhex("FF010102")
LEGACY = b"0123456789" * 4


def lo_mac():
    with open("/sys/class/net/lo/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def status(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def client():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.settimeout(3)
    return u


def ask(u, req):
    u.sendto(req, ("127.0.0.1", PORT))
    data, src = u.recvfrom(2048)
    assert src == ("127.0.0.1", PORT), src
    return data


def nothing(u, wait=0.5):
    u.settimeout(wait)
    try:
        data = u.recvfrom(2048)
        raise AssertionError("unexpected reply %r" % (data,))
    except socket.timeout:
        pass
    finally:
        u.settimeout(3)


def needs_port():
    """Port 1500 is fixed: the test needs it free (its own namespace)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("0.0.0.0", PORT))
    except OSError as e:
        raise Skip("UDP port %d is taken here (%s)" % (PORT, e.strerror))
    finally:
        s.close()


SETTINGS = ('discovery = { enabled = true; };\n'
            'device = { name = "BOARD-7"; version = "V4016"; };\n'
            'serial = { baud = 57600; data_bits = 7; parity = "EVEN"; stop_bits = 2; '
            'baud_sync = "OFF"; };\n'
            'link1 = { mode = "TCPC"; host = "127.0.0.9"; port = 8899; local_port = 4321; };\n'
            'network = { allow_out = [ "127.0.0.0/8", "::1" ]; allow_in = [ "127.0.0.0/8", "::1" ];'
            ' wan_gateway = "192.168.7.1"; };\n'
            'bridge = { client_reset = "ON"; link_output = "ON"; };\n')


def test_both_searches_every_field(tmp):
    needs_port()
    with Daemon(tmp, SETTINGS) as d:
        # The serial group replaces the harness's: keep its device.
        d.write_config(d.settings.replace("serial = {", 'serial = { device = "%s"; '
                                          'lock_dir = ""; ' % d.tty_link))
        d.start()
        d.wait_log("discovery: answering")
        mac = lo_mac()
        assert len(mac) == 6
        u = client()

        r = ask(u, SEARCH)
        assert len(r) == 36, r.hex()
        assert r[:5] == bytes.fromhex("FF24010000")
        assert r[5:9] == bytes([127, 0, 0, 1])             # IP, network order
        assert r[9:15] == mac                               # lo's MAC
        assert r[15:17] == bytes.fromhex("B00F")            # 4016, little-endian
        assert r[17:19] == b"\0\0"
        assert r[19:35] == b"BOARD-7".ljust(16, b"\0")      # MID
        assert r[35] == (-sum(r[:35])) & 0xFF               # the checksum
        assert sum(r) & 0xFF == 0

        r = ask(u, LEGACY)
        assert len(r) == 35, r.hex()
        assert r[0:6] == mac
        assert r[6] == 0xB0                                 # version, low byte
        assert r[7:11] == bytes([9, 0, 0, 127])             # link1 host, reversed
        assert struct.unpack("<H", r[11:13])[0] == 8899     # link1 port
        assert r[13:17] == bytes([1, 0, 0, 127])            # own IP, reversed
        assert struct.unpack("<H", r[17:19])[0] == 4321     # own (local) port
        assert r[19:23] == bytes([1, 7, 168, 192])          # gateway, reversed
        assert r[23] == 1                                   # TCPC
        assert r[24] | r[25] << 8 | r[26] << 16 == 57600    # baud, little-endian
        assert r[27] == 0x02 | 0x04 | 0x08 | 0x10           # 7 bits, 2 stop, even
        assert r[28:30] == b"\0\0"                          # id
        assert r[30] == 0x10 | 0x20                         # CLIENTRST, SCSLINK
        assert r[31:35] == bytes([0, 0, 0, 255])            # 255.0.0.0, reversed

        # Garbage: nothing back, counted.
        for junk in (b"", b"\xff\x01\x01", SEARCH + b"\0", LEGACY[:-1], LEGACY + b"0",
                     b"\xff\x13\x02\x00", os.urandom(1400)):
            u.sendto(junk, ("127.0.0.1", PORT))
            nothing(u, 0.2)
        st = wait_for(lambda: (lambda s: s if s["ignored"] == 7 else None)(
            status(d)["discovery"]), 5, "7 ignored")
        assert st["searches"] == 1 and st["legacy"] == 1 and st["refused"] == 0, st
        assert st["enabled"] and st["listening"] and st["why"] == "", st
        assert "searches answered 1, legacy 1, ignored 7" in d.ctl("status")[1]
        # A second searcher gets its own reply; the first gets nothing.
        v = client()
        assert len(ask(v, SEARCH)) == 36
        nothing(u, 0.3)
        d.stop()


def test_off_by_default_and_allow_in(tmp):
    needs_port()
    with Daemon(tmp, "") as d:
        d.start()
        u = client()
        u.sendto(SEARCH, ("127.0.0.1", PORT))
        nothing(u)
        st = status(d)["discovery"]
        assert not st["enabled"] and not st["listening"], st
        assert "discovery off" in d.ctl("status")[1]
        d.stop()
    with Daemon(tmp, 'discovery = { enabled = true; };\n'
                'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "10.0.0.0/8" ]; };',
                name="acl") as d:
        d.start()
        d.wait_log("discovery: answering")
        u = client()
        u.sendto(SEARCH, ("127.0.0.1", PORT))
        nothing(u)
        d.wait_log("outside network.allow_in")
        assert status(d)["discovery"]["refused"] == 1
        d.stop()


def test_busy_port_is_retried(tmp):
    needs_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("0.0.0.0", PORT))
    with Daemon(tmp, "discovery = { enabled = true; };") as d:
        d.start()
        d.wait_log("discovery: cannot listen")
        st = status(d)["discovery"]
        assert not st["listening"] and "busy" in st["why"], st
        holder.close()
        d.wait_log("discovery: answering", 20)
        assert len(ask(client(), SEARCH)) == 36
        d.stop()


run_tests(globals())
