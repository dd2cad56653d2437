#!/usr/bin/env python3
"""The 721's modem (PROTOCOLS.md §4 "Modem"): the real daemon with a
simulated modem (modemsim.py, written from TS 27.007 / 27.005) on a second
pty: its initialisation, status, incoming SMS read and deleted, SMS sent
(split, UCS-2, retried), and a modem that vanishes, stops answering or
answers ERROR, while the links carry data unaffected."""

import contextlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Server, random_bytes, run_tests, wait_for  # noqa: E402
from modemsim import ModemSim  # noqa: E402

INIT = ["ATE0", "AT+CMGF=1", "AT+CNMI=2,1", "AT+CREG=2"]


@contextlib.contextmanager
def modem_daemon(tmp, prepare=None, present=True, extra="", modem=True):
    """A 721 whose link1 goes to a loopback server (never test.usr.cn),
    with the simulated modem on modem.device (modem False: none; None: a
    tty that is not there; yields sim None then): started (after
    prepare(sim)) and, with present, initialised. extra: more settings."""
    sim = ModemSim(os.path.join(tmp, "modem-tty")) if modem else None
    server = Server().start()
    dev = sim.link if sim else os.path.join(tmp, "no-such-modem") if modem is None else ""
    settings = ('link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };\n'
                'serial = { device = "%s"; pack_gap_us = 0; lock_dir = ""; };\n'
                'modem = { device = "%s"; };\n%s'
                % (server.port, os.path.join(tmp, "d-tty"), dev, extra))
    try:
        with Daemon(tmp, settings, personality="gprs232-721") as d:
            if prepare:
                prepare(sim)
            d.start()
            if present and sim:
                wait_present(d)
            yield d, sim, server
            d.stop()
    finally:
        if sim:
            sim.close()
        server.stop()


