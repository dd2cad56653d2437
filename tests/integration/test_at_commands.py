"""Every command of seed 000 (§4.1-4.40) over the real binary and a pty, one
table row per command: the default query in both forms and in lower case, a
valid set then query, the range edges, out-of-range and wrong-type values
(+ERR=-4 and the value unchanged), and the operators a command does not take.
Replies are compared byte for byte (PROTOCOLS.md §3)."""

import atexit
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, run_tests  # noqa: E402

OK = b"\r\n+OK\r\n"


def err(n):
    return b"\r\n+ERR=%d\r\n" % n


def val(v):
    return b"\r\n+OK=" + (v.encode() if isinstance(v, str) else v) + b"\r\n"


PORT = free_port()
H40 = "x" * 40

# name: (default, [(value set, value then shown)], [rejected values])
# A shown value of None means "as set".
SETTINGS = {
    "USERMAC": (None, [("d8b04c000001", "D8B04C000001"), ("D8B04CFFFFFE", None)],
                ["", "D8B04C00000", "D8B04C0000011", "GGB04C000001", "D8:B0:4C:00:00:01"]),
    "WEBU": ("admin,admin", [("a,b", None), ("abcde,12345", None)],
             ["abcdef,x", "x,abcdef", ",x", "x,", "onlyone", "a,b,c"]),
    "WANN": ("STATIC,192.168.0.7,255.255.255.0,192.168.0.1",
             [("DHCP,10.0.0.2,255.0.0.0,10.0.0.1", None), ("static,0.0.0.0,0.0.0.0,0.0.0.0",
                                                          "STATIC,0.0.0.0,0.0.0.0,0.0.0.0")],
             ["AUTO,10.0.0.2,255.0.0.0,10.0.0.1", "DHCP,10.0.0.256,255.0.0.0,10.0.0.1",
              "DHCP,10.0.0.2,255.0.0.0", "DHCP,a,b,c"]),
    "DNS": ("208.67.222.222", [("1.1.1.1", None), ("255.255.255.255", None)],
            ["1.1.1", "1.1.1.1.1", "256.1.1.1", "dns.example", ""]),
    "WEBPORT": ("80", [("1", None), ("65535", None), ("8080", None)],
                ["0", "65536", "-1", "abc", "80a", ""]),
    "UART": ("115200,8,1,NONE,NFC",
             [("600,5,1,NONE,NFC", None), ("230400,8,2,EVEN,FC", None),
              ("9600,7,1,odd,nfc", "9600,7,1,ODD,NFC"), ("9600,8,1,MASK,NFC", None),
              ("9600,8,1,SPACE,NFC", None), ("19200,6,2,MARK,FC", "19200,6,2,MASK,FC")],
             ["599,8,1,NONE,NFC", "230401,8,1,NONE,NFC", "9600,4,1,NONE,NFC", "9600,9,1,NONE,NFC",
              "9600,8,0,NONE,NFC", "9600,8,3,NONE,NFC", "9600,8,1,NOPE,NFC", "9600,8,1,NONE,XON",
              "fast,8,1,NONE,NFC", "9600,8,1,NONE", ""]),
    "SOCK": ("TCPS,127.0.0.1,%d" % PORT,
             [("TCPC,127.0.0.1,1", None), ("udps,localhost,65535", "UDPS,localhost,65535"),
              ("UDPC,::1,8234", None), ("HTPC,example.com,80", None)],
             ["TCPX,127.0.0.1,80", "TCPC,127.0.0.1,0", "TCPC,127.0.0.1,65536", "TCPC,bad host,80",
              "TCPC,127.0.0.1", "TCPC,127.0.0.1,http"]),
    "TCPSE": ("kick", [("keep", None), ("KICK", "kick")], ["drop", "", "1"]),
    "SOCKPORT": ("0", [("1", None), ("65535", None), ("0", None)], ["-1", "65536", "x", ""]),
    "RFCEN": ("ON", [("OFF", None), ("on", "ON")], ["maybe", ""]),
    "REGEN": ("OFF", [("MAC", None), ("usr", "USR"), ("CLOUD", None), ("Off", "OFF")], ["IMEI", ""]),
    "REGTCP": ("FIRST", [("EVERY", None), ("all", "ALL"), ("first", "FIRST")], ["NEVER", ""]),
    "REGCLOUD": (",", [("12345678901234567890,abcdefgh", None)],
                 ["1234567890123456789,abcdefgh", "123456789012345678901,abcdefgh",
                  "12345678901234567890,abcdefg", "12345678901234567890,abcdefghi",
                  "12345678901234567890"]),
    "REGUSR": ("www.usr.cn", [("x", None), (H40, None), ("a,b", None), ("\"quoted\"", "quoted")],
               ["", H40 + "x"]),
    "HTPTP": ("GET", [("POST", None), ("get", "GET")], ["PUT", ""]),
    "HPTTP": ("GET", [("POST", None)], ["HEAD"]),
    "HTPURL": ("/1.php?", [("/", None), ("/" + "u" * 99, None), ("/a.php?x=1,y=2", None)],
               ["", "/" + "u" * 100]),
    "HTPHEAD": ("User_Agent: Mozilla/4.0<<CRLF>>Connection: close",
                [("X-A: 1", None), ("H: " + "h" * 196, None)], ["", "H: " + "h" * 197]),
    "HTPCHD": ("OFF", [("ON", None)], ["2"]),
    "HEARTEN": ("OFF", [("ON", None), ("off", "OFF")], ["true"]),
    "HEARTTP": ("NET", [("COM", None), ("net", "NET")], ["UART"]),
    "HEARTTM": ("30", [("1", None), ("65535", None)], ["0", "65536", "1.5", ""]),
    "HEARTDT": ("www.usr.cn", [("h", None), ("h" * 39, None)], ["", "h" * 40]),
    "SCSLINK": ("ON", [("OFF", None)], ["X"]),
    "CLIENTRST": ("OFF", [("ON", None)], ["X"]),
    "INDEXEN": ("OFF", [("ON", None)], ["X"]),
    "SOCKSL": ("OFF", [("ON", None)], ["X"]),
    "SHORTO": ("3", [("2", None), ("255", None)], ["1", "256", "0", "x"]),
    "UARTCLBUF": ("OFF", [("ON", None)], ["X"]),
    "RSTIM": ("3600", [("0", None), ("60", None), ("65535", None)], ["1", "59", "65536", "-1", "x"]),
    "MAXSK": ("4", [("1", None), ("16", None)], ["0", "17", "x", ""]),
    "MID": ("USR-TCP232-30X", [("m", None), ("m" * 15, None), ("My Bridge", None)],
            ["", "m" * 16]),
}

