"""Integration-test harness: the real usrbridged binary on a pseudo-terminal
pair, with real peers on loopback. Tests are plain functions named test_*;
run_tests() runs them in order and prints TAP for automake's TAP driver.

The test holds the pty master (it plays the MCU); the daemon opens the slave
through a symlink, exactly as it would open /dev/ttyUSB0."""

import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import traceback
import tty

USRBRIDGED = os.environ.get("USRBRIDGED") or os.path.join(
    os.path.dirname(__file__), "..", "..", "src", "usrbridged")
USRBRIDGECTL = os.environ.get("USRBRIDGECTL") or os.path.join(
    os.path.dirname(USRBRIDGED), "usrbridgectl")
TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR") or TOP_SRCDIR
LOOPBACK_ONLY = '[ "127.0.0.0/8", "::1" ]'


class Skip(Exception):
    """Raised by a test that cannot run here (the reason is printed)."""


def real_uart(dev="/dev/ttyS0"):
    """The line settings of a real UART, for the test to put back after it;
    Skip when the machine has none there."""
    try:
        fd = os.open(dev, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            return termios.tcgetattr(fd)
        finally:
            os.close(fd)
    except (OSError, termios.error) as e:
        raise Skip("no usable UART at %s (%s)" % (dev, getattr(e, "strerror", e)))


def free_port(kind=socket.SOCK_STREAM):
    """A port that is free on loopback now, for TCP and UDP alike."""
    while True:
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        other = socket.socket(socket.AF_INET,
                              socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM)
        try:
            other.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            other.close()


READY = r"info: ready\n"


def wait_for(pred, timeout=10.0, what="condition", interval=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))


def recv_exactly(sock, n, timeout=20.0):
    """Reads n bytes from a stream socket (raises on EOF or timeout)."""
    sock.settimeout(timeout)
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(min(65536, n - len(out)))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(out), n))
        out += chunk
    return bytes(out)


def recv_until_closed(sock, timeout=5.0):
    """Reads until the peer closes; returns (data, closed)."""
    sock.settimeout(timeout)
    out = bytearray()
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return bytes(out), True
            out += chunk
    except (ConnectionResetError, BrokenPipeError):
        return bytes(out), True
    except socket.timeout:
        return bytes(out), False


def is_closed(sock, timeout=3.0):
    """True when the peer closed (EOF or reset) within timeout; data is skipped."""
    _, closed = recv_until_closed(sock, timeout)
    return closed


class Pty:
    """A pseudo-terminal pair; the test owns the master (the MCU side)."""

    def __init__(self, link):
        self.link = link
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        fl = fcntl.fcntl(self.master, fcntl.F_GETFL)
        fcntl.fcntl(self.master, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.ttyname(self.slave), link)

    def close(self):
        # Like udev removing /dev/ttyUSB0: a stale link could point at a
        # /dev/pts/N that another test reuses.
        try:
            if os.path.islink(self.link):
                os.unlink(self.link)
        except OSError:
            pass
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self.slave = -1

    def write(self, data):
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master, view)
                view = view[n:]
            except BlockingIOError:
                select.select([], [self.master], [], 1.0)

    def read(self, timeout=0.5):
        """Whatever arrives within timeout (b"" if nothing)."""
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return b""
        try:
            return os.read(self.master, 65536)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError as e:
            if e.errno == errno.EIO:
                return b""
            raise

    def read_exactly(self, n, timeout=20.0):
        end = time.monotonic() + timeout
        out = bytearray()
        while len(out) < n:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("serial: got %d of %d bytes: %r" % (len(out), n, bytes(out[-64:])))
            out += self.read(min(left, 0.5))
        return bytes(out)

    def read_until(self, needle, timeout=5.0):
        end = time.monotonic() + timeout
        out = bytearray()
        while needle not in out:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("serial: %r not seen; got %r" % (needle, bytes(out)))
            out += self.read(min(left, 0.2))
        return bytes(out)

    def drain(self, quiet=0.2):
        out = bytearray()
        while True:
            b = self.read(quiet)
            if not b:
                return bytes(out)
            out += b

    def speed(self):
        """The slave's baud rate as the master sees it (termios)."""
        attrs = termios.tcgetattr(self.master)
        return attrs[5]


