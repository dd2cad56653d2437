"""usrbridgectl and the control socket (usrbridgectl(1), usrbridged-protocol(7)):
get/set by config key and AT name, AT replies byte for byte as on the serial
console, status text and JSON, restart, reload, ports, monitor, errors and
exit codes, and the limits of the socket (request size, clients, slow
monitors, EMFILE)."""

import grp
import json
import os
import resource
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (USRBRIDGECTL, Daemon, Skip, free_port, random_bytes,  # noqa: E402
                     recv_exactly, run_tests, wait_for)


def tcps(tmp, port, extra="", **kw):
    return Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (port, extra), **kw)


def raw(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)     # blocking: waits while the backlog is full
    s.settimeout(20)
    return s


def read_line(s):
    out = bytearray()
    while not out.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            raise EOFError("EOF after %r" % bytes(out))
        out += b
    return bytes(out[:-1])


def read_frame(s):
    """One frame: (header words, body bytes)."""
    words = read_line(s).decode().split(" ")
    body = recv_exactly(s, int(words[-1]))
    return words, body


def request(path, line):
    s = raw(path)
    s.sendall(line)
    words, body = read_frame(s)
    s.close()
    return words, body


def test_get_and_set(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        assert d.ctl("get", "link1.port") == (0, "%d\n" % port, "")
        rc, out, err = d.ctl("get", "SOCK")
        assert rc == 0 and out == "TCPS,192.168.0.201,%d\n" % port, (rc, out, err)
        assert d.ctl("get", "at+sock")[1] == out
        # A run-time setting: validated, saved, seen by AT at once.
        assert d.ctl("set", "MID", "Bench 1")[0] == 0
        assert d.ctl("get", "device.name") == (0, "Bench 1\n", "")
        with open(os.path.join(d.state_dir, "settings.conf")) as f:
            assert 'name = "Bench 1";' in f.read()
        d.command_mode()
        assert d.at("AT+MID") == b"\r\n+OK=Bench 1\r\n"
        rc, out, err = d.ctl("set", "link1.port", "8000")
        assert rc == 0 and "takes effect at the next restart" in out, (rc, out, err)
        assert d.at("AT+SOCK") == b"\r\n+OK=TCPS,192.168.0.201,8000\r\n"
        # Exactly the table's validation, with its reason.
        rc, out, err = d.ctl("set", "link1.port", "65536")
        assert rc == 1 and err == "usrbridgectl: link1.port: must be an integer from 1 to 65535\n", err
        rc, out, err = d.ctl("set", "SOCK", "TCPC,127.0.0.1,x")
        assert rc == 1 and "+ERR=-4" in err, err
        # By AT name, the same words as by config key, not a bare +ERR=-4.
        rc, out, err = d.ctl("set", "SOCK", "TCPC,127.0.0.1,65536")
        assert rc == 1 and err.startswith(
            "usrbridgectl: link1.port: must be an integer from 1 to 65535"), err
        rc, out, err = d.ctl("set", "SOCK", "TCPC")
        assert rc == 1 and "AT+SOCK takes 3 values" in err, err
        rc, out, err = d.ctl("set", "SOCK", "TCPC,127.0.0.1,9")
        assert rc == 0, err
        assert d.ctl("get", "link1.mode")[1] == "TCPC\n"
        rc, out, err = d.ctl("set", "serial.pack_len", "10")
        assert rc == 1 and "only be set in the config file" in err, err
        rc, out, err = d.ctl("set", "link2.port", "10")
        assert rc == 1 and "not used by tcp232-30x" in err, err
        rc, out, err = d.ctl("get", "nosuch")
        assert rc == 1 and "unknown setting or AT command 'nosuch'" in err, err
        rc, out, err = d.ctl("get", "Z")
        assert rc == 1 and "cannot be queried" in err, err
        rc, out, err = d.ctl("set", "VER", "x")
        assert rc == 1 and "cannot be set" in err, err
        # An empty value where the table allows one.
        assert d.ctl("set", "network.user_mac", "A1B2C3D4E5F6")[0] == 0
        assert d.ctl("set", "network.user_mac", "")[0] == 0
        assert d.ctl("get", "network.user_mac")[1] == "\n"
        d.stop()


def test_get_all_hides_secrets(tmp):
    with tcps(tmp, free_port(), 'web = { enabled = false; password = "s3cr3"; };') as d:
        d.start()
        rc, out, err = d.ctl("get")
        assert rc == 0, err
        assert "link1.mode = TCPS\n" in out and "web.password = (secret)\n" in out, out
        assert "s3cr3" not in out
        assert "link2.mode" not in out      # not a 30X setting
        # Asked for by name, a secret is shown (as AT+WEBU? does).
        assert d.ctl("get", "web.password")[1] == "s3cr3\n"
        d.stop()


def test_at_reply_bytes_as_on_the_serial_line(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        d.command_mode()
        for cmd in ("AT", "AT+VER", "at+ver", "AT+UART?", "AT+SOCK", "AT+NOPE", "AT+MAXSK=99",
                    "AT+MAXSK=5", "AT+MAXSK", "AT+VER=1", "ATX", 'AT+REGUSR="a,b"', "AT+REGUSR",
                    "AT+E?"):
            rc, out, err = d.ctl("at", cmd, raw=True)
            serial = d.at(cmd)
            assert out == serial, (cmd, out, serial)
            assert rc == (1 if b"+ERR=" in out else 0), (cmd, rc, err)
        rc, out, _ = d.ctl("at", "AT+H", raw=True)
        assert rc == 0 and out.startswith(b"\r\n+OK=AT+CLIENTRST: ") and out.endswith(b"\r\n")
        rc, out, _ = d.ctl("at", "AT+" + "X" * 600, raw=True)
        assert rc == 1 and out == b"\r\n+ERR=-1\r\n", out
        d.stop()


def test_status_text_and_json(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        d.pty.write(b"12345")
        assert recv_exactly(c, 5) == b"12345"
        c.sendall(b"abc")
        assert d.pty.read_exactly(3) == b"abc"
        rc, out, err = d.ctl("status", "--json")
        assert rc == 0, err
        st = json.loads(out)
        assert st["personality"] == "tcp232-30x" and st["restarts"] == 0
        assert st["uptime_s"] >= 0
        ser = st["serial"]
        assert ser["open"] and ser["device"] == d.tty_link and ser["baud"] == 115200
        assert ser["rx_bytes"] == 5 and ser["tx_bytes"] == 3 and ser["mode"] == "transparent"
        link = st["links"][0]
        assert link["mode"] == "TCPS" and link["state"] == "up" and link["connections"] == 1
        assert link["peers"][0].startswith("1=127.0.0.1:"), link
        assert link["tx_bytes"] == 5 and link["rx_bytes"] == 3
        assert link["cache_max"] == 16384 and link["cache_bytes"] == 0
        assert st["traffic"] == {"serial_to_network": {"in": 5, "out": 5, "dropped": 0},
                                 "network_to_serial": {"in": 3, "out": 3, "dropped": 0}}
        assert st["control_socket"] == d.ctl_path and st["web_port"] == 0
        rc, out, err = d.ctl("status")
        assert rc == 0, err
        assert "link1    TCPS up, 1 connection: 1=127.0.0.1:" in out, out
        assert "serial -> network: 5 B in, 5 B out, 0 B dropped" in out, out
        assert "115200 8N1 NFC, transparent mode" in out, out
        c.close()
        d.stop()


def test_restart_and_reload(tmp):
    p1, p2 = free_port(), free_port()
    with tcps(tmp, p1) as d:
        d.start()
        rc, out, err = d.ctl("restart")
        assert rc == 0 and out == "restarting\n", (rc, out, err)
        d.wait_log(r"restarted \(usrbridgectl restart\)")
        d.write_config('link1 = { mode = "TCPS"; port = %d; };' % p2)
        rc, out, err = d.ctl("reload")
        assert rc == 0 and "reloaded" in out, (rc, out, err)
        d.wait_log("TCP server on port %d" % p2)
        socket.create_connection(("127.0.0.1", p2)).close()
        # A broken config: the caller sees file:line, the daemon runs on.
        with open(d.conf_path, "a") as f:
            f.write("link1 = oops;\n")
        rc, out, err = d.ctl("reload")
        assert rc == 1 and "%s:" % d.conf_path in err and "running settings stay" in err, err
        assert d.ctl("status")[0] == 0
        st = json.loads(d.ctl("status", "--json")[1])
        assert st["restarts"] == 2
        d.stop()


def test_reload_moves_the_socket(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        old = d.ctl_path
        new = os.path.join(tmp, "sub", "new.sock")
        d.write_config(d.settings + '\ncontrol = { socket = "%s"; };' % new)
        # The connection that asked for the reload keeps its reply.
        s = raw(old)
        s.sendall(b"reload\n")
        words, body = read_frame(s)
        assert words[0] == "OK", body
        wait_for(lambda: os.path.exists(new), 5, "the new socket")
        wait_for(lambda: not os.path.exists(old), 5, "the old socket to go")
        s.sendall(b"get SOCKPORT\n")
        assert read_frame(s) == (["OK", "2"], b"0\n")
        s.close()
        d.ctl_path = new
        assert d.ctl("get", "MAXSK")[1] == "4\n"
        d.stop()
        assert not os.path.exists(new)


def test_no_socket_when_path_is_empty(tmp):
    with tcps(tmp, free_port(), 'control = { socket = ""; };') as d:
        d.start()
        d.wait_log("no control socket")
        assert not os.path.exists(d.ctl_path)
        rc, out, err = d.ctl("status")
        assert rc == 3 and "is usrbridged running?" in err, (rc, err)
        d.stop()


def test_socket_mode_and_group(tmp):
    if os.getuid() != 0:
        raise Skip("needs root to give the socket to another group")
    gid = grp.getgrnam("nogroup").gr_gid
    with tcps(tmp, free_port(), 'control = { socket = "%s"; group = "nogroup"; };'
              % os.path.join(tmp, "d.sock")) as d:
        d.start()
        st = os.stat(d.ctl_path)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
        assert st.st_gid == gid
        d.stop()
    with tcps(tmp, free_port(), 'control = { socket = "%s"; group = "no-such-group"; };'
              % os.path.join(tmp, "e.sock"), name="e") as d:
        d.start()
        d.wait_log("group 'no-such-group' does not exist")
        assert d.ctl("get", "MAXSK")[0] == 0
        d.stop()


def test_not_running_and_not_permitted(tmp):
    missing = os.path.join(tmp, "none.sock")
    p = subprocess.run([USRBRIDGECTL, "-s", missing, "status"], capture_output=True, text=True)
    assert p.returncode == 3 and "is usrbridged running?" in p.stderr, p
    # A socket file nobody listens on (a daemon that was killed).
    stale = os.path.join(tmp, "stale.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(stale)
    s.close()
    p = subprocess.run([USRBRIDGECTL, "-s", stale, "status"], capture_output=True, text=True)
    assert p.returncode == 3 and "nobody is listening" in p.stderr, p
    # The daemon clears such a leftover and binds the path.
    with Daemon(tmp, 'control = { socket = "%s"; };' % stale) as d:
        d.ctl_path = stale
        d.start()
        assert d.ctl("get", "MAXSK")[0] == 0
        if os.getuid() != 0:
            d.stop()
            raise Skip("permission check needs root (to run as another user)")
        os.chmod(tmp, 0o755)
        p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            USRBRIDGECTL, "-s", stale, "status"], capture_output=True, text=True)
        assert p.returncode == 4, p
        assert "permission denied; run as root or as a member of group 'root'" in p.stderr, p
        d.stop()


def test_usage_errors(tmp):
    def run(*args):
        return subprocess.run([USRBRIDGECTL, "-s", "/nonexistent"] + list(args),
                              capture_output=True, text=True)
    for args in ((), ("bogus",), ("get", "a", "b"), ("set", "x"), ("at",), ("status", "-x"),
                 ("restart", "now"), ("at", "AT\nAT")):
        p = run(*args)
        assert p.returncode == 2 and "usage:" in p.stderr, (args, p)
    p = run("-h")
    assert p.returncode == 0 and "monitor" in p.stdout
    p = run("-V")
    assert p.returncode == 0 and p.stdout.startswith("usrbridgectl ")


def test_ports(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        rc, out, err = d.ctl("ports")
        assert rc == 0, err
        for line in out.splitlines():
            assert line.startswith("/dev/"), line
        d.stop()
    # Without a daemon the CLI lists what it sees itself.
    p = subprocess.run([USRBRIDGECTL, "-s", os.path.join(tmp, "none"), "ports"],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "listing the ports seen from here" in p.stderr, p
    assert p.stdout == out


def test_protocol_framing(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        # Pipelined requests, CR LF accepted, and a half-close after them.
        s = raw(d.ctl_path)
        s.sendall(b"get MAXSK\r\nat AT+VER\nnope\nhelp\n")
        s.shutdown(socket.SHUT_WR)
        assert read_frame(s) == (["OK", "2"], b"4\n")
        assert read_frame(s) == (["OK", "13"], b"\r\n+OK=V4016\r\n")
        words, body = read_frame(s)
        assert words[0] == "ERR" and body == b"unknown command 'nope' (try: help)\n"
        words, body = read_frame(s)
        assert words[0] == "OK" and b"monitor" in body
        assert s.recv(1) == b""
        s.close()
        # An AT error is ERR with the AT reply as the body.
        assert request(d.ctl_path, b"at AT+NOPE\n") == (["ERR", "11"], b"\r\n+ERR=-2\r\n")
        d.stop()


def test_request_and_client_limits(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        s = raw(d.ctl_path)
        s.sendall(b"get " + b"x" * 3000)
        words, body = read_frame(s)
        assert words[0] == "ERR" and body == b"request longer than 1024 bytes\n", body
        # Closed with the rest unread: EOF or a reset.
        try:
            assert s.recv(1) == b""
        except ConnectionResetError:
            pass
        s.close()
        s = raw(d.ctl_path)
        s.sendall(b"get MAXSK\x00\n")
        assert read_frame(s)[1] == b"NUL byte in request\n"
        s.close()
        clients = [raw(d.ctl_path) for _ in range(32)]
        for c in clients:
            c.sendall(b"get MAXSK\n")
            assert read_frame(c)[1] == b"4\n"
        extra = raw(d.ctl_path)
        assert extra.recv(100) == b"ERR 17\ntoo many clients\n"
        d.wait_log("32 clients connected; refusing more")
        for c in clients:
            c.close()
        wait_for(lambda: d.ctl("get", "MAXSK")[0] == 0, 10, "a client slot")
        d.stop()


def test_out_of_descriptors_pauses_accept(tmp):
    with tcps(tmp, free_port()) as d:
        d.start()
        used = len(os.listdir("/proc/%d/fd" % d.pid()))
        resource.prlimit(d.pid(), resource.RLIMIT_NOFILE, (used + 2, used + 2))
        clients = []
        for _ in range(6):
            c = raw(d.ctl_path)
            c.sendall(b"get MAXSK\n")
            clients.append(c)
        d.wait_log(r"control: accept: Too many open files; pausing for 1000 ms")
        # Not spinning: a handful of pauses, not thousands of lines.
        time.sleep(1.5)
        assert d.log_count("control: accept:") < 10, d.log_count("control: accept:")
        for c in clients[:2]:
            assert read_frame(c)[1] == b"4\n"
        for c in clients:
            c.close()
        # Once descriptors are free again, the queued and new clients are served.
        wait_for(lambda: d.ctl("get", "MAXSK")[0] == 0, 10, "accepting again")
        d.stop()


def test_monitor(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        mon = subprocess.Popen([USRBRIDGECTL, "-s", d.ctl_path, "monitor"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            d.wait_log("monitor started")
            d.pty.write(b"hello\x00\xff")
            assert recv_exactly(c, 7) == b"hello\x00\xff"
            c.sendall(b"from the net")
            assert d.pty.read_exactly(12) == b"from the net"
            time.sleep(0.3)
        finally:
            mon.terminate()
            out, err = mon.communicate(10)
        assert "monitoring; Ctrl-C stops" in err, err
        lines = out.splitlines()
        i = next(n for n, l in enumerate(lines) if "serial -> network 7 bytes" in l)
        assert lines[i + 1].split() == ["0000", "68", "65", "6c", "6c", "6f", "00", "ff",
                                        "hello.."], lines[i + 1]
        i = next(n for n, l in enumerate(lines) if "network -> serial 12 bytes" in l)
        assert lines[i + 1].endswith("from the net"), lines[i + 1]
        c.close()
        d.stop()


def test_slow_monitor_is_dropped_and_never_stalls_the_bridge(tmp):
    port = free_port()
    size = 6 * 1024 * 1024
    with tcps(tmp, port) as d:
        d.start()
        c = socket.create_connection(("127.0.0.1", port))
        d.wait_log("client 1 connected")
        m = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        m.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        m.connect(d.ctl_path)
        m.sendall(b"monitor\n")
        assert read_line(m) == b"OK 0"
        data = random_bytes(size, seed=5)
        got = {}

        def pump():
            for i in range(0, size, 65536):
                d.pty.write(data[i:i + 65536])
        t = threading.Thread(target=lambda: got.update(net=recv_exactly(c, size, 60)))
        t.start()
        p = threading.Thread(target=pump)
        p.start()
        d.wait_log("control: monitor dropped", 60)
        # What the monitor still gets ends with the reason, then EOF.
        m.settimeout(30)
        words = None
        while True:
            words, body = read_frame(m)
            if words[0] == "ERR":
                break
            assert words[0] == "DATA" and words[1] == "from-serial", words
        assert body.startswith(b"monitor dropped"), body
        assert m.recv(1) == b""
        p.join(70)
        t.join(70)
        assert got.get("net") == data, "the bridge lost data because of the monitor"
        # A monitor that keeps up works afterwards.
        m2 = raw(d.ctl_path)
        m2.sendall(b"monitor\n")
        assert read_line(m2) == b"OK 0"
        d.pty.write(b"again")
        words, body = read_frame(m2)
        assert words[0] == "DATA" and body == b"again"
        assert recv_exactly(c, 5) == b"again"
        d.stop()



def test_save_failure_says_why(tmp):
    port = free_port()
    blocker = os.path.join(tmp, "not-a-dir")
    open(blocker, "w").close()
    with tcps(tmp, port, name="d") as d:
        d.write_config('link1 = { mode = "TCPS"; port = %d; };' % port)
        with open(d.conf_path) as f:
            text = f.read().replace('state_dir = "%s"' % d.state_dir,
                                    'state_dir = "%s/state"' % blocker)
        with open(d.conf_path, "w") as f:
            f.write(text)
        d.start()
        rc, out, err = d.ctl("set", "device.name", "x")
        assert rc == 1 and "cannot save %s/state/settings.conf: Not a directory" % blocker in err, err
        rc, out, err = d.ctl("set", "MID", "x")
        assert rc == 1 and "cannot save the state file: Not a directory" in err, err
        d.stop()


def test_monitor_shows_connections_and_modes(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        mon = subprocess.Popen([USRBRIDGECTL, "-s", d.ctl_path, "monitor"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            d.wait_log("monitor started")
            c = socket.create_connection(("127.0.0.1", port))
            d.wait_log("client 1 connected")
            d.pty.write(b"data")
            assert recv_exactly(c, 4) == b"data"
            c.close()
            d.wait_log("client 1 .* disconnected")
            d.command_mode()
            assert d.at("AT+ENTM") == b"\r\n+OK\r\n"
            time.sleep(0.3)
        finally:
            mon.terminate()
            out, err = mon.communicate(10)
        lines = out.splitlines()
        want = ["link1: client 1 connected (1 now)", "serial -> network 4 bytes",
                "link1: client 1 disconnected (0 now)", "console: command mode",
                "console: transparent mode"]
        at = [next((n for n, l in enumerate(lines) if w in l), None) for w in want]
        assert None not in at and at == sorted(at), out
        d.stop()


def test_every_reload_is_logged(tmp):
    port = free_port()
    with tcps(tmp, port) as d:
        d.start()
        good = open(d.conf_path).read()
        with open(d.conf_path, "a") as f:
            f.write("nosuch = 1;\n")
        rc, out, err = d.ctl("reload")
        assert rc == 1, (rc, out, err)
        d.wait_log(r"reload \(usrbridgectl\): .*unknown setting 'nosuch'; keeping")
        with open(d.conf_path, "w") as f:
            f.write(good)
        rc, out, err = d.ctl("reload")
        assert rc == 0, (rc, out, err)
        d.wait_log(r"reload: %s read" % d.conf_path)
        d.stop()

def test_socket_in_the_way_comes_back(tmp):
    """A control socket path that is in the way (a plain file) is tried
    again, as busy ports are: once the path is free, usrbridgectl works,
    without a restart; the log says why once, then the success."""
    port = free_port()
    with tcps(tmp, port) as d:
        with open(d.ctl_path, "w") as f:
            f.write("not a socket")
        d.start()
        d.wait_log("control: cannot listen on %s: a file that is not a socket" % d.ctl_path)
        assert d.ctl("status")[0] == 3
        os.unlink(d.ctl_path)
        d.wait_log(r"control: listening on %s \(after \d+ attempts\)" % d.ctl_path, 15)
        rc, out, err = d.ctl("status")
        assert rc == 0 and "control  %s" % d.ctl_path in out, (rc, out, err)
        assert d.log_count("control: cannot listen") == 1
        d.stop()


run_tests(globals())
