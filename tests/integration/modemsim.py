"""A simulated cellular modem on a pseudo-terminal, for the tests of the 721's
modem (PROTOCOLS.md §4 "Modem"). Written from the standards, not from the
daemon: ITU-T V.250 (D dial with the voice-call ';' of TS 27.007 §6.2, H,
A, S0 read as three digits §5.3.2, NO CARRIER), 3GPP TS 27.007 (general and
network commands: E, +CGSN, +CIMI, +CCLK, +CSCS, +CREG, +CSQ, +COPS; final
result codes §9.2) and TS 27.005 (SMS text mode: +CMGF, +CNMI, +CSCA,
+CSMP, +CSDH, +CMGS with its "> " prompt ended by Ctrl-Z or abandoned by
ESC, +CMGR, +CMGL, +CMGD, +CMTI; +CMS ERROR §3.2.5), with the
character set conversions of TS 27.005 §3.1 (a UCS-2 message's text is hex
whatever +CSCS says; a GSM 7-bit one is given in the TE character set).

It keeps an SMS store, echoes commands until ATE0 (a real modem starts with
E1), and can announce +CMTI, answer slowly, answer ERROR to chosen commands,
fail sends with +CMS ERROR, stop answering, or vanish (its pty closes, as a
USB modem unplugged) and come back on the same path."""

import os
import re
import select
import threading
import time

from harness import Pty

# TS 23.038 §6.2.1: the default alphabet (basic and extension tables).
GSM7 = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = "\f^{}\\[~]|€"
CTRL_Z, ESC = 0x1A, 0x1B


def in_gsm7(text):
    return all(c in GSM7 or c in GSM7_EXT for c in text)


def ucs2_hex(text):
    return text.encode("utf-16-be").hex().upper()


def from_ucs2_hex(h):
    return bytes.fromhex(h).decode("utf-16-be")


