"""The USR-GPRS232-721's console and V.250 AT dialect against the real daemon
(PROTOCOLS.md §1 and §4, seed 003 §3): the guard times of +++ and what a
broken sequence becomes, the replies byte for byte, every command, the
edit/ATW/restart layers, CIRELOAD, CISHUTDOWN, usrbridgectl on a 721, and an
MCU's configuration script followed by data to four loopback servers."""

import json
import os
import re
import time

from harness import (Daemon, Server, free_port, run_tests, wait_for)
from peers import UdpRecorder

OK = b"\r\nOK\r\n"
ERR = b"\r\nERROR\r\n"


def v(*lines):
    """A query's reply: its value lines, then OK."""
    return b"\r\n" + b"".join(l.encode() + b"\r\n" for l in lines) + OK


def at(d, cmd, timeout=5.0, end=b"\r"):
    """One command line; the reply up to its final result."""
    if isinstance(cmd, str):
        cmd = cmd.encode()
    d.pty.write(cmd + end)
    out = b""
    deadline = time.monotonic() + timeout
    while not (out.endswith(OK) or out.endswith(ERR)):
        if time.monotonic() > deadline:
            raise AssertionError("%r: no final result; got %r" % (cmd, out))
        out += d.pty.read(0.1)
    return out


def enter(d):
    """seed 003 §3.1.1: more than 200 ms of silence, "+++", 'a', "+ok"."""
    d.command_mode(guard=0.35)


def config(*links):
    """link1..n at loopback ports (never the factory test.usr.cn)."""
    text = ""
    for i, (mode, port, enabled) in enumerate(links, 1):
        text += 'link%d = { mode = "%s"; host = "127.0.0.1"; port = %d; enabled = %s; };\n' % (
            i, mode, port, "true" if enabled else "false")
    return text


def daemon721(tmp, settings=None, start=True):
    d = Daemon(tmp, config(("TCPC", free_port(), False)) if settings is None else settings,
               personality="gprs232-721")
    if start:
        d.start()
    return d


# --- the console -------------------------------------------------------------

def test_guard_times_and_handshake(tmp):
    with daemon721(tmp) as d:
        enter(d)
        assert at(d, "AT") == OK
        assert at(d, "AT+ENTM") == OK
        # PROTOCOLS.md §1: a CR after "+++" and after the MCU's 'a' (a CI
        # driver sends every string with one) does not break the handshake.
        time.sleep(0.35)
        d.pty.drain(0.05)
        d.pty.write(b"+++\r")
        assert d.pty.read_until(b"a", 3) == b"a"
        d.pty.write(b"a\r")
        assert d.pty.read_until(b"+ok", 3) == b"+ok"
        assert d.pty.read(0.3) == b""           # the empty line gets no reply
        assert at(d, "AT+CIVER?") == v("+CIVER: V1.0.0")
        assert at(d, "AT+ENTM") == OK
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["serial"]["mode"] == "transparent", st["serial"]


def test_broken_sequences_are_data(tmp):
    """A sequence that breaks a condition of seed 003 §3.1.1 is data, every
    byte of it, in order (PROTOCOLS.md §1)."""
    with Server() as srv:
        srv.start()
        with daemon721(tmp, config(("TCPC", srv.port, True))) as d:
            wait_for(lambda: srv.conns, 10, "link1 connected")
            sent = b""

            def expect(data):
                nonlocal sent
                sent += data
                wait_for(lambda: srv.received() == sent, 10,
                         "%r at the server (has %r)" % (sent, srv.received()))

            # Too little silence before "+++": no 'a', the bytes are data.
            time.sleep(0.35)
            d.pty.write(b"x+++")
            assert d.pty.read(0.5) == b""
            expect(b"x+++")
            # A gap of 50 ms or more between the '+'.
            time.sleep(0.35)
            d.pty.write(b"+")
            time.sleep(0.2)
            d.pty.write(b"++")
            assert d.pty.read(0.5) == b""
            expect(b"+++")
            # No 'a' within 3 s: the held "+++" goes out.
            time.sleep(0.35)
            d.pty.write(b"+++")
            assert d.pty.read_until(b"a", 3) == b"a"
            assert d.pty.read(3.5) == b""       # no "+ok"
            expect(b"+++")
            # Something else than 'a': "+++" and it, in order.
            time.sleep(0.35)
            d.pty.write(b"+++")
            assert d.pty.read_until(b"a", 3) == b"a"
            d.pty.write(b"b")
            expect(b"+++b")
            # A "+++\r" that fails is forwarded with its CR.
            d.pty.write(b"y+++\r")
            expect(b"y+++\r")
            # Still in transparent mode; the handshake works after all that.
            enter(d)
            assert at(d, "AT") == OK


