"""RFC 2217 (PROTOCOLS.md §6) with the real clients: pyserial's
serial_for_url("rfc2217://...") and gensio's gensiot. While a client is
connected it owns the serial port: its line settings reach the pty at once
(tcgetattr on the master), DTR/RTS/BREAK/purge are acknowledged, data goes
both ways byte for byte (IAC doubled on the wire), the links are paused and
their data held; when it leaves, the saved line settings and the links come
back. One client at a time; network.allow_in applies; a busy port is retried
and status says why. On /dev/ttyS0 (when there is one) the same through
libserialport, with DTR and RTS seen on the UART."""

import fcntl
import json
import os
import random
import select
import socket
import subprocess
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (real_uart, Daemon, Skip, free_port, hold_port, is_closed, recv_exactly,  # noqa: E402
                     run_tests, wait_for)

import serial  # noqa: E402  (Debian's python3-serial, tools/deps test)

MIB = 1024 * 1024


def rfc_daemon(tmp, port, link_port=None, more=""):
    text = "rfc2217 = { port = %d; };\n" % port
    if link_port:
        text += 'link1 = { mode = "TCPS"; port = %d; };\n' % link_port
    return Daemon(tmp, text + more)


def status(d):
    rc, out, err = d.ctl("status", "--json")
    assert rc == 0, err
    return json.loads(out)


def attrs(d):
    """(cflag, ospeed) of the pty as the master sees the slave."""
    a = termios.tcgetattr(d.pty.master)
    return a[2], a[5]


def payload(n, seed, avoid=None):
    """Random bytes with plenty of 0xFF (IAC); avoid is replaced by avoid - 1."""
    rnd = random.Random(seed)
    b = bytearray(rnd.getrandbits(8) for _ in range(n))
    for i in range(0, n, 97):
        b[i] = 0xFF
    if avoid is not None:
        b = b.replace(bytes([avoid]), bytes([avoid - 1]))
    return bytes(b)


def link_client(port):
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(5)
    return c


def pyserial(port, **kw):
    return serial.serial_for_url("rfc2217://127.0.0.1:%d" % port, timeout=2, **kw)


def read_all(read, n, timeout=120):
    """n bytes from a client whose read() may return fewer (pyserial's
    timeout is per call)."""
    out = bytearray()
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        out += read(n - len(out))
    return bytes(out)


def one_mib_each_way(d, write, read, avoid=None):
    """1 MiB client -> pty and 1 MiB pty -> client, compared byte for byte."""
    up = payload(MIB, 1, avoid)
    t = threading.Thread(target=write, args=(up,))
    t.start()
    got = d.pty.read_exactly(MIB, timeout=120)
    t.join(60)
    assert got == up, "client -> serial differs at %d" % next(
        i for i in range(MIB) if got[i] != up[i])
    down = payload(MIB, 2, avoid)
    t = threading.Thread(target=d.pty.write, args=(down,))
    t.start()
    got = read_all(read, MIB)
    t.join(60)
    assert got == down, "serial -> client: %d bytes, differs at %s" % (
        len(got), next((i for i in range(min(len(got), MIB)) if got[i] != down[i]), "the end"))


