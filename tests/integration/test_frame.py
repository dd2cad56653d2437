"""The 721's frame mode (AT+CIMOD=1, PROTOCOLS.md §5) with four recording
servers on loopback (three TCP, one UDP) and the MCU's side played by
tools/usrb-ftp-client (Client, FrameMode) over the pty: LINK_SEND reaches
the one link named and no other, data from each server comes back as
LINK_DATA tagged with its link (split at 299 bytes), LINK_STATE at the start
and on every change (a server killed and restarted), NAK for a bad CRC, a
disabled or unknown link and a frame the MCU must not send, bytes that are
no frame dropped and counted, registration packets and the serial heartbeat
in frame mode, and +++ still entering command mode (network data held as
frames until AT+ENTM). The FTP download inside frame mode is in
test_ftp.py."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Server, free_port, load_tool, random_bytes,  # noqa: E402
                     run_tests, wait_for)
from peers import UdpRecorder  # noqa: E402

fc = load_tool("usrb-ftp-client")

P721 = "gprs232-721"
ALL_UP = (1, 1, 1, 1)


def link(n, port, mode="TCPC", enabled="true", extra=""):
    return ('link%d = { host = "127.0.0.1"; port = %d; mode = "%s"; enabled = %s;%s };\n'
            % (n, port, mode, enabled, extra))


class Four:
    """Three recording TCP servers (links 1-3) and a UDP one (link 4, whose
    source port is fixed so that the UDP server can answer it)."""

    def __init__(self):
        self.tcp = [Server().start() for _ in range(3)]
        self.udp = UdpRecorder()
        self.lport = free_port()

    def conf(self, disabled=()):
        text = "".join(link(i + 1, s.port, enabled="false" if i + 1 in disabled else "true")
                       for i, s in enumerate(self.tcp))
        return text + link(4, self.udp.port, "UDPC",
                           enabled="false" if 4 in disabled else "true",
                           extra=" local_port = %d;" % self.lport)

    def received(self, n):
        """What link n's server got, joined."""
        if n == 4:
            return b"".join(self.udp.datagrams())
        return self.tcp[n - 1].received()

    def send(self, n, data):
        """Server of link n sends data to the daemon."""
        if n == 4:
            self.udp.sendto(data, ("127.0.0.1", self.lport))
        else:
            self.tcp[n - 1].send_all(data)

    def close(self):
        for s in self.tcp:
            s.stop()
        self.udp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def frame_daemon(tmp, links, extra=""):
    return Daemon(tmp, links + 'dtu = { mode = "FRAME"; };\n' + extra, personality=P721)


def mcu(d):
    c = fc.Client(d.pty.master, timeout=5.0, log=lambda m: print("# client: " + m, flush=True))
    return fc.FrameMode(c)


def status(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def test_link_send_link_data_link_state(tmp):
    """LINK_STATE 0 0 0 0 when frame mode starts, then 1 1 1 1 as the links
    come up; LINK_SEND to each link reaches that link's server only (also
    when it is longer than one frame); what each server sends comes back as
    LINK_DATA of its link, split in frames of at most 299 bytes; bytes that
    are no frame go nowhere and are counted; status shows it all."""
    with Four() as f:
        with frame_daemon(tmp, f.conf()) as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == ALL_UP, 15, "LINK_STATE 1 1 1 1")
            assert fm.states[0] == (0, 0, 0, 0), fm.states
            wait_for(lambda: all(s.conns for s in f.tcp), 10, "three connections")
            assert "not available" not in d.log()
            for n in (1, 2, 3, 4):
                fm.c.link_send(n, b"<to link %d>" % n)
            for n in (1, 2, 3, 4):
                wait_for(lambda: f.received(n) == b"<to link %d>" % n, 10,
                         "link%d's data" % n)
            # Longer than one frame: 3 LINK_SENDs, in order, to link 2 only.
            big = random_bytes(800, seed=4)
            fm.c.link_send(2, big)
            wait_for(lambda: len(f.received(2)) >= len(b"<to link 2>") + len(big), 10,
                     "link2's 800 bytes")
            assert f.received(2) == b"<to link 2>" + big
            for n in (1, 3, 4):
                assert f.received(n) == b"<to link %d>" % n, (n, f.received(n))
            # Bytes that are no frame: dropped, counted, sent nowhere.
            time.sleep(0.3)
            junk = b"not a frame \xA5\x5A no"
            d.pty.write(junk)
            wait_for(lambda: status(d)["frame_mode"]["dropped_bytes"] >= len(junk), 5,
                     "the count")
            # Network -> MCU, tagged; 1000 bytes from link1 in 299-byte frames.
            from1 = random_bytes(1000, seed=5)
            f.send(1, from1)
            for n in (2, 3, 4):
                f.send(n, b"<from link %d>" % n)
            fm.wait(lambda m: len(m.data[1]) >= 1000 and
                    all(m.data[n] == b"<from link %d>" % n for n in (2, 3, 4)), 10,
                    "LINK_DATA of every link")
            assert bytes(fm.data[1]) == from1
            assert not fm.naks and not fm.other, (fm.naks, fm.other)
            assert fm.c.dec.other == b"", fm.c.dec.other[:40]
            st = status(d)
            assert st["work_mode"]["running"] == "FRAME", st["work_mode"]
            fs = st["frame_mode"]
            assert fs["running"] and fs["links_up"] == [1, 1, 1, 1], fs
            assert fs["link_send"] == 4 + 3, fs     # 800 B: 3 frames
            assert fs["link_send_bytes"] == 4 * len(b"<to link 1>") + 800, fs
            assert fs["link_send_refused"] == 0 and fs["dropped_bytes"] == len(junk), fs
            assert fs["link_data"] >= 4 + 3, fs     # 1000 B: 4 frames at least
            assert fs["link_data_bytes"] == 1000 + 3 * len(b"<from link 2>"), fs
            text = d.ctl("status")[1]
            assert "frames   links up (last LINK_STATE): 1 1 1 1" in text, text
            assert "mode     FRAME (AT+CIMOD=1)" in text, text
            for n in (1, 2, 3):
                assert f.received(n).count(b"<to link") == 1
            d.stop()


