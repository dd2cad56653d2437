#!/usr/bin/env python3
"""What the MCU sees of the 721's modem (PROTOCOLS.md §4 "modem set",
CILAC?, CIRINGSTA, CISMSEND, "SMS transparent", "Password AT"): the real
daemon with the simulated modem of modemsim.py (written from V.250, TS
27.007 and 27.005) on a second pty. The modem set relayed byte for byte in
command mode and through password AT, AT+CMGS with its prompt, the answers
without a modem, the cell, auto-answer passed on as ATS0, an SMS sent for the
MCU, SMS transparent mode both ways, and SMS AT changing a setting."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests, wait_for  # noqa: E402
from test_modem import modem_daemon, status  # noqa: E402

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"
CIPNUM = "+8613800138000"


def dtu(tmp, dtu_group="", extra="", modem=True):
    """test_modem.modem_daemon with CIPNUM set and dtu_group's settings:
    yields (daemon, sim or None, server) once the modem is ready."""
    return modem_daemon(tmp, extra='sms = { number = "%s"; };\ndtu = { %s };\n%s'
                        % (CIPNUM, dtu_group, extra), modem=modem)


def expect(d, want, timeout=15.0):
    """The serial line gives exactly want next; b"": nothing for a while."""
    got = d.pty.read_exactly(len(want), timeout) if want else d.pty.read(0.5)
    assert got == want, "serial: got %r, want %r" % (got, want)


def at(d, line):
    d.pty.write(line + b"\r")


def pw(d, line):
    """A password-AT frame (CICOMAT on): its own write, after a pause."""
    time.sleep(0.2)
    d.pty.write(b"usr.cn#" + line)


# What the modem answers (modemsim.py), as the MCU must see it: V.250 lines,
# CR LF before the first information line and after each, then the final.
def relayed(*lines):
    return (b"\r\n" + b"".join(line + b"\r\n" for line in lines[:-1]) if len(lines) > 1
            else b"") + b"\r\n" + lines[-1] + b"\r\n"


SET = [
    (b"AT", relayed(b"OK")),
    (b"AT+CGSN", relayed(b"356938035643809", b"OK")),
    (b"AT+CIMI", relayed(b"460001234567890", b"OK")),
    (b"AT+CCLK?", relayed(b'+CCLK: "24/05/01,12:00:00+32"', b"OK")),
    (b'AT+CCLK="24/06/02,08:30:00+32"', relayed(b"OK")),
    (b"AT+CCLK?", relayed(b'+CCLK: "24/06/02,08:30:00+32"', b"OK")),
    (b'AT+CCLK="yesterday"', relayed(b"ERROR")),           # the modem's ERROR
    (b"ATD10086;", relayed(b"OK")),                         # a voice call
    (b"ATH", relayed(b"OK")),
    (b"ATD10086", relayed(b"NO CARRIER")),                  # a data call: the final as it came
    (b"ATDL", relayed(b"NO CARRIER")),                      # the last number again
    (b"ATA", relayed(b"NO CARRIER")),                       # nothing rings
    (b"ATS0=2", relayed(b"OK")),
    (b"ATS0?", relayed(b"002", b"OK")),
    (b"AT+CSQ", relayed(b"+CSQ: 20,99", b"OK")),
    (b"AT+COPS?", relayed(b'+COPS: 0,0,"Test Operator",0', b"OK")),
    (b"AT+CMGF?", relayed(b"+CMGF: 1", b"OK")),
    (b"AT+CMGF=1", relayed(b"OK")),
    (b"AT+CSCA?", relayed(b'+CSCA: "+8613800100500",145', b"OK")),
    (b'AT+CSCA="+8613800100501"', relayed(b"OK")),
    (b"AT+CMGL=\"ALL\"", relayed(
        b'+CMGL: 1,"REC UNREAD","+8613800138000",,"24/05/01,12:00:00+08"', b"stored",
        b"OK")),
    (b"AT+CMGR=1", relayed(b'+CMGR: "REC READ","+8613800138000",,"24/05/01,12:00:00+08"',
                           b"stored", b"OK")),
    (b"AT+CMGR=9", relayed(b"+CMS ERROR: 321")),           # word for word
    (b"at+csq", relayed(b"+CSQ: 20,99", b"OK")),           # as written, any case
]


def check_set(d, sim, send):
    """Every command of SET through send(d, line); the modem got each as
    written."""
    sim.clock = "24/05/01,12:00:00+32"
    sim.sca = "+8613800100500"
    sim.s0 = 0
    sim.dialled = []
    sim.store.clear()
    sim.deliver(CIPNUM, "stored", announce=False)
    for line, want in SET:
        n = len(sim.commands)
        send(d, line)
        expect(d, want)
        assert line.decode() in sim.commands[n:], (line, sim.commands[n:])
    assert sim.clock == "24/06/02,08:30:00+32" and sim.sca == "+8613800100501"
    assert sim.dialled == ["10086;", "10086", "10086"] and sim.s0 == 2, sim.dialled


def test_modem_set_in_command_mode(tmp):
    with dtu(tmp) as (d, sim, server):
        d.command_mode(guard=0.3)
        check_set(d, sim, at)
        # A call that rings: ATA answers it.
        sim.ring()
        at(d, b"ATA")
        expect(d, relayed(b"OK"))
        # Not of the set: ours, ERROR.
        at(d, b"AT+CPIN?")
        expect(d, ERROR)
        assert not sim.seen("AT+CPIN"), sim.commands
        d.stop()


def cmgs(d, text, want):
    """AT+CMGS from the MCU: the prompt, then text (with its Ctrl-Z or ESC)."""
    at(d, b'AT+CMGS="10086"')
    expect(d, b"\r\n> ")
    d.pty.write(text)
    expect(d, want)


def test_cmgs_prompt_text_and_escape(tmp):
    with dtu(tmp) as (d, sim, server):
        d.command_mode(guard=0.3)
        cmgs(d, b"charger 7: door open\x1a", relayed(b"+CMGS: 1", b"OK"))
        assert sim.sent[-1] == ("10086", "charger 7: door open", 0), sim.sent
        # ESC abandons it: the modem's OK, nothing sent.
        cmgs(d, b"never\x1b", OK)
        assert len(sim.sent) == 1, sim.sent
        # The modem refuses the text (+CMS ERROR), word for word.
        sim.cms_fail = 1
        cmgs(d, b"refused\x1a", relayed(b"+CMS ERROR: 500"))
        # A text typed before the prompt is kept; a command after the
        # Ctrl-Z waits for the reply and runs.
        d.pty.write(b'AT+CMGS="10086"\rearly\x1aAT+CSQ\r')
        expect(d, b"\r\n> " + relayed(b"+CMGS: 2", b"OK") + relayed(b"+CSQ: 20,99", b"OK"))
        assert sim.sent[-1] == ("10086", "early", 0), sim.sent
        # The daemon's own UCS-2 SMS leave the modem's text-mode
        # parameters as they were: the MCU's next text goes as GSM 7-bit.
        assert d.ctl("sms", "12345", "告警")[0] == 0
        assert sim.sent[-1] == ("12345", "告警", 8) and sim.csmp_dcs == 0, sim.sent
        cmgs(d, b"after\x1a", relayed(b"+CMGS: 4", b"OK"))
        assert sim.sent[-1] == ("10086", "after", 0), sim.sent
        # Longer than the modem takes: ERROR, nothing sent.
        cmgs(d, b"x" * 1401 + b"\x1a", ERROR)
        assert len(sim.sent) == 4, sim.sent
        at(d, b"AT")
        expect(d, OK)
        d.stop()


def test_modem_set_through_password_at(tmp):
    with dtu(tmp, "serial_at = true;") as (d, sim, server):
        wait_for(lambda: server.conns, 10, "link1 connected")
        check_set(d, sim, pw)
        # AT+CMGS needs the console's data phase: not through password AT.
        pw(d, b'AT+CMGS="10086"')
        expect(d, ERROR)
        assert not sim.seen("AT+CMGS"), sim.commands
        # Password AT is not data: the link got nothing.
        assert server.received() == b"", server.received()
        assert status(d)["work_mode"]["password_at_serial"] == len(SET) + 1
        d.stop()


def test_password_at_network_and_busy_source(tmp):
    with dtu(tmp, "serial_at = true; net_at = true;") as (d, sim, server):
        wait_for(lambda: server.conns, 10, "link1 connected")
        server.send_all(b"usr.cn#AT+CGSN")
        want = relayed(b"356938035643809", b"OK")
        wait_for(lambda: server.received() == want, 10, "the reply on link1")
        expect(d, b"")
        # A slow modem: while the serial line's command waits for it, a
        # second one from the same source is refused at once; the first
        # still answers, and the network's source is not busy.
        sim.delay = 1.5
        pw(d, b"AT+CSQ")
        pw(d, b"AT+CIMI")
        expect(d, ERROR)
        server.send_all(b"usr.cn#AT+CIVER?")
        wait_for(lambda: server.received().endswith(OK) and b"+CIVER: " in server.received(),
                 10, "the network's own command")
        expect(d, relayed(b"+CSQ: 20,99", b"OK"), 30)
        sim.delay = 0
        assert status(d)["work_mode"]["password_at_busy"] == 1
        d.wait_log("password AT from the serial line: refused, the previous command still runs")
        d.stop()


def test_without_a_modem(tmp):
    # modem.device names a tty that is not there: the modem is not ready.
    with dtu(tmp, modem=None) as (d, sim, server):
        d.command_mode(guard=0.3)
        at(d, b"AT")
        expect(d, OK)
        at(d, b"AT+CCLK?")
        got = d.pty.read_until(OK, 5)
        assert re.fullmatch(rb'\r\n\+CCLK: "\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[-+]\d\d"\r\n\r\nOK\r\n',
                            got), got
        for line in (b"AT+CGSN", b"AT+CIMI", b'AT+CCLK="24/06/02,08:30:00+32"', b"ATD10086;",
                     b"ATDL", b"ATH", b"ATA", b"ATS0=1", b"ATS0?", b"AT+CSQ", b"AT+COPS?",
                     b"AT+CMGF=1", b'AT+CMGL="ALL"', b"AT+CMGR=1", b'AT+CMGS="10086"',
                     b"AT+CSCA?", b"AT+CILAC?", b'AT+CISMSEND="10086","hi"'):
            at(d, line)
            expect(d, ERROR)
        # The console is not left in a data phase by AT+CMGS.
        at(d, b"AT+CIPR?")
        expect(d, b"\r\n+CIPR: 115200\r\n" + OK)
        d.stop()


def test_cilac(tmp):
    with dtu(tmp) as (d, sim, server):
        d.command_mode(guard=0.3)
        # TS 27.007 §7.2 +CREG: LAC and CI as hexadecimal strings.
        at(d, b"AT+CILAC?")
        expect(d, b'\r\n+CILAC: "00C3","1A2B"\r\n' + OK)
        sim.set_registration(5, "0A0B", "0000FFFF")
        wait_for(lambda: status(d)["modem"]["lac"] == "0A0B", 10, "the new cell")
        at(d, b"AT+CILAC?")
        expect(d, b'\r\n+CILAC: "0A0B","0000FFFF"\r\n' + OK)
        # Searching: no cell, ERROR.
        sim.set_registration(2)
        wait_for(lambda: status(d)["modem"]["reg_stat"] == 2, 10, "searching")
        at(d, b"AT+CILAC?")
        expect(d, ERROR)
        at(d, b"AT+CILAC=1")
        expect(d, ERROR)
        d.stop()


def test_ciringsta_passed_on_as_ats0(tmp):
    with dtu(tmp) as (d, sim, server):
        # The factory value (0) at init.
        wait_for(lambda: sim.seen("ATS0="), 10, "ATS0 at init")
        assert sim.seen("ATS0=") == ["ATS0=0"] and sim.s0 == 0, sim.commands
        d.command_mode(guard=0.3)
        at(d, b"AT+CIRINGSTA=1")
        expect(d, OK)
        at(d, b"AT+CIRINGSTA?")
        expect(d, b"\r\n+CIRINGSTA: 1\r\n" + OK)
        at(d, b"ATW")
        expect(d, OK)
        assert sim.seen("ATS0=") == ["ATS0=0"], "passed on before the restart"
        at(d, b"AT+CIRESET")
        expect(d, OK)
        wait_for(lambda: sim.s0 == 1, 10, "ATS0=1 after the restart")
        assert sim.seen("ATS0=") == ["ATS0=0", "ATS0=1"], sim.commands
        # A modem plugged in again gets it at its init.
        sim.vanish()
        wait_for(lambda: not status(d)["modem"]["present"], 20, "gone")
        sim.come_back()
        wait_for(lambda: status(d)["modem"]["present"], 20, "back")
        wait_for(lambda: sim.s0 == 1, 10, "ATS0=1 at the new init")
        d.stop()


def test_cismsend(tmp):
    with dtu(tmp) as (d, sim, server):
        d.command_mode(guard=0.3)
        at(d, b'AT+CISMSEND="13800138000","fault 17, door open"')
        expect(d, OK)
        assert sim.sent == [("13800138000", "fault 17, door open", 0)], sim.sent
        # Refused by the network every time: ERROR once the modem gave up
        # (an attempt and 3 retries, 1 + 2 + 4 s apart).
        sim.cms_fail = 100
        n = len(sim.seen("AT+CMGS"))
        at(d, b'AT+CISMSEND="13800138000","never"')
        expect(d, ERROR, 40)
        assert len(sim.seen("AT+CMGS")) - n == 4, sim.commands
        sim.cms_fail = 0
        at(d, b'AT+CISMSEND="not a number","x"')
        expect(d, ERROR)
        at(d, b'AT+CISMSEND="13800138000"')
        expect(d, ERROR)
        assert status(d)["modem"]["sms_failed"] == 1
        d.stop()


def test_sms_mode_both_ways(tmp):
    with dtu(tmp, 'mode = "SMS";') as (d, sim, server):
        st = status(d)
        assert st["work_mode"]["running"] == "SMS" and st["work_mode"]["available"], st
        assert st["sms"]["mode"] and st["sms"]["why"] == "", st["sms"]
        # Frames go as SMS to CIPNUM; no link runs.
        d.pty.write(b"temp=25")
        wait_for(lambda: sim.sent, 10, "the frame as an SMS")
        assert sim.sent == [(CIPNUM, "temp=25", 0)], sim.sent
        assert not server.conns and server.received() == b""
        # From CIPNUM (written nationally): to the serial line as it is.
        i = sim.deliver("13800138000", "set limit 32A")
        expect(d, b"set limit 32A")
        wait_for(lambda: i not in sim.store, 10, "read and deleted")
        # From anyone else: logged and dropped (and deleted all the same).
        j = sim.deliver("+4915112345678", "spam")
        wait_for(lambda: status(d)["sms"]["from_others"] == 1, 10, "the other number counted")
        assert j not in sim.store
        d.wait_log(r"SMS from \+4915112345678 \(4 bytes\) is not from CIPNUM")
        expect(d, b"")
        # A UCS-2 text both ways: UTF-8 on the serial line.
        sim.deliver(CIPNUM, "温度 25°C")
        expect(d, "温度 25°C".encode())
        d.pty.write("告警".encode())
        wait_for(lambda: len(sim.sent) == 2, 10, "the UCS-2 frame")
        assert sim.sent[1] == (CIPNUM, "告警", 8), sim.sent
        st = status(d)["sms"]
        assert st == dict(st, frames_sent=2, frames_dropped=0, to_serial=2, from_others=1), st
        rc, text, _ = d.ctl("status")
        assert "sms      transparent mode (CIMOD=4) with %s\n" % CIPNUM in text, text
        assert "mode     SMS (AT+CIMOD=4)" in text, text
        d.stop()


def test_sms_mode_without_a_modem(tmp):
    with dtu(tmp, 'mode = "SMS";', modem=False) as (d, sim, server):
        d.pty.write(b"lost frame")
        wait_for(lambda: status(d)["sms"]["frames_dropped"] == 1, 10, "counted")
        time.sleep(0.3)
        d.pty.write(b"another")
        wait_for(lambda: status(d)["sms"]["frames_dropped"] == 2, 10, "counted")
        st = status(d)["sms"]
        assert st["why"] == "no modem (modem.device): frames are dropped", st
        # Said once, counted every time.
        assert d.log_count(r"sms: a frame of \d+ bytes is dropped: no modem") == 1
        rc, text, _ = d.ctl("status")
        assert "no modem (modem.device): frames are dropped" in text, text
        d.stop()


def sms_at(sim, sender, text):
    """An SMS from sender; the text of the SMS the daemon sends back to it."""
    n = len(sim.sent)
    sim.deliver(sender, text)
    wait_for(lambda: len(sim.sent) > n, 15, "the reply to %r" % text)
    assert sim.sent[n][0] == sender and len(sim.sent) == n + 1, sim.sent[n:]
    return sim.sent[n][1]


def test_sms_at_changes_a_setting(tmp):
    with dtu(tmp) as (d, sim, server):
        admin = "+4915112345678"
        assert sms_at(sim, admin, "usr.cn#AT+CIPR=9600") == "OK"
        assert sms_at(sim, admin, "usr.cn#AT+CIPR?") == "+CIPR: 9600\nOK"
        assert sms_at(sim, admin, "usr.cn#ATW") == "OK"
        # Saved: a restart runs with it.
        assert d.ctl("restart")[0] == 0
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        assert d.ctl("get", "serial.baud")[1] == "9600\n"
        wait_for(lambda: status(d)["serial"]["baud"] == 9600, 10, "the line at 9600")
        # A command the modem answers, through SMS AT.
        assert sms_at(sim, admin, "usr.cn#AT+CSQ") == "+CSQ: 20,99\nOK"
        # A wrong one, a malformed one, and AT+CMGS (no data phase): ERROR.
        for bad in ("usr.cn#AT+NOPE", "usr.cn#AT\nAT", 'usr.cn#AT+CMGS="10086"'):
            assert sms_at(sim, admin, bad) == "ERROR"
        # Not a command, outside SMS mode: dropped, counted.
        sim.deliver(admin, "hello")
        wait_for(lambda: status(d)["sms"]["not_sms_mode"] == 1, 10, "dropped")
        wait_for(lambda: not sim.store, 10, "every SMS deleted")
        # Never on the serial line; the link got nothing either.
        expect(d, b"")
        assert server.received() == b""
        st = status(d)["sms"]
        assert st == dict(st, at_run=7, at_replied=7, at_reply_failed=0), st
        d.stop()


def test_sms_at_in_sms_mode_from_cipnum(tmp):
    """In SMS mode a command from CIPNUM is a command, not data; several
    waiting in the store run in turn."""
    with dtu(tmp, 'mode = "SMS";') as (d, sim, server):
        sim.deliver(CIPNUM, "usr.cn#AT+CIMOD?", announce=False)
        sim.deliver(CIPNUM, "usr.cn#AT+CIPNUM?", announce=False)
        sim.deliver(CIPNUM, "data for the MCU", announce=False)
        # Not announced: read at the next init (a restart keeps the modem,
        # so the modem is reopened).
        sim.vanish()
        sim.come_back()
        wait_for(lambda: len(sim.sent) >= 2, 30, "two replies")
        assert sim.sent[:2] == [(CIPNUM, "+CIMOD: 4\nOK", 0),
                                (CIPNUM, '+CIPNUM: "%s"\nOK' % CIPNUM, 0)], sim.sent
        expect(d, b"data for the MCU")
        expect(d, b"")
        d.stop()


run_tests(globals())