# --- V.250 replies ------------------------------------------------------------

def test_v250_replies_and_lines(tmp):
    with daemon721(tmp) as d:
        enter(d)
        for end in (b"\r", b"\r\n", b"\n", b"\n\r"):
            assert at(d, "AT+CIVER?", end=end) == v("+CIVER: V1.0.0"), end
            assert d.pty.read(0.2) == b""       # one line, one reply
        assert at(d, "at+civer?") == v("+CIVER: V1.0.0")
        assert at(d, "AT+NOPE") == ERR
        assert at(d, "HELLO") == ERR
        # PROTOCOLS.md §1: past 512 bytes a line is refused and discarded.
        assert at(d, "AT+CIMODID=\"" + "m" * 600 + "\"") == ERR
        assert at(d, "AT+CIMODID?") == v('+CIMODID: ""')
        assert at(d, "AT+CIMODID=\"" + "m" * 64 + "\"") == OK
        # Echo: ATE1 echoes what the MCU sends, ATE0 stops it.
        assert at(d, "ATE1") == OK
        d.pty.write(b"AT\r")
        assert d.pty.read_until(OK, 3) == b"AT\r" + OK
        assert at(d, "ATE0").endswith(OK)
        assert at(d, "AT") == OK


def route_has_default():
    with open("/proc/net/route") as f:
        for line in f.read().splitlines()[1:]:
            p = line.split()
            if len(p) >= 8 and p[1] == "00000000" and p[7] == "00000000" and int(p[3], 16) & 1:
                return True
    return False