def test_link_state_on_server_killed_and_restarted(tmp):
    """link2's server killed: LINK_STATE 1 0 1 1; a LINK_SEND to link2 while
    it is down is kept in its offline cache (no NAK) and sent when the
    server is back, which LINK_STATE 1 1 1 1 reports; the other links are
    not disturbed."""
    with Four() as f:
        with frame_daemon(tmp, f.conf(), 'bridge = { reconnect_max = 1; };\n') as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == ALL_UP, 15, "LINK_STATE 1 1 1 1")
            port = f.tcp[1].port
            f.tcp[1].stop()
            fm.wait(lambda m: m.state() == (1, 0, 1, 1), 15, "LINK_STATE 1 0 1 1")
            fm.c.link_send(2, b"while down")
            fm.c.link_send(1, b"link1 goes on")
            wait_for(lambda: f.received(1) == b"link1 goes on", 10, "link1's data")
            fm.poll(0.3)
            assert not fm.naks, fm.naks
            f.tcp[1] = Server(port=port).start()
            fm.wait(lambda m: m.state() == ALL_UP, 20, "LINK_STATE 1 1 1 1 again")
            wait_for(lambda: f.received(2) == b"while down", 10, "the cached LINK_SEND")
            # Every report was a change.
            for a, b in zip(fm.states, fm.states[1:]):
                assert a != b, fm.states
            assert (1, 0, 1, 1) in fm.states
            f.send(2, b"back")
            fm.wait(lambda m: m.data[2] == b"back", 10, "LINK_DATA 2")
            assert f.received(3) == b"" and f.received(4) == b""
            d.stop()


def test_naks(tmp):
    """NAK (payload: the cmd) for a bad CRC, a LINK_SEND to a disabled link,
    to link 0 or 5, without data, and for frames only the daemon sends;
    none of them reaches a server; a good LINK_SEND after them works."""
    with Four() as f:
        with frame_daemon(tmp, f.conf(disabled=(3,))) as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == (1, 1, 0, 1), 15, "LINK_STATE 1 1 0 1")
            bad = bytearray(fc.frame(fc.LINK_SEND, b"\x01bad crc"))
            bad[-1] ^= 0x55
            d.pty.write(bytes(bad))
            fm.c.send(fc.LINK_SEND, b"\x03to a disabled link")
            fm.c.send(fc.LINK_SEND, b"\x00link 0")
            fm.c.send(fc.LINK_SEND, b"\x05link 5")
            fm.c.send(fc.LINK_SEND, b"\x01")
            fm.c.send(fc.LINK_DATA, b"\x01not the MCU's")
            fm.c.send(fc.LINK_STATE, b"\x01\x01\x01\x01")
            fm.wait(lambda m: len(m.naks) >= 7, 10, "seven NAKs")
            assert fm.naks == [fc.LINK_SEND] * 5 + [fc.LINK_DATA, fc.LINK_STATE], fm.naks
            fm.c.link_send(1, b"good")
            wait_for(lambda: f.received(1) == b"good", 10, "the good one")
            fm.poll(0.3)
            assert len(fm.naks) == 7, fm.naks
            for n in (2, 3, 4):
                assert f.received(n) == b"", (n, f.received(n))
            fs = status(d)["frame_mode"]
            assert fs["link_send_refused"] == 4 and fs["link_send"] == 1, fs
            d.stop()


