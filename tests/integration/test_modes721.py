"""The 721's work modes and password AT (PROTOCOLS.md §4): password AT from
the serial line and from one link (the reply only to where it came from),
AT command mode (CIMOD=2: AT+CIOPEN, AT+CISEND, AT+CICLOSE against real TCP
and UDP peers on loopback), CIOPTIME, the HTTPD client (CIMOD=3) against a
real HTTP server, the CIMODID start-up message, and how status shows the
work mode (SMS mode: test_modem721.py; frame mode: test_frame.py)."""

import base64
import contextlib
import http.client
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Server, free_port, is_closed, run_tests, wait_for  # noqa: E402
from peers import HttpRecorder, UdpRecorder  # noqa: E402

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


def dtu(tmp, dtu_group="", links="", extra=""):
    """A 721 whose links are all on loopback (the factory link1 is
    test.usr.cn): link1 off unless links says otherwise."""
    if "link1" not in links:
        links += 'link1 = { enabled = false; host = "127.0.0.1"; port = %d; };\n' % free_port()
    return Daemon(tmp, "%sdtu = { %s };\n%s" % (links, dtu_group, extra),
                  personality="gprs232-721")


@contextlib.contextmanager
def linked(tmp, dtu_group, extra=""):
    """A started 721 whose link1 is connected to a recording server:
    yields (daemon, server)."""
    with Server() as srv:
        srv.start()
        links = 'link1 = { host = "127.0.0.1"; port = %d; };\n' % srv.port
        with dtu(tmp, dtu_group, links, extra) as d:
            d.start()
            wait_for(lambda: srv.conns, 10, "link1's connection")
            yield d, srv


def expect(d, want, timeout=10.0):
    """The serial line must give exactly want next."""
    got = d.pty.read_exactly(len(want), timeout)
    assert got == want, "serial: got %r, want %r" % (got, want)


def quiet(d, t=0.5):
    got = d.pty.read(t)
    assert got == b"", "serial: unexpected %r" % got


def frame(d, data):
    """One serial frame: the 721's packing gap is 100 ms (PROTOCOLS.md §2)."""
    time.sleep(0.3)
    d.pty.write(data)