def test_pyserial_owns_the_port_and_gives_it_back(tmp):
    port, lport = free_port(), free_port()
    with rfc_daemon(tmp, port, lport) as d:
        d.start()
        d.wait_log("rfc2217: listening on port %d" % port)
        lc = link_client(lport)
        d.wait_log("client 1 connected")
        s = pyserial(port, baudrate=9600)
        try:
            d.wait_log("owned by an RFC 2217 client")
            assert attrs(d)[1] == termios.B9600
            st = status(d)["rfc2217"]
            assert st["client"].startswith("127.0.0.1:") and st["listening"], st
            assert "owns the serial port" in d.ctl("status")[1]

            # Line settings, one by one, each on the pty at once.
            s.baudrate = 57600
            wait_for(lambda: attrs(d)[1] == termios.B57600, 5, "57600 on the pty")
            s.stopbits = serial.STOPBITS_TWO
            wait_for(lambda: attrs(d)[0] & termios.CSTOPB, 5, "two stop bits on the pty")
            s.bytesize = serial.SEVENBITS
            s.parity = serial.PARITY_EVEN
            cflag = attrs(d)[0]
            if cflag & termios.CSIZE != termios.CS7 or not cflag & termios.PARENB:
                # This kernel's pty keeps 8 data bits and refuses parity
                # (EINVAL): acknowledged as asked, said once, shown.
                d.wait_log("is a pty and cannot hold")
                assert d.log_count("is a pty and cannot hold") == 1
                ref = status(d)["serial"]["refused"]
                assert ref and ref["data_bits"] == 7 and ref["parity"] == "EVEN", ref
            assert (s.bytesize, s.parity, s.stopbits) == (7, "E", 2)

            # Modem lines: a pty has none; pyserial still gets its answers.
            s.dtr = False
            s.rts = False
            s.dtr = True
            s.rts = True
            d.wait_log("pty without modem lines; DTR on acknowledged as asked")
            assert d.log_count("pty without modem lines") == 1
            assert s.cts is False and s.dsr is False  # the first NOTIFY-MODEMSTATE
            s.send_break(0.05)
            d.wait_log("rfc2217: BREAK on")
            d.wait_log("rfc2217: BREAK off")
            s.reset_input_buffer()
            s.reset_output_buffer()
            d.wait_log("rfc2217: purge receive")
            d.wait_log("rfc2217: purge transmit")

            # The link is paused: its data is held, the line's not sent to it.
            lc.sendall(b"held for later")
            d.pty.write(b"only for the client\xff")
            assert s.read(20) == b"only for the client\xff"
            assert d.pty.read(0.3) == b""
            lc.settimeout(0.3)
            try:
                assert lc.recv(100) == b"", "the paused link got serial data"
            except socket.timeout:
                pass
            lc.settimeout(5)

            one_mib_each_way(d, s.write, s.read)
            st = status(d)["rfc2217"]
            assert st["rx_bytes"] >= MIB and st["tx_bytes"] >= MIB, st
            assert st["requests"] >= 10 and st["faked"] >= 2, st
        finally:
            s.close()
        d.wait_log("RFC 2217 client gone")
        # The saved line settings, the held link data, the link itself.
        wait_for(lambda: attrs(d)[1] == termios.B115200, 5, "115200 back")
        assert not attrs(d)[0] & termios.CSTOPB
        assert d.pty.read_exactly(14) == b"held for later"
        d.pty.write(b"links are back")
        assert recv_exactly(lc, 14) == b"links are back"
        lc.sendall(b"both ways")
        assert d.pty.read_exactly(9) == b"both ways"
        st = status(d)["rfc2217"]
        assert st["client"] == "" and st["clients"] == 1, st
        assert status(d)["serial"]["refused"] is None
        d.stop()


def test_second_client_refused_and_allow_in(tmp):
    port = free_port()
    with rfc_daemon(tmp, port) as d:
        d.start()
        s = pyserial(port)
        try:
            c = socket.create_connection(("127.0.0.1", port))
            assert is_closed(c), "a second client was served"
            c.close()
            d.wait_log("refused: 127.0.0.1:[0-9]+ owns the serial port")
            assert status(d)["rfc2217"]["refused_busy"] == 1
            s.write(b"still mine")
            assert d.pty.read_exactly(10) == b"still mine"
        finally:
            s.close()
        d.wait_log("RFC 2217 client gone")
        s = pyserial(port)  # the port is free again
        s.close()
        d.stop()
    port = free_port()
    with Daemon(tmp, "rfc2217 = { port = %d; };\n"
                'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "10.0.0.0/8" ]; };'
                % port, name="acl") as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        assert is_closed(c)
        d.wait_log("refused by network.allow_in")
        assert status(d)["rfc2217"]["refused_acl"] == 1
        assert status(d)["rfc2217"]["clients"] == 0
        d.stop()