class Daemon:
    """usrbridged on a pty of the test's, with a config written from text."""

    def __init__(self, tmp, settings="", personality="tcp232-30x", pty=True, name="d"):
        self.tmp = tmp
        self.name = name
        self.conf_path = os.path.join(tmp, name + ".conf")
        self.state_dir = os.path.join(tmp, name + "-state")
        self.log_path = os.path.join(tmp, name + ".log")
        self.tty_link = os.path.join(tmp, name + "-tty")
        self.ctl_path = os.path.join(tmp, name + ".sock")
        os.makedirs(self.state_dir, exist_ok=True)
        self.pty = Pty(self.tty_link) if pty else None
        self.proc = None
        self.logf = None
        self.write_config(settings, personality)

    def write_config(self, settings, personality="tcp232-30x", device=None):
        # lock_dir "": flock(2) only, no lock files in the host's /run/lock;
        # tests of the lock files give their own serial group.
        text = (
            'personality = "%s";\n'
            'state_dir = "%s";\n'
            'serial = { device = "%s"; pty_link = "%s"; lock_dir = ""; };\n'
            'control = { socket = "%s"; };\n'
            'web = { enabled = false; };\n'
            'network = { allow_out = %s; allow_in = %s; };\n'
            % (personality, self.state_dir, device or self.tty_link,
               os.path.join(self.tmp, self.name + "-ownpty"), self.ctl_path,
               LOOPBACK_ONLY, LOOPBACK_ONLY))
        # Later groups of the same name are errors in libconfig: tests pass
        # whole groups, and may override the ones above by replacing them.
        for group in ("serial", "control", "web", "network"):
            m = re.search(r"^%s\s*=" % group, settings, re.M)
            if m:
                text = re.sub(r"^%s = .*\n" % group, "", text, flags=re.M)
        self.settings = settings
        with open(self.conf_path, "w") as f:
            f.write(text + settings + "\n")

    def start(self, extra_args=(), wait=True):
        # The log is appended to: wait for this start's "ready", not an
        # earlier one's.
        readies = self.log_count(READY)
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen([USRBRIDGED, "-f", "-v", "-c", self.conf_path] + list(extra_args),
                                     stdout=self.logf, stderr=self.logf)
        if wait:
            self.wait_log(READY, 10, count=readies + 1)
        return self

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10.0, count=1):
        rx = re.compile(pattern)

        def seen():
            if self.proc and self.proc.poll() is not None:
                raise AssertionError("usrbridged exited (%s) while waiting for %r:\n%s"
                                     % (self.proc.returncode, pattern, self.log()[-3000:]))
            return len(rx.findall(self.log())) >= count
        wait_for(seen, timeout, "log %r x%d" % (pattern, count))

    def ctl(self, *args, timeout=30, raw=False):
        """usrbridgectl -s <this daemon's socket> args...: (rc, stdout, stderr),
        text unless raw (then stdout is bytes)."""
        p = subprocess.run([USRBRIDGECTL, "-s", self.ctl_path] + list(args),
                           capture_output=True, timeout=timeout)
        out = p.stdout if raw else p.stdout.decode(errors="replace")
        return p.returncode, out, p.stderr.decode(errors="replace")

    def log_count(self, pattern):
        return len(re.findall(pattern, self.log()))

    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM, expect_rc=0):
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("usrbridged did not stop on signal %d" % sig)
        rc = self.proc.returncode
        self.proc = None
        self.logf.close()
        if expect_rc is not None:
            assert rc == expect_rc, "usrbridged exited with %s:\n%s" % (rc, self.log()[-3000:])
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        finally:
            if self.pty:
                self.pty.close()

    # --- the MCU's side of the console ---------------------------------------

    def command_mode(self, guard=0.05):
        """+++ / a / +ok as an MCU does it."""
        time.sleep(guard)
        self.pty.drain(0.05)
        self.pty.write(b"+++")
        got = self.pty.read_until(b"a", 3)
        assert got.endswith(b"a"), got
        self.pty.write(b"a")
        got = self.pty.read_until(b"+ok", 3)
        assert got == b"+ok", got

    def at(self, cmd, timeout=3.0):
        """Sends one command line (CR added) and returns the reply bytes."""
        if isinstance(cmd, str):
            cmd = cmd.encode()
        self.pty.write(cmd + b"\r")
        out = self.pty.read_until(b"\r\n", timeout)
        # A reply is CR LF ... CR LF: read until the closing one.
        end = time.monotonic() + timeout
        while not re.fullmatch(rb"(.*)\r\n(\+OK|\+ERR|OK|ERROR|\+)[^\r]*\r\n", out, re.S):
            if time.monotonic() > end:
                break
            out += self.pty.read(0.1)
        return out


def hold_port(port, kind=socket.SOCK_STREAM):
    """Another program holding port on 127.0.0.1 (the daemon's [::] bind
    covers 127.0.0.1 too, so it is busy for the daemon)."""
    b = socket.socket(socket.AF_INET, kind)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    b.bind(("127.0.0.1", port))
    if kind == socket.SOCK_STREAM:
        b.listen(1)
    return b