def status(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def modem(d):
    return status(d)["modem"]


def wait_present(d, present=True, timeout=20):
    return wait_for(lambda: modem(d)["present"] == present and modem(d), timeout,
                    "modem present=%s" % present)


def test_init_sequence_and_status(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        m = modem(d)
        # PROTOCOLS.md §4: ATE0, text mode, +CMTI announcements,
        # +CREG with LAC and CI, in that order, before anything else.
        got = [c for c in sim.commands if c.upper() in INIT]
        assert got[:4] == INIT, sim.commands
        assert sim.commands.index("ATE0") < sim.commands.index("AT+CGSN"), sim.commands
        assert sim.cmgf == 1 and sim.cnmi_mt == 1 and sim.creg_n == 2 and not sim.echo
        assert m["imei"] == "356938035643809", m
        assert m["operator"] == "Test Operator", m
        assert m["csq"] == 20 and m["dbm"] == -73, m
        assert m["registration"] == "home" and m["reg_stat"] == 1, m
        assert m["lac"] == "00C3" and m["ci"] == "1A2B", m
        assert m["state"] == "ready" and m["why"] == "", m
        # Registration follows the unsolicited +CREG; signal the poll.
        sim.rssi = 31
        sim.set_registration(5, "0A0B", "0000FFFF")
        wait_for(lambda: modem(d)["registration"] == "roaming", 10, "roaming")
        m = modem(d)
        assert m["lac"] == "0A0B" and m["ci"] == "0000FFFF", m
        wait_for(lambda: modem(d)["csq"] == 31, 25, "the next AT+CSQ poll")
        assert modem(d)["dbm"] == -51
        rc, text, _ = d.ctl("status")
        assert "modem" in text and "IMEI 356938035643809" in text and "roaming" in text, text
        assert "CSQ 31 (-51 dBm)" in text and "LAC 0A0B" in text, text


def test_incoming_sms_read_and_deleted(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        i = sim.deliver("+8613800138000", "hello from the network")
        wait_for(lambda: sim.seen("AT+CMGD=%d" % i), 10, "AT+CMGD")
        assert i not in sim.store
        wait_for(lambda: modem(d)["sms_received"] == 1, 5, "one SMS counted")
        d.wait_log(r"SMS from \+8613800138000 \(22 bytes\)")
        # A UCS-2 text: read, decoded to UTF-8 (its length in bytes).
        text = "温度 25°C"
        j = sim.deliver("10086", text)
        wait_for(lambda: modem(d)["sms_received"] == 2, 10, "the UCS-2 SMS")
        d.wait_log(r"SMS from 10086 \(%d bytes\)" % len(text.encode()))
        assert j not in sim.store
        # Read back to back in UCS-2, then the modem's own character set.
        cmgr = sim.commands.index("AT+CMGR=%d" % i)
        assert sim.commands[cmgr - 2:cmgr] == ['AT+CSCS="UCS2"', "AT+CSDH=1"], sim.commands
        assert sim.cscs == "IRA" and sim.csdh == 0
        assert modem(d)["sms_read_failed"] == 0


def test_stored_sms_read_at_start(tmp):
    """An SMS that came while nobody listened is not announced: the
    init lists the unread ones and reads them."""
    with modem_daemon(tmp, prepare=lambda sim: sim.deliver(
            "+4915112345678", "waiting since yesterday", announce=False)) as (d, sim, server):
        wait_for(lambda: not sim.store, 15, "the stored SMS deleted")
        wait_for(lambda: modem(d)["sms_received"] == 1, 5, "it counted")


def test_sms_send_split_and_ucs2(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        rc, out, err = d.ctl("sms", "+8613800138000", "hello @ 5 £")
        assert rc == 0 and out == "sent\n", (rc, out, err)
        assert sim.sent == [("+8613800138000", "hello @ 5 £", 0)], sim.sent
        # 200 GSM-7 characters: two messages, 160 then 40.
        long = "".join(chr(ord("a") + i % 26) for i in range(200))
        rc, out, err = d.ctl("sms", "12345", long)
        assert rc == 0, err
        assert [s[1] for s in sim.sent[1:]] == [long[:160], long[160:]], sim.sent
        assert all(s[2] == 0 for s in sim.sent[1:])
        # An extension character counts two septets: 159 + 1 > 160 splits.
        ext = "x" * 159 + "€"
        assert d.ctl("sms", "12345", ext)[0] == 0
        assert [s[1] for s in sim.sent[3:]] == ["x" * 159, "€"], sim.sent[3:]
        # Outside the default alphabet: UCS-2, 70 characters a message.
        cn = "充电桩" * 30
        rc, out, err = d.ctl("sms", "12345", cn)
        assert rc == 0, err
        assert [(s[1], s[2]) for s in sim.sent[5:]] == [(cn[:70], 8), (cn[70:], 8)], sim.sent[5:]
        assert sim.cscs == "IRA", "the modem's character set was not put back"
        m = modem(d)
        assert m["sms_sent"] == 7 and m["sms_failed"] == 0, m
        # Bad requests answer at once.
        rc, _, err = d.ctl("sms", "not-a-number", "x")
        assert rc == 1 and "not a phone number" in err, err


def test_sms_send_retried_then_counted(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        # One failure, then it goes: the retry is invisible but logged.
        sim.cms_fail = 1
        rc, out, err = d.ctl("sms", "12345", "second time lucky")
        assert rc == 0, err
        assert len(sim.seen("AT+CMGS")) == 2 and sim.sent[-1][1] == "second time lucky"
        # Always refused: an attempt and 3 retries, then failed and counted.
        sim.cms_fail = 100
        n = len(sim.seen("AT+CMGS"))
        rc, out, err = d.ctl("sms", "12345", "never")
        assert rc == 1 and "not sent" in err, (rc, out, err)
        assert len(sim.seen("AT+CMGS")) - n == 4, sim.commands
        m = modem(d)
        assert m["sms_failed"] == 1 and m["sms_sent"] == 1, m
        d.wait_log(r"not sent after 4 attempts: AT\+CMGS=.* answered \+CMS ERROR: 500")
        assert m["present"], "a refused SMS is no reason to reopen the modem"


def test_pass_through(tmp):
    """modem_relay(), the pass-through of the 721's modem commands, through
    usrbridgectl modem: the modem's reply lines and final as it gave them."""
    with modem_daemon(tmp) as (d, sim, server):
        assert d.ctl("modem", "AT+CSQ")[:2] == (0, "+CSQ: 20,99\nOK\n")
        assert d.ctl("modem", "AT+CGSN")[:2] == (0, "356938035643809\nOK\n")
        # The answer to AT+CREG? is the command's, not an unsolicited +CREG.
        assert d.ctl("modem", "AT+CREG?")[:2] == (0, '+CREG: 2,1,"00C3","1A2B"\nOK\n')
        assert d.ctl("modem", "AT+NOPE")[:2] == (1, "ERROR\n")
        assert d.ctl("modem", "AT+CMGR=9")[:2] == (1, "+CMS ERROR: 321\n")
        assert sim.seen("AT+CMGR=9"), sim.commands
        # A text announced around a relayed command: both are served, in turn.
        sim.delay = 0.5
        i = sim.deliver("+4915112345678", "in between")
        assert d.ctl("modem", "AT+COPS?")[:2] == (0, '+COPS: 0,0,"Test Operator",0\nOK\n')
        sim.delay = 0
        wait_for(lambda: i not in sim.store, 10, "the SMS read and deleted")
        rc, out, _ = d.ctl("modem", 'AT+CMGS="123"')
        assert rc == 1 and "use sms" in out, out


def test_unplugged_and_replugged_while_links_carry_data(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        wait_for(lambda: server.conns, 10, "link1 connected")
        first = random_bytes(4096, seed=1)
        d.pty.write(first)
        wait_for(lambda: server.received() == first, 10, "data before the unplug")
        sim.vanish()
        m = wait_present(d, False)
        assert m["why"], m
        # The links run on, both ways.
        second = random_bytes(4096, seed=2)
        d.pty.write(second)
        wait_for(lambda: server.received() == first + second, 10, "data while unplugged")
        server.send_all(b"to the MCU")
        assert d.pty.read_exactly(10) == b"to the MCU"
        assert status(d)["links"][0]["state"] == "up"
        rc, _, err = d.ctl("sms", "12345", "while gone")
        assert rc == 1 and "not sent" in err, err
        rc, out, _ = d.ctl("modem", "AT+CSQ")
        assert rc == 1 and "not ready" in out, out
        d.wait_log("modem .*: lost")
        sim.come_back()
        m = wait_present(d, True, 20)
        assert m["imei"] == "356938035643809" and m["reopens"] >= 1, m
        assert sim.seen("ATE0") and sim.cnmi_mt == 1, sim.commands
        third = random_bytes(4096, seed=3)
        d.pty.write(third)
        wait_for(lambda: server.received() == first + second + third, 10, "data after")
        assert status(d)["links"][0]["connects"] == 1, "the link was disturbed"


def test_silent_modem_reopened(tmp):
    with modem_daemon(tmp) as (d, sim, server):
        n = len(sim.seen("ATE0"))
        sim.silent = True
        # The next poll (10 s) gets no reply within 10 s: reopened.
        d.wait_log("no reply within 10 s; reopening", 40)
        m = modem(d)
        assert m["timeouts"] >= 1 and not m["present"], m
        sim.silent = False
        wait_present(d, True, 30)
        assert len(sim.seen("ATE0")) > n, "not initialised again after the reopen"
        assert modem(d)["reopens"] >= 1


def test_init_error_retried(tmp):
    with modem_daemon(tmp, prepare=lambda sim: sim.error_on.add("+CNMI"),
                      present=False) as (d, sim, server):
        m = wait_for(lambda: modem(d)["state"] == "failed" and modem(d), 15, "failed")
        assert "AT+CNMI=2,1 answered ERROR" in m["why"] and not m["present"], m
        wait_for(lambda: len(sim.seen("AT+CNMI")) >= 2, 15, "init tried again")
        assert not sim.seen("AT+CGSN"), "init went on after a required step failed"
        rc, text, _ = d.ctl("status")
        assert "not present: AT+CNMI=2,1 answered ERROR" in text, text
        sim.error_on = set()
        wait_present(d, True, 20)


def test_no_modem(tmp):
    server = Server().start()
    settings = 'link1 = { mode = "TCPC"; host = "127.0.0.1"; port = %d; };' % server.port
    try:
        with Daemon(tmp, settings, personality="gprs232-721") as d:
            d.start()
            assert status(d)["modem"] is None
            rc, _, err = d.ctl("sms", "12345", "x")
            assert rc == 1 and "no modem" in err, err
            rc, out, _ = d.ctl("modem", "AT")
            assert rc == 1 and "no modem" in out, out
            d.stop()
    finally:
        server.stop()


if __name__ == "__main__":
    run_tests(globals())