def test_busy_port_is_retried(tmp):
    port = free_port()
    holder = hold_port(port)
    with rfc_daemon(tmp, port) as d:
        d.start()
        d.wait_log("rfc2217: cannot listen on port %d" % port)
        st = status(d)["rfc2217"]
        assert not st["listening"] and "busy" in st["why"], st
        assert "busy" in d.ctl("status")[1]
        holder.close()
        d.wait_log("rfc2217: listening on port %d" % port, 20)
        s = pyserial(port)
        s.write(b"x")
        assert d.pty.read_exactly(1) == b"x"
        s.close()
        assert status(d)["rfc2217"]["why"] == ""
        d.stop()


def test_restart_keeps_the_client(tmp):
    """usrbridgectl restart (or RSTIM) while a client owns the line: it
    stays connected and keeps its line settings."""
    port = free_port()
    with rfc_daemon(tmp, port) as d:
        d.start()
        s = pyserial(port, baudrate=4800)
        try:
            assert attrs(d)[1] == termios.B4800
            rc, _, err = d.ctl("restart")
            assert rc == 0, err
            d.wait_log(r"restarted \(")
            assert attrs(d)[1] == termios.B4800
            s.write(b"after restart")
            assert d.pty.read_exactly(13) == b"after restart"
            d.pty.write(b"back")
            assert s.read(4) == b"back"
        finally:
            s.close()
        d.wait_log("RFC 2217 client gone")
        wait_for(lambda: attrs(d)[1] == termios.B115200, 5, "115200 back")
        d.stop()