def test_every_command(tmp):
    """Each command of PROTOCOLS.md §4 against the daemon, byte for byte."""
    srv = Server().start()
    ports = [free_port() for _ in range(4)]
    with daemon721(tmp, config(("TCPC", srv.port, True), ("TCPC", ports[1], False),
                              ("UDPC", ports[2], False), ("TCPC", ports[3], False))) as d:
        enter(d)
        rows = [
            ("AT", OK),
            ("AT+CIPSCONT=2,\"TCP\",\"127.0.0.1\",%d,1" % ports[1], OK),
            ("AT+CIPSCONT=5,\"TCP\",\"127.0.0.1\",1,1", ERR),
            ("AT+CIPSCONT=?", v('+CIPSCONT: (1-4),("TCP","UDP"),127,(1-65535),(0,1)')),
            ("AT+CIPCFG=1,30,0,50,512,600", OK),
            ("AT+CIPCFG?", v("+CIPCFG: 1,30,0,50,512,600")),
            ("AT+CIPCFG=1,30,0,50,512", ERR),
            ("AT+CIPCFG=?", v("+CIPCFG: (0-65535),(0-65535),(0-65535),(0-60000),(1-65536),"
                              "(0-65535)")),
            ("AT+CIPPACK=0,\"414243\",1", OK),
            ("AT+CIPPACK=1,\"" + "00" * 41 + "\",0", ERR),
            ("AT+CIPPACK?", v('+CIPPACK: 0,"414243",1', '+CIPPACK: 1,"",0')),
            ("AT+CIPPACK=?", v("+CIPPACK: (0-1),80,(0,1)")),
            ("AT+CIMOD=5", ERR),
            ("AT+CIMOD?", v("+CIMOD: 0")),
            ("AT+CIMOD=?", v("+CIMOD: (0,1,2,3,4)")),
            ("AT+CSTT=\"cmnet\"", OK),
            ("AT+CSTT?", v('+CSTT: "cmnet","",""')),
            ("AT+CINETPT=3,4003", OK),
            ("AT+CINETPT?", v("+CINETPT: 1,0", "+CINETPT: 2,0", "+CINETPT: 3,4003",
                              "+CINETPT: 4,0")),
            ("AT+ICF=2,1", OK),
            ("AT+ICF?", v("+ICF: 2,1")),
            ("AT+CIPR=299", ERR),
            ("AT+CIPR=9600", OK),
            ("AT+CIPR?", v("+CIPR: 9600")),
            ("AT+CIPNUM=+8613800000000", OK),
            ("AT+CIPNUM?", v('+CIPNUM: "+8613800000000"')),
            ("AT+CINETAT=1", OK),
            ("AT+CINETAT?", v("+CINETAT: 1")),
            ("AT+CICOMAT=2", ERR),
            ("AT+CICOMAT?", v("+CICOMAT: 0")),
            ("AT+CISOCLINK=0", OK),
            ("AT+CISOCLINK?", v("+CISOCLINK: 0")),
            ("AT+CIOPTIME=65536", ERR),
            ("AT+CIOPTIME?", v("+CIOPTIME: 0")),
            ("AT+CIRINGSTA=1", OK),
            ("AT+CIRINGSTA?", v("+CIRINGSTA: 1")),
            ("AT+CIMODID=\"hi\"", OK),
            ("AT+CIMODID?", v('+CIMODID: "hi"')),
            ("AT+CIPSW=\"nope\",\"x\"", ERR),
            ("AT+CIPSW=\"usr.cn#\",\"secret\"", OK),
            ("AT+CIPSW?", ERR),
            ("AT+CILAC?", ERR),
            ("AT+CIVER?", v("+CIVER: V1.0.0")),
            ("AT+CIDTUIP?", v("+CIDTUIP: 0.0.0.0") if not route_has_default() else None),
            ("AT+CGSN", ERR), ("AT+CIMI", ERR), ("ATD10086", ERR), ("AT+CMGL", ERR),
            ("AT+CMGR=1", ERR), ("AT+CMGF=1", ERR), ("ATH", ERR), ("ATA", ERR),
            ("ATDL", ERR), ("ATS0=1", ERR), ("AT+CSQ", ERR), ("AT+COPS?", ERR),
            ("AT+CMGS=\"10086\"", ERR), ("AT+CSCA?", ERR), ("AT+CISMSEND=\"1\",\"x\"", ERR),
        ]
        for cmd, want in rows:
            got = at(d, cmd)
            if want is None:
                assert re.fullmatch(rb"\r\n\+CIDTUIP: \d+\.\d+\.\d+\.\d+\r\n\r\nOK\r\n", got), got
            else:
                assert got == want, (cmd, got, want)
        got = at(d, "AT+CCLK?")
        m = re.fullmatch(rb'\r\n\+CCLK: "(\d\d/\d\d/\d\d,\d\d:\d\d:\d\d)([-+]\d\d)"\r\n\r\nOK\r\n',
                         got)
        assert m, got
        # The host's clock (generous: the test may run across a minute).
        local = time.strftime("%y/%m/%d,%H:%M", time.localtime())
        assert abs(time.mktime(time.strptime(m.group(1).decode(), "%y/%m/%d,%H:%M:%S")) -
                   time.mktime(time.strptime(local, "%y/%m/%d,%H:%M"))) < 120, (got, local)
        # CINET: link1 is connected to srv (settings apply at a restart).
        wait_for(lambda: srv.conns, 10, "link1 connected")
        assert at(d, "AT+CINET?") == v("+CINET: 1,0,0,0")
        # The listing shows what was set, in PROTOCOLS.md §4's order.
        assert at(d, "AT+CIPSCONT?") == (
            b"\r\n+CIPCFG: 1,30,0,50,512,600\r\n"
            b'+CIPPACK: 0,"414243",1\r\n+CIPPACK: 1,"",0\r\n'
            b'+CSTT: "cmnet","",""\r\n+CIPNUM: "+8613800000000"\r\n'
            b'+CIPSTART:1,"TCP","127.0.0.1",%d,1\r\n' % srv.port +
            b'+CIPSTART:2,"TCP","127.0.0.1",%d,1\r\n' % ports[1] +
            b'+CIPSTART:3,"UDP","127.0.0.1",%d,0\r\n' % ports[2] +
            b'+CIPSTART:4,"TCP","127.0.0.1",%d,0\r\n' % ports[3] +
            b"+CIMOD: 0\r\n+CINETAT:1\r\n+CICOMAT:0\r\n"
            b"+CINETPT:1,0\r\n+CINETPT:2,0\r\n+CINETPT:3,4003\r\n+CINETPT:4,0\r\n" + OK)
        assert at(d, "AT+ENTM") == OK
    srv.stop()


# --- edit, ATW, restart ---------------------------------------------------------

def test_unsaved_is_lost_saved_is_kept(tmp):
    with daemon721(tmp) as d:
        state = os.path.join(d.state_dir, "settings.conf")
        enter(d)
        assert at(d, "AT+CIPCFG=1,0,0,20,256,0") == OK
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,20,256,0")
        assert at(d, "AT+CIRESET") == OK
        d.wait_log(r"restarted \(AT\+CIRESET\)")
        enter(d)                                # back in transparent mode
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,100,1024,0")
        assert at(d, "AT+CIPCFG=1,0,0,20,256,0") == OK
        assert at(d, "ATW") == OK
        assert "pack_len = 256;" in open(state).read()
        assert at(d, "AT+CIMOD=3") == OK        # after ATW: not saved
        assert at(d, "AT+CIRESET") == OK
        d.wait_log(r"restarted \(AT\+CIRESET\)", count=2)
        enter(d)
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,20,256,0")
        assert at(d, "AT+CIMOD?") == v("+CIMOD: 0")
        # A change without ATW is lost when the daemon restarts too.
        assert at(d, "AT+CIPR=4800") == OK
        d.stop()
        d.start()
        enter(d)
        assert at(d, "AT+CIPR?") == v("+CIPR: 115200")
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,20,256,0")


