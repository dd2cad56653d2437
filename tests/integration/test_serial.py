"""The serial side: a pty that vanishes and comes back, the daemon's own
pty, a port missing at start, a real UART through libserialport, signals."""

import json
import os
import signal
import socket
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (real_uart, Daemon, Pty, free_port, recv_exactly, run_tests,  # noqa: E402
                     wait_for)


def tcps(tmp, port, extra=""):
    return Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (port, extra))


def test_pty_closed_and_recreated(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        d.pty.write(b"before")
        assert recv_exactly(c, 6) == b"before"
        d.pty.close()
        d.wait_log(r"lost \(", timeout=5)
        # Network data while the port is away is kept (bounded) and written
        # when it is back; the TCP client stays connected meanwhile.
        c.sendall(b"while-away")
        time.sleep(1.5)
        d.pty = Pty(d.tty_link)
        d.wait_log(r"serial .*: open", timeout=5)
        assert d.pty.read_exactly(10, 5) == b"while-away"
        d.pty.write(b"after")
        assert recv_exactly(c, 5) == b"after"
        assert d.log_count("client 1 .* disconnected") == 0
        d.stop()


def test_pty_removed_and_readded_many_times(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        for i in range(5):
            d.pty.close()
            d.wait_log(r"lost \(", timeout=5, count=i + 1)
            d.pty = Pty(d.tty_link)
            d.wait_log(r"serial .*: open", timeout=5, count=i + 1)
            msg = b"round %d" % i
            d.pty.write(msg)
            assert recv_exactly(c, len(msg)) == msg
        # One retry a second, no busy loop: the daemon used little CPU.
        with open("/proc/%d/stat" % d.pid()) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        assert cpu < 2.0, "%.2f s of CPU while the port came and went" % cpu
        d.stop()


def test_port_missing_at_start(tmp):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port, pty=False)
    try:
        d.start()
        d.wait_log("cannot open")
        c = socket.create_connection(("127.0.0.1", port))   # the network side is up
        d.pty = Pty(d.tty_link)
        d.wait_log(r"serial .*: open", timeout=5)
        d.pty.write(b"late port")
        assert recv_exactly(c, 9) == b"late port"
        d.stop()
    finally:
        d.close()


def test_own_pty(tmp):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port, pty=False)
    link = os.path.join(tmp, "d-ownpty")
    d.write_config(d.settings, device="pty")
    try:
        d.start()
        wait_for(lambda: os.path.islink(link), 5, "the pty link")
        d.wait_log("virtual serial port %s" % link)
        c = socket.create_connection(("127.0.0.1", port))
        for round_ in range(2):
            # An MCU-side program opens the link, talks, and closes it.
            fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
            import tty
            tty.setraw(fd)
            os.write(fd, b"mcu%d" % round_)
            assert recv_exactly(c, 4) == b"mcu%d" % round_
            c.sendall(b"net%d" % round_)
            got = b""
            end = time.time() + 5
            while len(got) < 4 and time.time() < end:
                got += os.read(fd, 4 - len(got))
            assert got == b"net%d" % round_
            os.close(fd)
        d.stop()
        assert not os.path.lexists(link), "the pty link was left behind"
    finally:
        d.close()


def test_real_uart_libserialport(tmp):
    dev = "/dev/ttyS0"
    saved = real_uart(dev)
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port, pty=False)
    d.write_config(d.settings.replace("link1", 'serial = { device = "%s"; baud = 9600; '
                                      'data_bits = 7; parity = "EVEN"; stop_bits = 2; };\nlink1' % dev))
    try:
        d.start()
        time.sleep(0.3)
        assert d.log_count("not handled by libserialport") == 0, "libserialport was not used"
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
        finally:
            os.close(fd)
        assert ospeed == termios.B9600, ospeed
        assert cflag & termios.CSIZE == termios.CS7
        assert cflag & termios.PARENB and not cflag & termios.PARODD
        assert cflag & termios.CSTOPB
        d.stop()
    finally:
        d.close()
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        os.close(fd)


def test_sighup_reloads_config(tmp):
    p1, p2 = free_port(), free_port()
    with tcps(tmp, p1) as d:
        d.start()
        d.write_config('link1 = { mode = "TCPS"; port = %d; };' % p2)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("TCP server on port %d" % p2)
        c = socket.create_connection(("127.0.0.1", p2))
        d.pty.write(b"reloaded")
        assert recv_exactly(c, 8) == b"reloaded"
        # A broken config on reload is logged; the daemon runs on.
        with open(d.conf_path, "a") as f:
            f.write("bogus = 1;\n")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log("unknown setting 'bogus'.*keeping the running settings")
        d.pty.write(b"still")
        assert recv_exactly(c, 5) == b"still"
        d.stop()


def test_sigterm_and_sigint_stop_cleanly(tmp):
    for sig in (signal.SIGTERM, signal.SIGINT):
        port = free_port()
        with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port, name="d%d" % sig) as d:
            d.start()
            c = socket.create_connection(("127.0.0.1", port))
            d.wait_log("client 1 connected")
            assert d.stop(sig) == 0
            d.wait_log("stopped")
            c.settimeout(3)
            assert c.recv(10) == b"", "the client was not closed"