class Gensiot:
    """gensio's client: gensiot with stdin/stdout as io1 and an escape
    character (0x1D) for its serial commands (gensiot(1) ESCAPES)."""

    ESC = b"\x1d"

    def __init__(self, port):
        self.p = subprocess.Popen(
            ["gensiot", "-e", "0x1d", "telnet(rfc2217),tcp,127.0.0.1,%d" % port],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        fl = fcntl.fcntl(self.p.stdout.fileno(), fcntl.F_GETFL)
        fcntl.fcntl(self.p.stdout.fileno(), fcntl.F_SETFL, fl | os.O_NONBLOCK)

    def cmd(self, c):
        self.p.stdin.write(self.ESC + c)
        self.p.stdin.flush()

    def write(self, data):
        """Data without the escape character (gensiot 2.6 passes a doubled
        one on doubled)."""
        assert self.ESC not in data
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def read(self, n, timeout=120):
        out = bytearray()
        end = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < end:
            r, _, _ = select.select([self.p.stdout], [], [], 0.5)
            if r:
                chunk = os.read(self.p.stdout.fileno(), n - len(out))
                if not chunk:
                    break
                out += chunk
        return bytes(out)

    def drain(self, quiet=0.5):
        out = bytearray()
        while True:
            b = self.read(65536, quiet)
            if not b:
                return bytes(out)
            out += b

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def gensio_can_resolve():
    """gensio looks 127.0.0.1 up with AI_ADDRCONFIG, which glibc fails when
    no IPv4 address but 127.0.0.1 exists: in the test's own loopback-only
    namespace, give lo a second loopback address (127.0.0.2/8; nothing
    leaves loopback)."""
    try:
        socket.getaddrinfo("127.0.0.1", 1, socket.AF_INET, socket.SOCK_STREAM, 0,
                           socket.AI_ADDRCONFIG)
        return
    except socket.gaierror:
        pass
    if not os.environ.get("USRB_PRIVATE_MOUNTS"):
        raise Skip("no IPv4 address besides 127.0.0.1 and no namespace of our own")
    subprocess.run(["ip", "addr", "add", "127.0.0.2/8", "dev", "lo"], check=True)


def test_gensiot_owns_the_port_and_gives_it_back(tmp):
    if subprocess.run(["sh", "-c", "command -v gensiot"], capture_output=True).returncode:
        raise AssertionError("gensiot is missing (Debian gensio-bin, tools/deps test)")
    gensio_can_resolve()
    port, lport = free_port(), free_port()
    with rfc_daemon(tmp, port, lport) as d:
        d.start()
        lc = link_client(lport)
        d.wait_log("client 1 connected")
        g = Gensiot(port)
        try:
            d.wait_log("owned by an RFC 2217 client")
            d.wait_log("enabled client's option 44")
            g.cmd(b"s9600\n")
            wait_for(lambda: attrs(d)[1] == termios.B9600, 5, "9600 on the pty")
            g.cmd(b"2")
            wait_for(lambda: attrs(d)[0] & termios.CSTOPB, 5, "two stop bits on the pty")
            g.cmd(b"7")
            g.cmd(b"e")
            g.cmd(b"b")
            d.wait_log("Telnet BRK: break for 250 ms")
            # gensiot's dump: what our answers told it.
            g.drain()
            g.cmd(b"d")
            dump = b""
            end = time.monotonic() + 5
            while b"Speed:" not in dump and time.monotonic() < end:
                dump += g.read(4096, 0.5)
            assert b"Signature: usrbridged" in dump, dump
            assert b"Speed: 9600E72" in dump, dump
            lc.sendall(b"held")
            one_mib_each_way(d, g.write, g.read, avoid=Gensiot.ESC[0])
            assert d.pty.read(0.2) == b""
        finally:
            g.close()
        d.wait_log("RFC 2217 client gone")
        wait_for(lambda: attrs(d)[1] == termios.B115200, 5, "115200 back")
        assert not attrs(d)[0] & termios.CSTOPB
        assert d.pty.read_exactly(4) == b"held"
        d.pty.write(b"links")
        assert recv_exactly(lc, 5) == b"links"
        d.stop()


def wait_uart_free(dev, timeout=60):
    """Another test may have the UART (tests run in parallel): wait for it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        except OSError:
            time.sleep(0.2)
        finally:
            os.close(fd)


def test_real_uart_modem_lines(tmp):
    dev = "/dev/ttyS0"
    saved = real_uart(dev)

    def lines():
        """The UART's modem lines from the driver's /proc view: opening the
        port to ask TIOCMGET would raise DTR and RTS itself."""
        with open("/proc/tty/driver/serial") as f:
            for line in f:
                if line.startswith("%s:" % dev[len("/dev/ttyS"):]):
                    return set(line.split()[-1].split("|"))
        raise AssertionError("%s not in /proc/tty/driver/serial" % dev)

    def uart():
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            a = termios.tcgetattr(fd)
            return a[2], a[5]
        finally:
            os.close(fd)

    try:
        lines()
    except (OSError, AssertionError) as e:
        raise Skip("cannot see the lines of %s (%s)" % (dev, e))

    port = free_port()
    d = Daemon(tmp, "rfc2217 = { port = %d; };\n"
               'serial = { device = "%s"; lock_dir = ""; baud = 115200; };' % (port, dev),
               pty=False)
    wait_uart_free(dev)
    try:
        d.start()
        assert d.log_count("not handled by libserialport") == 0, "libserialport was not used"
        s = pyserial(port, baudrate=9600, bytesize=7, parity="E", stopbits=2)
        try:
            cflag, ospeed = uart()
            assert ospeed == termios.B9600, ospeed
            assert cflag & termios.CSIZE == termios.CS7
            assert cflag & termios.PARENB and not cflag & termios.PARODD
            assert cflag & termios.CSTOPB
            s.dtr = False
            wait_for(lambda: "DTR" not in lines(), 5, "DTR off on the UART")
            s.rts = False
            wait_for(lambda: "RTS" not in lines(), 5, "RTS off on the UART")
            s.dtr = True
            wait_for(lambda: "DTR" in lines(), 5, "DTR on on the UART")
            m = lines()
            # The first NOTIFY-MODEMSTATE carried the UART's inputs.
            assert s.cts == ("CTS" in m), (s.cts, m)
            assert s.dsr == ("DSR" in m), (s.dsr, m)
            assert s.cd == ("CD" in m), (s.cd, m)
            assert d.log_count("without modem lines") == 0
            s.send_break(0.05)
            d.wait_log("rfc2217: BREAK off")
        finally:
            s.close()
        d.wait_log("RFC 2217 client gone")
        # DTR and RTS as after open, before anyone opens it again.
        assert {"DTR", "RTS"} <= lines(), lines()
        cflag, ospeed = uart()
        assert ospeed == termios.B115200 and cflag & termios.CSIZE == termios.CS8
        assert not cflag & (termios.PARENB | termios.CSTOPB)
        d.stop()
    finally:
        d.close()
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        os.close(fd)


run_tests(globals())