class ModemSim:
    def __init__(self, link, imei="356938035643809", operator="Test Operator",
                 imsi="460001234567890"):
        self.link = link
        self.imei = imei
        self.imsi = imsi
        self.operator = operator
        self.lock = threading.RLock()
        self.commands = []          # every command line received, in order
        self.sent = []              # (number, text, dcs) of every AT+CMGS that succeeded
        self.store = {}             # index -> dict(stat, oa, text, dcs, scts)
        self.error_on = set()       # command names ("+CNMI", "E") answered ERROR
        self.cms_fail = 0           # the next n AT+CMGS answer +CMS ERROR: 500
        self.delay = 0.0            # seconds before each answer
        self.silent = False         # answer nothing at all
        self.rssi, self.ber = 20, 99
        self.stat, self.lac, self.ci = 1, "00C3", "1A2B"
        self.clock = "24/05/01,12:00:00+32"     # TS 27.007 §8.15: quarters of an hour
        self.sca = "+8613800100500"
        self.dialled = []           # every dial string of ATD, in order
        self.ringing = False
        self.reset_settings()
        self.pty = None
        self.running = False
        self.thread = None
        self._open()

    def reset_settings(self):
        # Power-on values (TS 27.007 / 27.005 defaults).
        self.echo = True
        self.cmgf = 0
        self.cnmi_mt = 0
        self.creg_n = 0
        self.cscs = "IRA"
        self.csdh = 0
        self.csmp = [17, 167, 0, 0]    # TS 27.005 §3.3.2 <fo>,<vp>,<pid>,<dcs>
        self.csmp_dcs = 0
        self.mr = 0
        self.s0 = 0

    # --- the pty -------------------------------------------------------------

    def _open(self):
        self.pty = Pty(self.link)
        self.buf = bytearray()
        self.body_for = None        # the AT+CMGS waiting for its text
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def vanish(self):
        """Unplugged: the pty closes and its path goes away."""
        self.running = False
        if self.thread:
            self.thread.join()
        with self.lock:
            self.pty.close()
            self.pty = None

    def come_back(self):
        """Plugged in again: a fresh modem on the same path."""
        with self.lock:
            self.reset_settings()
        self._open()

    def close(self):
        if self.pty:
            self.vanish()

    def _write(self, data):
        with self.lock:
            if self.pty:
                try:
                    self.pty.write(data)
                except OSError:
                    pass

    def _reply(self, *lines):
        """Information lines then the final result, in V.250 verbose form."""
        if self.silent:
            return
        if self.delay:
            time.sleep(self.delay)
        self._write(b"".join(b"\r\n" + line.encode() + b"\r\n" for line in lines))

    def unsolicited(self, line):
        self._write(b"\r\n" + line.encode() + b"\r\n")

    def _run(self):
        while self.running:
            r, _, _ = select.select([self.pty.master], [], [], 0.05)
            if not r:
                continue
            try:
                data = os.read(self.pty.master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                return
            for b in data:
                self._byte(b)

    def _byte(self, b):
        if self.body_for is not None:
            if b == CTRL_Z:
                number, body, self.body_for = self.body_for, bytes(self.buf), None
                self.buf = bytearray()
                self._sms_submit(number, body)
            elif b == ESC:
                self.body_for = None
                self.buf = bytearray()
                self._reply("OK")
            else:
                self.buf.append(b)
            return
        if b == 0x0D:
            line = bytes(self.buf).decode("latin-1")
            self.buf = bytearray()
            if self.echo and not self.silent:
                self._write(line.encode("latin-1") + b"\r")
            if line.strip():
                self._command(line.strip())
        elif b != 0x0A:
            self.buf.append(b)

    # --- commands -------------------------------------------------------------

    def _te_string(self, s):
        """A string parameter as the TE gives it under +CSCS."""
        return from_ucs2_hex(s) if self.cscs == "UCS2" else s

    def _to_te(self, s):
        return ucs2_hex(s) if self.cscs == "UCS2" else s

    def _command(self, line):
        with self.lock:
            self.commands.append(line)
        up = line.upper()
        if not up.startswith("AT"):
            return self._reply("ERROR")
        body = line[2:]
        name = body.split("=")[0].split("?")[0].upper()
        if name in self.error_on or (name == "E0" and "E" in self.error_on):
            return self._reply("ERROR")
        try:
            return self._dispatch(body, name)
        except (ValueError, IndexError, KeyError):
            return self._reply("ERROR")

    def _dispatch(self, body, name):
        ub = body.upper()
        if ub == "":
            return self._reply("OK")
        if ub in ("E0", "E1"):
            self.echo = ub == "E1"
            return self._reply("OK")
        if ub == "+CGSN":
            return self._reply(self.imei, "OK")
        if ub == "+CSQ":
            return self._reply("+CSQ: %d,%d" % (self.rssi, self.ber), "OK")
        if ub == "+COPS?":
            name_te = self._to_te(self.operator)
            return self._reply('+COPS: 0,0,"%s",0' % name_te, "OK")
        if ub.startswith("+CMGF="):
            v = int(body[6:])
            if v not in (0, 1):
                raise ValueError
            self.cmgf = v
            return self._reply("OK")
        if ub.startswith("+CNMI="):
            fields = body[6:].split(",")
            self.cnmi_mt = int(fields[1]) if len(fields) > 1 and fields[1] else 0
            return self._reply("OK")
        if ub.startswith("+CREG="):
            v = int(body[6:])
            if v not in (0, 1, 2):
                raise ValueError
            self.creg_n = v
            return self._reply("OK")
        if ub == "+CREG?":
            if self.creg_n == 2 and self.stat in (1, 5):
                return self._reply('+CREG: 2,%d,"%s","%s"' % (self.stat, self.lac, self.ci), "OK")
            return self._reply("+CREG: %d,%d" % (self.creg_n, self.stat), "OK")
        if ub == "+CSCS?":
            return self._reply('+CSCS: "%s"' % self.cscs, "OK")
        if ub.startswith("+CSCS="):
            cs = body[6:].strip('"').upper()
            if cs not in ("IRA", "GSM", "UCS2"):
                raise ValueError
            self.cscs = cs
            return self._reply("OK")
        if ub.startswith("+CSDH="):
            self.csdh = int(body[6:])
            return self._reply("OK")
        if ub.startswith("+CSMP="):
            fields = [int(f) for f in body[6:].split(",")]
            if len(fields) != 4:
                raise ValueError
            self.csmp = fields
            self.csmp_dcs = fields[3]
            return self._reply("OK")
        if ub == "+CSMP?":
            return self._reply("+CSMP: %d,%d,%d,%d" % tuple(self.csmp), "OK")
        if self.cmgf != 1 and name in ("+CMGS", "+CMGR", "+CMGL"):
            return self._reply("+CMS ERROR: 302")    # operation not allowed (PDU mode)
        if ub.startswith("+CMGS="):
            self.body_for = self._te_string(body[6:].strip('"'))
            if not self.silent:
                self._write(b"\r\n> ")
            return None
        if ub.startswith("+CMGR="):
            i = int(body[6:])
            if i not in self.store:
                return self._reply("+CMS ERROR: 321")   # invalid memory index
            m = self.store[i]
            stat = m["stat"]
            m["stat"] = "REC READ"
            return self._reply(self._header("+CMGR: " + '"%s",' % stat, m), self._text_te(m), "OK")
        if ub.startswith("+CMGL="):
            want = body[6:].strip('"')
            lines = []
            for i in sorted(self.store):
                m = self.store[i]
                if want != "ALL" and m["stat"] != want:
                    continue
                lines += [self._header('+CMGL: %d,"%s",' % (i, m["stat"]), m), self._text_te(m)]
                m["stat"] = "REC READ"
            return self._reply(*(lines + ["OK"]))
        if ub.startswith("+CMGD="):
            i = int(body[6:].split(",")[0])
            self.store.pop(i, None)
            return self._reply("OK")
        return self._dispatch_more(body, ub)

    def _dispatch_more(self, body, ub):
        if ub == "+CIMI":                       # TS 27.007 §5.6
            return self._reply(self.imsi, "OK")
        if ub == "+CCLK?":                      # TS 27.007 §8.15
            return self._reply('+CCLK: "%s"' % self.clock, "OK")
        if ub.startswith("+CCLK="):
            v = body[6:].strip('"')
            if not re.fullmatch(r"\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[-+]\d\d", v):
                raise ValueError
            self.clock = v
            return self._reply("OK")
        if ub == "+CMGF?":
            return self._reply("+CMGF: %d" % self.cmgf, "OK")
        if ub == "+CSCA?":                      # TS 27.005 §3.3.1
            return self._reply('+CSCA: "%s",%d' % (self._to_te(self.sca),
                                                   145 if self.sca.startswith("+") else 129),
                               "OK")
        if ub.startswith("+CSCA="):
            self.sca = self._te_string(body[6:].split(",")[0].strip('"'))
            return self._reply("OK")
        if ub == "S0?":                         # V.250 §6.3.8, read as §5.3.2
            return self._reply("%03d" % self.s0, "OK")
        if ub.startswith("S0="):
            v = int(body[3:])
            if not 0 <= v <= 255:
                raise ValueError
            self.s0 = v
            return self._reply("OK")
        if ub.startswith("D"):                  # V.250 §6.3.1
            dial = body[1:]
            if dial.upper() == "L":             # the last number again
                if not self.dialled:
                    return self._reply("ERROR")
                dial = self.dialled[-1]
            with self.lock:
                self.dialled.append(dial)
            # TS 27.007 §6.2: ';' makes it a voice call, answered OK.
            return self._reply("OK" if dial.endswith(";") else "NO CARRIER")
        if ub in ("H", "H0"):                   # V.250 §6.3.6
            self.ringing = False
            return self._reply("OK")
        if ub == "A":                           # V.250 §6.3.5
            if not self.ringing:
                return self._reply("NO CARRIER")
            self.ringing = False
            return self._reply("OK")
        return self._reply("ERROR")

    def _header(self, start, m):
        h = start + '"%s",,"%s"' % (self._to_te(m["oa"]), m["scts"])
        if self.csdh:
            h += ",%d,4,0,%d,\"+10000\",145,%d" % (145 if m["oa"].startswith("+") else 129,
                                                  m["dcs"], len(m["text"]))
        return h

    def _text_te(self, m):
        if m["dcs"] == 8:
            return ucs2_hex(m["text"])      # UCS-2: hex in any character set
        return self._to_te(m["text"])

    def _sms_submit(self, number, body):
        text = body.decode("latin-1")
        if self.csmp_dcs == 8 or self.cscs == "UCS2":
            text = from_ucs2_hex(text)
        limit = 70 if self.csmp_dcs == 8 else 160
        if self.cms_fail > 0:
            self.cms_fail -= 1
            return self._reply("+CMS ERROR: 500")
        if len(text.encode("utf-16-le")) // 2 > limit and self.csmp_dcs == 8:
            return self._reply("+CMS ERROR: 305")
        if self.csmp_dcs != 8 and (not in_gsm7(text) or
                                   sum(2 if c in GSM7_EXT else 1 for c in text) > limit):
            return self._reply("+CMS ERROR: 305")
        with self.lock:
            self.sent.append((number, text, self.csmp_dcs))
        self.mr = (self.mr + 1) % 256
        return self._reply("+CMGS: %d" % self.mr, "OK")

    # --- what a test does -------------------------------------------------------

    def deliver(self, oa, text, announce=True):
        """An SMS arrives from oa: stored, and announced with +CMTI when
        AT+CNMI asked for it. Returns its index."""
        with self.lock:
            i = 1
            while i in self.store:
                i += 1
            self.store[i] = dict(stat="REC UNREAD", oa=oa, text=text,
                                 dcs=0 if in_gsm7(text) else 8, scts="24/05/01,12:00:00+08")
        if announce and self.cnmi_mt == 1:
            self.unsolicited('+CMTI: "SM",%d' % i)
        return i

    def ring(self):
        """A voice call comes in (V.250 §6.3.5: RING until answered)."""
        self.ringing = True
        self.unsolicited("RING")

    def set_registration(self, stat, lac=None, ci=None):
        self.stat = stat
        self.lac = lac or self.lac
        self.ci = ci or self.ci
        if self.creg_n == 2 and stat in (1, 5):
            self.unsolicited('+CREG: %d,"%s","%s"' % (stat, self.lac, self.ci))
        elif self.creg_n:
            self.unsolicited("+CREG: %d" % stat)

    def seen(self, prefix):
        """The commands received that start with prefix (case-insensitive)."""
        with self.lock:
            return [c for c in self.commands if c.upper().startswith(prefix.upper())]