def test_cireload(tmp):
    port = free_port()
    with daemon721(tmp, config(("TCPC", port, True))) as d:
        state = os.path.join(d.state_dir, "settings.conf")
        enter(d)
        assert at(d, "AT+CIPSCONT=1,\"UDP\",\"127.0.0.2\",9,0") == OK
        assert at(d, "AT+CIPSW=\"usr.cn#\",\"pw\"") == OK
        assert at(d, "AT+CIPCFG=1,10,0,20,256,0") == OK
        assert at(d, "ATW") == OK
        assert os.path.exists(state)
        assert at(d, "AT+CIRELOAD") == OK
        assert not os.path.exists(state)
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,100,1024,0")
        # The factory values are the config file's where it sets them.
        assert at(d, "AT+CIPSCONT?").count(b'+CIPSTART:1,"TCP","127.0.0.1",%d,1\r\n' % port) == 1
        assert at(d, "AT+CIRESET") == OK
        d.wait_log(r"restarted \(AT\+CIRESET\)")
        enter(d)
        assert at(d, "AT+CIPCFG?") == v("+CIPCFG: 1,0,0,100,1024,0")
        assert at(d, "AT+CIPSW=\"usr.cn#\",\"pw2\"") == OK     # the factory password


def test_cishutdown_then_cireset(tmp):
    with Server() as srv:
        srv.start()
        with daemon721(tmp, config(("TCPC", srv.port, True))) as d:
            wait_for(lambda: len(srv.conns) == 1, 10, "link1 connected")
            enter(d)
            assert at(d, "AT+CISHUTDOWN") == OK
            d.wait_log("shut down by AT\\+CISHUTDOWN")
            st = json.loads(d.ctl("status", "--json")[1])
            assert len(st["links"]) == 4
            for l in st["links"]:
                assert not l["active"] and l["why"] == "shut down by AT+CISHUTDOWN", l
            assert st["serial"]["mode"] == "command"
            assert "link1    off: shut down by AT+CISHUTDOWN" in d.ctl("status")[1]
            assert at(d, "AT+CINET?") == v("+CINET: 0,0,0,0")
            assert at(d, "AT+ENTM") == ERR      # stays in command mode
            assert at(d, "AT+CIVER?") == v("+CIVER: V1.0.0")
            assert at(d, "AT+CIRESET") == OK
            wait_for(lambda: len(srv.conns) == 2, 10, "link1 connected again")
            st = json.loads(d.ctl("status", "--json")[1])
            assert st["serial"]["mode"] == "transparent"
            assert st["links"][0]["active"] and st["links"][0]["why"] == ""


# --- usrbridgectl on a 721 ------------------------------------------------------