def status_json(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


# --- password AT from the serial line -----------------------------------------


def test_password_at_serial_runs_and_answers_on_the_serial_line(tmp):
    with linked(tmp, "serial_at = true;") as (d, srv):
        frame(d, b"usr.cn#AT+CIVER?\r\n")
        got = d.pty.read_until(OK, 10)
        assert got.startswith(b"\r\n+CIVER: ") and got.endswith(b"\r\n\r\nOK\r\n"), got
        # AT in any case, the line ending optional (PROTOCOLS.md §1).
        frame(d, b"usr.cn#at+cipr=9600")
        expect(d, OK)
        frame(d, b"usr.cn#AT+CIPR?")
        expect(d, b"\r\n+CIPR: 9600\r\n" + OK)
        # One command per frame: a second line makes it malformed.
        frame(d, b"usr.cn#AT+CIPR?\r\nAT+CIVER?\r\n")
        expect(d, ERROR)
        frame(d, b"usr.cn#ATNOPE")
        expect(d, ERROR)
        frame(d, b"plain data")
        wait_for(lambda: srv.received() == b"plain data", 10, "the data frame")
        quiet(d)
        assert srv.received() == b"plain data", srv.received()
        st = status_json(d)["work_mode"]
        assert st["password_at_serial"] == 5 and st["password_at_network"] == 0, st
        d.stop()


def test_password_at_serial_not_allowed_or_wrong_is_data(tmp):
    # CICOMAT off (the factory value): the frame is data.
    with linked(tmp, "") as (d, srv):
        frame(d, b"usr.cn#AT+CIVER?\r\n")
        wait_for(lambda: srv.received() == b"usr.cn#AT+CIVER?\r\n", 10, "the frame as data")
        quiet(d)
        d.stop()
    with linked(tmp, 'serial_at = true; password = "s3cret";') as (d, srv):
        sent = [b"usr.cn#AT+CIVER?", b"S3cretAT+CIVER?", b"s3cretA", b"s3cret AT+CIVER?",
                b"xs3cretAT+CIVER?", b"s3cre"]
        for f in sent:
            frame(d, f)
        wait_for(lambda: srv.received() == b"".join(sent), 10, "every frame unchanged")
        quiet(d)
        # The right one runs.
        frame(d, b"s3cretAT")
        expect(d, OK)
        # A new password counts at once (dtu.password needs no restart).
        rc, _, err = d.ctl("set", "dtu.password", "n3w")
        assert rc == 0, err
        frame(d, b"n3wAT")
        expect(d, OK)
        frame(d, b"s3cretAT")
        wait_for(lambda: srv.received().endswith(b"s3cretAT"), 10, "the old one as data")
        quiet(d)
        d.stop()


# --- password AT from the network ---------------------------------------------


def test_password_at_network_answers_only_that_link(tmp):
    servers = [Server().start() for _ in range(3)]
    try:
        links = "".join('link%d = { enabled = true; mode = "TCPC"; host = "127.0.0.1"; '
                        'port = %d; };\n' % (i + 1, s.port) for i, s in enumerate(servers))
        with dtu(tmp, "net_at = true;", links) as d:
            d.start()
            for s in servers:
                wait_for(lambda: s.conns, 10, "three connections")
            servers[1].send_all(b"usr.cn#AT+CIVER?\r\n")
            wait_for(lambda: servers[1].received().endswith(OK), 10, "the reply on link2")
            assert servers[1].received().startswith(b"\r\n+CIVER: "), servers[1].received()
            servers[2].send_all(b"usr.cn#AT+CIPR=19200")
            wait_for(lambda: servers[2].received() == OK, 10, "the reply on link3")
            servers[0].send_all(b"usr.cn#AT+CIPR?")
            wait_for(lambda: servers[0].received() == b"\r\n+CIPR: 19200\r\n" + OK, 10,
                     "the reply on link1")
            time.sleep(0.5)
            assert servers[1].received().count(b"OK") == 1 and servers[2].received() == OK
            assert servers[0].received() == b"\r\n+CIPR: 19200\r\n" + OK
            quiet(d)
            # Ordinary data still goes to the serial line.
            servers[2].send_all(b"to the MCU")
            expect(d, b"to the MCU")
            assert status_json(d)["work_mode"]["password_at_network"] == 3
            d.stop()
    finally:
        for s in servers:
            s.stop()


def test_password_at_network_not_allowed_is_serial_data(tmp):
    # CINETAT off, CICOMAT on: only the serial line's are commands.
    with linked(tmp, "serial_at = true;") as (d, srv):
        srv.send_all(b"usr.cn#AT+CIVER?\r\n")
        expect(d, b"usr.cn#AT+CIVER?\r\n")
        time.sleep(0.3)
        assert srv.received() == b""
        d.stop()


# --- CIMOD=2: AT command mode --------------------------------------------------


def command_dtu(tmp, extra_dtu="", extra=""):
    # The CIPSCONT links do not run in CIMOD=2: link1 names a server that
    # must see nothing.
    return dtu(tmp, 'mode = "COMMAND"; ' + extra_dtu, extra=extra)


def at(d, line):
    d.pty.write(line + b"\r")


def test_command_mode_tcp_cycle(tmp):
    with Server() as srv:
        srv.start()
        quiet_port = free_port()
        quiet_srv = Server(port=quiet_port).start()
        try:
            links = 'link1 = { enabled = true; host = "127.0.0.1"; port = %d; };\n' % quiet_port
            with dtu(tmp, 'mode = "COMMAND";', links) as d:
                d.start()
                # Command mode from the start: no +++.
                at(d, b"AT")
                expect(d, OK)
                at(d, b'AT+CIOPEN="TCP","127.0.0.1",%d' % srv.port)
                expect(d, OK + b"\r\nCONNECT OK\r\n")
                wait_for(lambda: srv.conns, 10, "the CIOPEN connection")
                st = status_json(d)["work_mode"]
                assert st["running"] == "COMMAND" and "127.0.0.1:%d up" % srv.port in \
                    st["connection"], st
                # A second one while it is open: ERROR.
                at(d, b'AT+CIOPEN="TCP","127.0.0.1",%d' % srv.port)
                expect(d, ERROR)
                at(d, b"AT+CISEND")
                expect(d, b"\r\n> ")
                payload = bytes(range(256)).replace(b"\x1a", b"").replace(b"\x1b", b"")
                d.pty.write(payload + b"\x1a")
                expect(d, b"\r\nSEND OK\r\n")
                wait_for(lambda: srv.received() == payload, 10, "the data at the server")
                # Lines again after the data phase, lower case too.
                at(d, b"at+cisend")
                expect(d, b"\r\n> ")
                d.pty.write(b"second\r\nline\x1a")
                expect(d, b"\r\nSEND OK\r\n")
                wait_for(lambda: srv.received() == payload + b"second\r\nline", 10, "more")
                srv.send_all(b"from the server")
                expect(d, b"from the server")
                at(d, b"AT+CICLOSE")
                expect(d, b"\r\nCLOSE OK\r\n")
                assert is_closed(srv.conns[0], 5)
                at(d, b"AT+CICLOSE")
                expect(d, ERROR)
                at(d, b"AT+CISEND")
                expect(d, ERROR)
                # The factory links stayed off.
                assert not quiet_srv.conns
                assert not status_json(d)["links"][0]["active"]
                d.stop()
        finally:
            quiet_srv.stop()


def test_command_mode_udp_cycle(tmp):
    with UdpRecorder() as peer, command_dtu(tmp) as d:
        d.start()
        at(d, b'AT+CIOPEN="udp","127.0.0.1",%d' % peer.port)
        expect(d, OK + b"\r\nCONNECT OK\r\n")
        at(d, b"AT+CISEND")
        expect(d, b"\r\n> ")
        d.pty.write(b"datagram one\x1a")
        expect(d, b"\r\nSEND OK\r\n")
        wait_for(lambda: peer.datagrams() == [b"datagram one"], 10, "the datagram")
        peer.sendto(b"answer", peer.last_peer())
        expect(d, b"answer")
        at(d, b"AT+CICLOSE")
        expect(d, b"\r\nCLOSE OK\r\n")
        d.stop()


def test_command_mode_refused_and_outside_allow_out(tmp):
    extra = 'network = { allow_out = [ "127.0.0.1/32" ]; allow_in = [ "127.0.0.0/8" ]; };\n'
    with command_dtu(tmp, extra=extra) as d:
        d.start()
        # Nobody listens: the attempt starts (OK) and fails.
        at(d, b'AT+CIOPEN="TCP","127.0.0.1",%d' % free_port())
        expect(d, OK + b"\r\nCONNECT FAIL\r\n")
        at(d, b"AT+CISEND")
        expect(d, ERROR)
        # Outside network.allow_out: never dialled.
        at(d, b'AT+CIOPEN="TCP","127.0.0.2",%d' % free_port())
        expect(d, ERROR)
        d.wait_log(r"ciopen: TCP 127\.0\.0\.2:\d+ is outside network\.allow_out")
        # Malformed: ERROR, nothing opened.
        for bad in (b'AT+CIOPEN="SCTP","127.0.0.1",80', b'AT+CIOPEN="TCP","127.0.0.1",0',
                    b'AT+CIOPEN="TCP","127.0.0.1",65536', b'AT+CIOPEN="TCP","127.0.0.1"',
                    b'AT+CIOPEN="TCP","",80', b"AT+CIOPEN?"):
            at(d, bad)
            expect(d, ERROR)
        at(d, b"AT+CIOPEN=?")
        expect(d, b'\r\n+CIOPEN: ("TCP","UDP"),127,(1-65535)\r\n' + OK)
        assert status_json(d)["work_mode"]["connection"] == ""
        d.stop()


def test_command_mode_peer_closes_and_data_phase_edges(tmp):
    with Server() as srv, command_dtu(tmp) as d:
        srv.start()
        d.start()
        at(d, b'AT+CIOPEN="TCP","127.0.0.1",%d' % srv.port)
        expect(d, OK + b"\r\nCONNECT OK\r\n")
        wait_for(lambda: srv.conns, 10, "the connection")
        # ESC cancels (27.005 AT+CMGS): OK, nothing sent.
        at(d, b"AT+CISEND")
        expect(d, b"\r\n> ")
        d.pty.write(b"never sent\x1b")
        expect(d, OK)
        # The cap: 1460 bytes go, 1461 are refused whole.
        at(d, b"AT+CISEND")
        expect(d, b"\r\n> ")
        d.pty.write(b"x" * 1461 + b"\x1a")
        expect(d, ERROR)
        at(d, b"AT+CISEND")
        expect(d, b"\r\n> ")
        d.pty.write(b"\x1a")
        expect(d, ERROR)                # nothing to send
        at(d, b"AT+CISEND")
        expect(d, b"\r\n> ")
        d.pty.write(b"y" * 1460 + b"\x1a")
        expect(d, b"\r\nSEND OK\r\n")
        wait_for(lambda: srv.received() == b"y" * 1460, 10, "1460 bytes")
        time.sleep(0.3)
        assert srv.received() == b"y" * 1460
        # The command and the data in one write, as a fast MCU may send them.
        d.pty.write(b"AT+CISEND\r\nfast\x1aAT\r")
        expect(d, b"\r\n> \r\nSEND OK\r\n" + OK)
        wait_for(lambda: srv.received() == b"y" * 1460 + b"fast", 10, "the fast one")
        # The server goes: CLOSED, unsolicited.
        srv.stop()
        expect(d, b"\r\nCLOSED\r\n")
        at(d, b"AT+CISEND")
        expect(d, ERROR)
        d.stop()


def test_command_mode_not_from_elsewhere(tmp):
    """CIOPEN belongs to the serial line in CIMOD=2: usrbridgectl and
    other modes get ERROR."""
    with command_dtu(tmp) as d:
        d.start()
        rc, out, err = d.ctl("at", 'AT+CIOPEN="TCP","127.0.0.1",%d' % free_port())
        assert rc != 0 and "ERROR" in out + err, (rc, out, err)
        d.stop()
    with dtu(tmp, "") as d:
        d.start()
        d.command_mode(guard=0.3)
        d.pty.write(b'AT+CIOPEN="TCP","127.0.0.1",%d\r' % free_port())
        expect(d, ERROR)
        d.pty.write(b"AT+CISEND\r")
        expect(d, ERROR)
        d.stop()


# --- CIOPTIME ------------------------------------------------------------------


def test_cioptime_returns_to_transparent(tmp):
    with linked(tmp, "") as (d, srv):
        # 0 (the factory value): command mode stays.
        d.command_mode(guard=0.3)
        assert d.at("AT+CIOPTIME?") == b"\r\n+CIOPTIME: 0\r\n" + OK
        assert d.at("AT+CIOPTIME=?") == b"\r\n+CIOPTIME: (0-65535)\r\n" + OK
        time.sleep(2.5)
        assert d.at("AT") == OK
        assert d.at("AT+CIOPTIME=65536") == ERROR
        assert d.at("AT+CIOPTIME=1") == OK
        assert d.at("ATW") == OK
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        d.command_mode(guard=0.3)
        d.wait_log(r"1 s idle in command mode \(CIOPTIME\): back to TRANSPARENT", 10)
        # Transparent again: data goes to the link, held data comes out.
        wait_for(lambda: len(srv.conns) >= 2, 10, "the reconnection after the restart")
        frame(d, b"after CIOPTIME")
        wait_for(lambda: srv.received() == b"after CIOPTIME", 10, "data in transparent mode")
        assert status_json(d)["serial"]["mode"] == "transparent"
        d.stop()


# --- CIMOD=3: HTTPD client -----------------------------------------------------


def test_httpd_mode_requests_to_link1(tmp):
    with HttpRecorder() as web:
        other = Server().start()
        try:
            links = ('link1 = { host = "127.0.0.1"; port = %d; };\n'
                     'link2 = { enabled = true; host = "127.0.0.1"; port = %d; };\n'
                     % (web.port, other.port))
            extra = 'http = { url = "/charge?"; strip_header = "ON"; };\n'
            with dtu(tmp, 'mode = "HTTPD";', links, extra) as d:
                web.body = b"bill ok"
                d.start()
                d.wait_log(r"link1 \(HTPC\): .* -> up")
                frame(d, b"id=7&kwh=12")
                expect(d, b"bill ok")
                frame(d, b"id=8")
                expect(d, b"bill ok")
                paths = [r["path"] for r in web.got()]
                assert paths == ["/charge?id=7&kwh=12", "/charge?id=8"], paths
                st = status_json(d)
                assert st["work_mode"]["running"] == "HTTPD", st["work_mode"]
                assert st["links"][0]["mode"] == "HTPC" and not st["links"][1]["active"]
                assert not other.conns, "link2 ran in HTTPD mode"
                d.stop()
        finally:
            other.stop()


# --- CIMODID -------------------------------------------------------------------


def test_startup_message_at_start_and_restart(tmp):
    with dtu(tmp, 'startup_message = "CHARGER DTU READY";') as d:
        d.start()
        expect(d, b"CHARGER DTU READY\r\n")
        quiet(d)
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        expect(d, b"CHARGER DTU READY\r\n")
        # In CIMOD=2 too, before any reply.
        d.ctl("set", "dtu.mode", "COMMAND")
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)", count=2)
        expect(d, b"CHARGER DTU READY\r\n")
        at(d, b"AT")
        expect(d, OK)
        d.stop()
    with dtu(tmp, "") as d:
        d.start()
        quiet(d)                        # the factory value: no message
        d.stop()