def test_sd_notify_ready_reloading_stopping(tmp):
    """Type=notify: READY=1 once serving, RELOADING=1/READY=1 around SIGHUP,
    STOPPING=1 on SIGTERM, sent to $NOTIFY_SOCKET as systemd does."""
    path = os.path.join(tmp, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    ns.settimeout(10)
    port = free_port()
    with tcps(tmp, port) as d:
        os.environ["NOTIFY_SOCKET"] = path
        try:
            d.start(wait=False)
        finally:
            del os.environ["NOTIFY_SOCKET"]
        assert ns.recv(100) == b"READY=1"
        # Ready means serving: the listener is up.
        socket.create_connection(("127.0.0.1", port)).close()
        d.proc.send_signal(signal.SIGHUP)
        assert ns.recv(100) == b"RELOADING=1"
        assert ns.recv(100) == b"READY=1"
        d.stop()
        assert ns.recv(100) == b"STOPPING=1"


def test_refused_baud_shows_what_is_in_force(tmp):
    """serial.baud 1234567 on a pty (termios has no such speed): status
    shows the speed the port really runs at, and the refused one with why."""
    with tcps(tmp, free_port()) as d:
        d.start()
        rc, out, err = d.ctl("set", "serial.baud", "1234567")
        assert rc == 0, err
        d.ctl("restart")
        d.wait_log("cannot apply 1234567")
        st = json.loads(d.ctl("status", "--json")[1])["serial"]
        assert st["baud"] == 115200 and st["line_read_back"], st
        assert st["refused"]["baud"] == 1234567 and st["refused"]["error"] == "Invalid argument", st
        assert d.pty.speed() == termios.B115200
        out = d.ctl("status")[1]
        assert "115200 8N1 NFC, transparent mode" in out, out
        assert "refused 1234567 8N1 NFC (Invalid argument); in force: 115200 8N1 NFC" in out, out
        # A speed the port takes clears it.
        d.ctl("set", "serial.baud", "9600")
        d.ctl("restart")
        wait_for(lambda: json.loads(d.ctl("status", "--json")[1])["serial"]["baud"] == 9600, 10,
                 "9600 in force")
        assert json.loads(d.ctl("status", "--json")[1])["serial"]["refused"] is None
        d.stop()


def serial_open(d):
    """Waits until d holds its serial port: "ready" comes before a port
    that could not be opened at once is retried, and a contender started
    in between would take it."""
    def is_open():
        rc, out, err = d.ctl("status", "--json")
        assert rc == 0, (rc, out, err)
        return json.loads(out)["serial"]["open"]
    wait_for(is_open, 10, "serial port open")


def test_one_daemon_per_port(tmp):
    """A second daemon on the same serial port exits non-zero and says who
    holds it; usrbridgectl ports names the holder. With lock files (in
    serial.lock_dir) and with flock(2) alone (lock_dir empty)."""
    locks = os.path.join(tmp, "lock")
    os.makedirs(locks)
    with tcps(tmp, free_port()) as d1:
        serial = 'serial = { device = "%s"; lock_dir = "%s"; };\n' % (d1.tty_link, locks)
        d1.write_config(d1.settings + "\n" + serial)
        d1.start()
        serial_open(d1)
        real = os.path.realpath(d1.tty_link)
        with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (free_port(), serial),
                    pty=False, name="second") as d2:
            d2.start(wait=False)
            assert d2.proc.wait(15) != 0
            log = d2.log()
            assert "serial port %s is in use by pid %d (" % (d1.tty_link, d1.pid()) in log, log
            assert "one daemon per port" in log, log
            d2.proc = None
        rc, out, err = d1.ctl("ports")
        assert rc == 0 and "%s held by pid %d (" % (real, d1.pid()) in out, (out, err)
        assert d1.conf_path in out, out
        # The first one never noticed.
        assert d1.ctl("status")[0] == 0
        d1.stop()
        assert os.listdir(locks) == [], "lock file left behind"
    # No lock directory: flock(2) still keeps the second one off. A daemon
    # of its own name: the first one's log holds a "ready" already.
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n' % free_port(),
                name="again") as d1:
        d1.start()
        serial_open(d1)
        with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n'
                    'serial = { device = "%s"; lock_dir = ""; };' % (free_port(), d1.tty_link),
                    pty=False, name="third") as d3:
            d3.start(wait=False)
            assert d3.proc.wait(15) != 0
            assert "in use by another process" in d3.log(), d3.log()
            d3.proc = None
        d1.stop()


def test_own_pty_link_is_locked(tmp):
    """device = "pty": a second daemon publishing the same link would take
    the first one's virtual port away; it exits instead."""
    locks = os.path.join(tmp, "lock")
    os.makedirs(locks)
    link = os.path.join(tmp, "vport")
    serial = 'serial = { device = "pty"; pty_link = "%s"; lock_dir = "%s"; };' % (link, locks)
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (free_port(), serial),
                pty=False) as d1:
        d1.start()
        target = os.readlink(link)
        with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (free_port(), serial),
                    pty=False, name="second") as d2:
            d2.start(wait=False)
            assert d2.proc.wait(15) != 0
            assert "in use by pid %d" % d1.pid() in d2.log(), d2.log()
            d2.proc = None
        assert os.readlink(link) == target
        d1.stop()


def test_serial_down_in_status_and_sd_notify(tmp):
    """A port that is not there: status says why and STATUS= too."""
    path = os.path.join(tmp, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    ns.settimeout(20)
    with tcps(tmp, free_port()) as d:
        d.pty.close()
        os.environ["NOTIFY_SOCKET"] = path
        try:
            d.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        got = []
        wait_for(lambda: got.append(ns.recv(300)) or any(b"STATUS=serial cannot open" in g
                                                           for g in got), 20, "STATUS=")
        st = json.loads(d.ctl("status", "--json")[1])["serial"]
        assert not st["open"] and st["why"].startswith("cannot open ("), st
        assert "not open: cannot open (" in d.ctl("status")[1]
        d.pty = Pty(d.tty_link)
        wait_for(lambda: json.loads(d.ctl("status", "--json")[1])["serial"]["open"], 10, "open")
        wait_for(lambda: b"STATUS=running" in ns.recv(300), 20, "STATUS=running")
        d.stop()


run_tests(globals())