def test_udp_link_alone(tmp):
    """A UDP link is up as soon as it can send (AT+CINET? says the same):
    with it alone, LINK_STATE 0 0 0 1 follows the first report."""
    with Four() as f:
        with frame_daemon(tmp, f.conf(disabled=(1, 2, 3))) as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == (0, 0, 0, 1), 10, "LINK_STATE 0 0 0 1")
            assert fm.states == [(0, 0, 0, 0), (0, 0, 0, 1)], fm.states
            fm.c.link_send(4, b"datagram")
            wait_for(lambda: f.udp.datagrams() == [b"datagram"], 10, "the datagram")
            f.send(4, b"answer")
            fm.wait(lambda m: m.data[4] == b"answer", 10, "LINK_DATA 4")
            d.stop()


def test_registration_and_serial_heartbeat(tmp):
    """A LINK_SEND is a frame for the links' rules: the registration packet
    in front of every one (AT+CIPPACK=1 mode 1), on the one link it goes
    to; the serial heartbeat (AT+CIPPACK=0 dir 1) reaches the MCU as it is,
    between the frames."""
    with Four() as f:
        with frame_daemon(tmp, f.conf(), 'reg = { data = "REG"; send = "EVERY"; };\n'
                          'heartbeat = { interval = 1; data = "HB"; type = "COM"; };\n') as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == ALL_UP, 15, "LINK_STATE 1 1 1 1")
            fm.c.link_send(3, b"one")
            fm.c.link_send(4, b"two")
            wait_for(lambda: f.received(3) == b"REGone", 10, "link3's frame")
            wait_for(lambda: f.udp.datagrams() == [b"REGtwo"], 10, "link4's datagram")
            assert f.received(1) == b"" and f.received(2) == b""
            fm.wait(lambda m: fm.c.dec.other.count(b"HB") >= 2, 10, "serial heartbeats")
            f.send(1, b"data")
            fm.wait(lambda m: m.data[1] == b"data", 10, "LINK_DATA 1")
            assert set(bytes(fm.c.dec.other).split(b"HB")) == {b""}, fm.c.dec.other
            d.stop()


def test_plus_plus_plus_and_restart(tmp):
    """+++ enters command mode in frame mode (the console sits behind the
    frame filter); AT+CIMOD? says 1; network data that arrives meanwhile is
    held and comes as LINK_DATA after AT+ENTM; a LINK_SEND in command mode
    gets NAK, one after AT+ENTM is sent; a restart starts with LINK_STATE
    0 0 0 0 again."""
    with Four() as f:
        with frame_daemon(tmp, f.conf()) as d:
            d.start()
            fm = mcu(d)
            fm.wait(lambda m: m.state() == ALL_UP, 15, "LINK_STATE 1 1 1 1")
            fm.poll(0.3)
            d.command_mode(guard=0.35)
            reply = d.at("AT+CIMOD?")
            assert b"+CIMOD: 1" in reply or b"+CIMOD:1" in reply, reply
            f.send(2, b"held")
            time.sleep(0.5)
            assert d.pty.read(0.3) == b"", "data reached the serial line in command mode"
            # Serial data does not go to the links in command mode: NAK.
            fm.c.link_send(1, b"in command mode")
            assert d.pty.read_until(fc.frame(fc.NAK, bytes([fc.LINK_SEND])), 5).endswith(
                fc.frame(fc.NAK, bytes([fc.LINK_SEND])))
            # The reply and the held frame may come in one read: the MCU's
            # decoder sorts them.
            d.pty.write(b"AT+ENTM\r")
            fm.wait(lambda m: m.data[2] == b"held", 10, "the held LINK_DATA")
            assert fm.c.dec.other == b"\r\nOK\r\n", fm.c.dec.other
            fm.c.link_send(1, b"after +++")
            wait_for(lambda: f.received(1) == b"after +++", 10, "LINK_SEND after AT+ENTM")
            n = len(fm.states)
            rc, _, err = d.ctl("restart")
            assert rc == 0, err
            fm.wait(lambda m: len(m.states) > n + 1 and m.state() == ALL_UP, 20,
                    "LINK_STATE after the restart")
            assert fm.states[n] == (0, 0, 0, 0), fm.states
            assert not fm.naks, fm.naks
            d.stop()


run_tests(globals())