def listen_tcp(port, dual_stack=False):
    """A listening TCP socket on 127.0.0.1:port, or on [::]:port accepting
    IPv4 too (still loopback only: the tests run in their own network
    namespace or talk to ::1 and 127.0.0.1)."""
    if dual_stack:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        addr = ("::", port)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = ("127.0.0.1", port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(16)
    return s


class Server:
    """A TCP server on loopback that accepts connections and records what
    each one sent; can be stopped and started again on the same port."""

    def __init__(self, port=None, read=True, dual_stack=False):
        self.port = port or free_port()
        self.read = read
        self.dual_stack = dual_stack
        self.conns = []
        self.data = []          # bytes per connection
        self.lock = threading.Lock()
        self.sock = None
        self.thread = None
        self.running = False

    def start(self):
        self.sock = listen_tcp(self.port, self.dual_stack)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        socks = [self.sock]
        index = {}
        while self.running:
            r, _, _ = select.select(socks, [], [], 0.05)
            for s in r:
                if s is self.sock:
                    try:
                        c, _ = self.sock.accept()
                    except OSError:
                        continue
                    with self.lock:
                        index[c] = len(self.data)
                        self.data.append(bytearray())
                        self.conns.append(c)
                    if self.read:
                        socks.append(c)
                    continue
                try:
                    chunk = s.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    socks.remove(s)
                    continue
                with self.lock:
                    self.data[index[s]] += chunk

    def stop(self, abort=False):
        self.running = False
        if self.thread:
            self.thread.join()
        for c in self.conns:
            try:
                if abort:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                c.close()
            except OSError:
                pass
        if self.sock:
            self.sock.close()
        self.conns = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def received(self):
        with self.lock:
            return b"".join(bytes(d) for d in self.data)

    def send_all(self, data, conn=-1):
        self.conns[conn].sendall(data)


RECORDER = r"""
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4)
with open(path, "ab", buffering=0) as f:
    while True:
        c, _ = s.accept()
        while True:
            b = c.recv(65536)
            if not b:
                break
            f.write(b)
        c.close()
"""


class VanishingPeer:
    """A peer on 127.0.0.2 that can vanish without a FIN, as one that lost
    power: its traffic goes to a blackhole route. Only inside the private
    network namespace of tests/run-isolated (as root), whose routes are the
    test's own; every packet stays on loopback (DESIGN.md §4). Raises Skip
    when that is not available."""

    OURS, PEER = "127.0.0.1", "127.0.0.2"

    def __init__(self):
        if os.geteuid() != 0 or not os.environ.get("USRB_PRIVATE_MOUNTS"):
            raise Skip("needs root and the private network namespace of tests/run-isolated")
        if not shutil.which("ip"):
            raise Skip("no ip(8)")
        self.procs = []
        self.gone = False

    @staticmethod
    def _ip(*args):
        p = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
        if p.returncode:
            raise AssertionError("ip %s: %s" % (" ".join(args), p.stderr.strip()))

    def python(self, code, *args):
        """A Python peer (a process of its own); its stdout is a pipe."""
        p = subprocess.Popen([sys.executable, "-u", "-c", code] + [str(a) for a in args],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def tcp_server(self, port):
        """A TCP server on PEER:port that keeps every connection it accepts
        and prints 'accepted' for each; returned once it listens."""
        p = self.python("import socket, sys\n"
                        "l = socket.socket()\n"
                        "l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                        "l.bind((sys.argv[1], int(sys.argv[2])))\n"
                        "l.listen(4)\n"
                        "print('listening')\n"
                        "keep = []\n"
                        "while True:\n"
                        "    c, a = l.accept()\n"
                        "    keep.append(c)\n"
                        "    print('accepted')\n", self.PEER, port)
        assert p.stdout.readline().strip() == "listening"
        return p

    def vanish(self):
        """The peer loses power: nothing it sends and nothing sent to it
        arrives (no FIN, no RST). 127.0.0.1 stays local."""
        self._ip("route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local")
        self._ip("route", "add", "blackhole", self.PEER)
        self.gone = True

    def come_back(self):
        self._ip("route", "del", "blackhole", self.PEER)
        self._ip("route", "add", "local", "127.0.0.0/8", "dev", "lo", "table", "local",
                 "proto", "kernel", "scope", "host", "src", "127.0.0.1")
        self.gone = False

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.gone:
            self.come_back()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def record_server(port, path):
    """A TCP server in its own process, appending what it receives to path;
    kill it with SIGKILL to make a server vanish as a crashed one does."""
    return subprocess.Popen([sys.executable, "-c", RECORDER, str(port), path])


def load_tool(name):
    """A Python program of tools/ (no .py suffix) as a module: the tests
    drive tools/usrb-ftp-client's classes, as an MCU developer would."""
    import importlib.machinery
    import importlib.util
    path = os.path.join(TOP_SRCDIR, "tools", name)
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def random_bytes(n, seed=1):
    import random
    return random.Random(seed).randbytes(n)


def run_tests(namespace):
    """Runs every test_* function of the calling module, printing TAP."""
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith("test_") and callable(fn)]
    only = os.environ.get("TEST_ONLY")
    if only:
        tests = [(n, f) for n, f in tests if re.search(only, n)]
    print("1..%d" % len(tests), flush=True)
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        tmp = tempfile.mkdtemp(prefix="usrb-%s-" % name)
        t0 = time.monotonic()
        try:
            fn(tmp)
            print("ok %d - %s (%.1f s)" % (i, name, time.monotonic() - t0), flush=True)
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e), flush=True)
        except BaseException as e:
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            for log in sorted(os.listdir(tmp)):
                if log.endswith(".log"):
                    print("# --- %s (last lines) ---" % log)
                    with open(os.path.join(tmp, log), errors="replace") as f:
                        for line in f.read().splitlines()[-40:]:
                            print("# " + line)
            sys.stdout.flush()
            if isinstance(e, KeyboardInterrupt):
                raise
        finally:
            if not os.environ.get("KEEP_TMP"):
                shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)