# --- the work mode in status ------------------------------------------------------


def web_status(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request("GET", "/", headers={
        "Authorization": "Basic " + base64.b64encode(b"admin:pw123").decode()})
    r = c.getresponse()
    body = r.read().decode(errors="replace")
    c.close()
    assert r.status == 200, (r.status, body[:300])
    return body


def test_work_mode_in_status_and_web(tmp):
    """Every AT+CIMOD value runs as itself; text, JSON and the web page say
    which one."""
    for mode, number in (("FRAME", 1), ("COMMAND", 2), ("HTTPD", 3), ("SMS", 4)):
        wport = free_port()
        webconf = ('web = { enabled = true; port = %d; user = "admin"; password = "pw123"; };\n'
                   % wport)
        with dtu(tmp, 'mode = "%s";' % mode, extra=webconf) as d:
            d.start()
            rc, text, _ = d.ctl("status")
            assert "mode     %s (AT+CIMOD=%d)" % (mode, number) in text, text
            st = status_json(d)["work_mode"]
            assert st == dict(st, running=mode, requested=mode, available=True), st
            assert d.ctl("get", "dtu.mode")[1] == mode + "\n"
            d.wait_log("web: listening on port %d" % wport)
            assert ("<tr><th>Work mode</th><td>%s (AT+CIMOD=%d)</td></tr>" % (mode, number)
                    in web_status(wport))
            assert d.log_count(r"is not available in this version") == 0
            d.stop()


run_tests(globals())