def test_usrbridgectl(tmp):
    ports = [free_port() for _ in range(4)]
    with daemon721(tmp, config(*[("TCPC", p, False) for p in ports])) as d:
        state = os.path.join(d.state_dir, "settings.conf")
        rc, out, err = d.ctl("get", "CIPCFG")
        assert (rc, out) == (0, "1,0,0,100,1024,0\n"), (rc, out, err)
        rc, out, err = d.ctl("get", "AT+CIPSCONT")
        assert rc == 0 and out.splitlines()[0] == "+CIPCFG: 1,0,0,100,1024,0", out
        assert '+CIPSTART:2,"TCP","127.0.0.1",%d,0' % ports[1] in out.splitlines(), out
        assert len(out.splitlines()) == 16, out
        rc, out, err = d.ctl("get", "CINETPT")
        assert out == "1,0\n2,0\n3,0\n4,0\n", out
        # set by command: the same parser, bounds and codecs; saved.
        rc, out, err = d.ctl("set", "CIPSCONT", '3,"UDP","127.0.0.1",%d,1' % ports[2])
        assert rc == 0 and "saved" in out, (rc, out, err)
        assert d.ctl("get", "link3.mode")[1] == "UDPC\n"
        assert 'mode = "UDPC";' in open(state).read()
        rc, out, err = d.ctl("set", "CIPSCONT", '3,"UDP","127.0.0.1",0,1')
        assert rc != 0 and "link3.port" in err, (rc, out, err)
        rc, out, err = d.ctl("set", "CIPPACK", '1,"52454721",0')
        assert rc == 0, err
        assert d.ctl("get", "reg.data")[1] == "REG!\n"
        # set by key.
        assert d.ctl("set", "link4.port", "4444")[0] == 0
        assert d.ctl("get", "CIPSCONT")[1].splitlines()[8] == \
            '+CIPSTART:4,"TCP","127.0.0.1",4444,0'
        assert d.ctl("set", "dtu.mode", "HTTPD")[0] == 0
        assert d.ctl("get", "CIMOD")[1] == "3\n"
        assert d.ctl("set", "CIMOD", "0")[0] == 0
        assert d.ctl("get", "dtu.mode")[1] == "TRANSPARENT\n"
        # at: the reply bytes of the serial line; an AT set only edits.
        rc, out, err = d.ctl("at", "AT+CINET?", raw=True)
        assert out == v("+CINET: 0,0,0,0"), out
        rc, out, err = d.ctl("at", "AT+CIPR=9600", raw=True)
        assert out == OK, out
        assert "9600" not in open(state).read()
        rc, out, err = d.ctl("at", "ATW", raw=True)
        assert out == OK and "baud = 9600;" in open(state).read()
        rc, out, err = d.ctl("at", "AT+CIPR=1", raw=True)
        assert rc != 0 and out == ERR, (rc, out)
        # status: all four links, numbered; the saved settings in force
        # after a restart.
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["personality"] == "gprs232-721"
        assert [l["link"] for l in st["links"]] == [1, 2, 3, 4], st["links"]
        assert [l["active"] for l in st["links"]] == [False, False, True, False]
        assert st["links"][2]["mode"] == "UDPC"
        text = d.ctl("status")[1]
        for i in (1, 2, 4):
            assert "link%d    off" % i in text, text


# --- an MCU's firmware ------------------------------------------------------------

def test_mcu_configures_four_links_and_streams(tmp):
    """The script a charger MCU runs on a real 721 (issue 11), then data:
    it arrives at all four servers, the registration packet (mode 0) once
    in front of each connection's data."""
    tcp = [Server().start(), Server().start()]
    udp = [UdpRecorder(), UdpRecorder()]
    try:
        # The config file points nowhere useful; the MCU configures the rest.
        with daemon721(tmp, config(("TCPC", free_port(), True))) as d:
            time.sleep(0.35)
            d.pty.drain(0.05)
            d.pty.write(b"+++\r")
            assert d.pty.read_until(b"a", 3) == b"a"
            d.pty.write(b"a\r")
            assert d.pty.read_until(b"+ok", 3) == b"+ok"
            script = [
                'AT+CIPSCONT=1,"TCP","127.0.0.1",%d,1' % tcp[0].port,
                'AT+CIPSCONT=2,"UDP","127.0.0.1",%d,1' % udp[0].port,
                'AT+CIPSCONT=3,"TCP","127.0.0.1",%d,1' % tcp[1].port,
                'AT+CIPSCONT=4,"UDP","127.0.0.1",%d,1' % udp[1].port,
                "AT+CIPCFG=1,0,0,20,512,0",
                'AT+CIPPACK=0,"",0',
                'AT+CIPPACK=1,"5245473732315F3031",0',
                "ATW",
            ]
            for cmd in script:
                assert at(d, cmd) == OK, cmd
            assert at(d, "AT+CIRESET") == OK
            d.wait_log(r"restarted \(AT\+CIRESET\)")
            wait_for(lambda: tcp[0].conns and tcp[1].conns, 10, "both TCP links connected")
            reg = b"REG721_01"
            data = bytes(range(256)) * 12
            for i in range(0, len(data), 300):
                d.pty.write(data[i:i + 300])
                time.sleep(0.03)
            got = {s.port: (lambda s=s: s.received()) for s in tcp}
            got.update({s.port: (lambda s=s: b"".join(s.datagrams())) for s in udp})
            for port, rx in got.items():
                wait_for(lambda: len(rx()) >= len(reg) + len(data), 20,
                         "data at %d (has %d)" % (port, len(rx())))
                assert rx() == reg + data, port
            for s in tcp:
                assert len(s.conns) == 1
            for s in udp:
                assert s.datagrams()[0] == reg
            st = json.loads(d.ctl("status", "--json")[1])
            assert [l["mode"] for l in st["links"]] == ["TCPC", "UDPC", "TCPC", "UDPC"]
    finally:
        for s in tcp:
            s.stop()
        for s in udp:
            s.close()


run_tests(globals())