# Query-only commands: (reply pattern)
QUERIES = {
    "VER": rb"V4016",
    "MAC": rb"[0-9A-F]{12}",
    "SOCKLK": rb"disconnect",
    "PDTIME": rb"\d{4}-\d{2}-\d{2}",
}

_daemon = {}


def daemon():
    """One daemon for the whole table, in command mode."""
    if "d" not in _daemon:
        tmp = tempfile.mkdtemp(prefix="usrb-at-table-")
        d = Daemon(tmp, 'link1 = { mode = "TCPS"; host = "127.0.0.1"; port = %d; };' % PORT)
        d.start()
        d.command_mode()
        _daemon["d"] = d
        atexit.register(d.close)
    return _daemon["d"]


def check(cmd, want):
    got = daemon().at(cmd)
    assert got == want, "%s: got %r, want %r" % (cmd, got, want)


def setting_test(name, default, good, bad):
    def test(tmp):
        if default is not None:
            check("AT+" + name, val(default))
            check("AT+%s?" % name, val(default))
            check("at+" + name.lower(), val(default))
        last = default
        for value, shown in good:
            check("AT+%s=%s" % (name, value), OK)
            last = shown if shown is not None else value
            check("AT+" + name, val(last))
        for value in bad:
            check("AT+%s=%s" % (name, value), err(-4))
            check("AT+" + name, val(last))      # unchanged
    test.__name__ = "test_at_" + name.lower()
    return test


def query_test(name, pattern):
    def test(tmp):
        for form in ("AT+" + name, "AT+%s?" % name, "at+" + name.lower()):
            got = daemon().at(form)
            assert re.fullmatch(rb"\r\n\+OK=" + pattern + rb"\r\n", got), (form, got)
        check("AT+%s=1" % name, err(-3))
    test.__name__ = "test_at_" + name.lower()
    return test


for _n, (_d, _g, _b) in SETTINGS.items():
    globals()["test_at_" + _n.lower()] = setting_test(_n, _d, _g, _b)
for _n, _p in QUERIES.items():
    globals()["test_at_" + _n.lower()] = query_test(_n, _p)


def test_at_e(tmp):
    """AT+E takes effect at once: with echo on, every byte the MCU sends in
    command mode comes back before the reply."""
    check("AT+E", val("off"))
    check("AT+E?", val("off"))
    check("AT+E=on", OK)                 # received before echo was on
    check("AT+E", b"AT+E\r" + val("on"))
    check("AT+E=yes", b"AT+E=yes\r" + err(-4))
    check("AT+E=1", b"AT+E=1\r" + err(-4))
    check("AT+E", b"AT+E\r" + val("on"))
    check("AT+E=OFF", b"AT+E=OFF\r" + OK)
    check("AT+E", val("off"))
    check("at+e", val("off"))


def test_at_h(tmp):
    d = daemon()
    d.pty.write(b"AT+H\r")
    got = d.pty.read_until(b"AT+Z: Restart the device\r\n", 3)
    assert got.startswith(b"\r\n+OK=AT+CLIENTRST: ") and got.endswith(b"\r\n"), got
    names = re.findall(rb"AT\+([A-Z]+): ", got)
    expect = set(SETTINGS) - {"HPTTP"} | set(QUERIES) | {"E", "H", "Z", "ENTM", "RELD"}
    assert set(n.decode() for n in names) == expect, names
    assert len(names) == 40
    check("AT+H=1", err(-3))


def test_at_actions_take_no_operator(tmp):
    for name in ("Z", "ENTM", "RELD"):
        check("AT+%s?" % name, err(-3))
        check("AT+%s=1" % name, err(-3))


def test_at_unknown_and_malformed(tmp):
    check("AT+NOPE", err(-2))
    check("AT+NOPE=1", err(-2))
    check("AT+VERSION?", err(-2))
    check("HELLO", err(-1))
    check("AT+", err(-1))
    check("AT+VER??", err(-1))
    check("AT", OK)
    check("at", OK)


def test_at_overlong_line(tmp):
    d = daemon()
    d.pty.write(b"AT+MID=" + b"m" * 600 + b"\r")
    got = d.pty.read_until(b"\r\n+ERR=-1\r\n", 3)
    assert got == err(-1), got
    check("AT+VER", val("V4016"))   # the next line is fine


def test_at_line_endings(tmp):
    d = daemon()
    for end in (b"\r", b"\r\n", b"\n", b"\n\r"):
        d.pty.write(b"AT+VER" + end)
        got = d.pty.read_until(b"V4016\r\n", 3)
        assert got == val("V4016"), (end, got)
    assert d.pty.read(0.3) == b""   # "\n\r" and "\r\n" end one line, not two


def test_721_edit_save_restart(tmp):
    """PROTOCOLS.md §4: on the 721 a change lives in memory (a query shows
    it at once) until ATW saves it; a restart starts from the saved
    settings, so a change not saved is lost, as on the device."""
    port = free_port()
    settings = ('network = { allow_out = [ "127.0.0.0/8", "::1" ]; };\n'
                'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };' % port)
    with Daemon(tmp, settings, personality="gprs232-721") as d:
        d.start()
        d.command_mode(guard=0.3)       # seed 003 §3.1.1: T1 > 200 ms
        assert d.at("AT+CIPR=9600") == b"\r\nOK\r\n"
        assert d.at("AT+CIPR?") == b"\r\n+CIPR: 9600\r\n\r\nOK\r\n"
        assert d.ctl("get", "serial.baud")[1] == "9600\n"
        state = os.path.join(d.state_dir, "settings.conf")
        assert not os.path.exists(state) or "9600" not in open(state).read()
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        d.command_mode(guard=0.3)
        assert d.at("AT+CIPR?") == b"\r\n+CIPR: 115200\r\n\r\nOK\r\n"
        assert d.at("AT+CIPR=9600") == b"\r\nOK\r\n"
        assert d.at("ATW") == b"\r\nOK\r\n"
        assert "baud = 9600;" in open(state).read()
        d.ctl("restart")
        d.wait_log(r"restarted \(usrbridgectl restart\)", count=2)
        d.command_mode(guard=0.3)
        assert d.at("AT+CIPR?") == b"\r\n+CIPR: 9600\r\n\r\nOK\r\n"
        assert d.at("AT+NOPE") == b"\r\nERROR\r\n"


run_tests(globals())
