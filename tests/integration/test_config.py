"""The command line and config files (DESIGN.md §2): -t, errors as
file:line: message with a non-zero exit, a corrupt state file, the shipped
configs."""

import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (TOP_SRCDIR, USRBRIDGECTL, USRBRIDGED, Daemon, free_port,  # noqa: E402
                     recv_exactly, run_tests)


def run(*args):
    p = subprocess.run([USRBRIDGED] + list(args), capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout, p.stderr


def test_check_good_config(tmp):
    for name in ("usrbridged.conf", "demo.conf"):
        rc, out, err = run("-t", "-c", os.path.join(TOP_SRCDIR, "etc", name))
        assert rc == 0, err
        assert out.endswith("OK (tcp232-30x)\n"), out


def test_check_bad_config(tmp):
    path = os.path.join(tmp, "bad.conf")
    with open(path, "w") as f:
        f.write('personality = "tcp232-30x";\n\nlink1 = {\n  port = 70000;\n};\n')
    rc, out, err = run("-t", "-c", path)
    assert rc == 1
    assert err == "%s:4: link1.port: must be an integer from 1 to 65535\n" % path, err


def test_start_with_bad_config_fails(tmp):
    path = os.path.join(tmp, "bad.conf")
    with open(path, "w") as f:
        f.write('serial = { device = "pty";\n  baud = "fast"; };\n')
    rc, out, err = run("-f", "-c", path)
    assert rc == 1
    assert "%s:2: serial.baud: must be an integer" % path in err, err


def test_syntax_error_has_line(tmp):
    path = os.path.join(tmp, "bad.conf")
    with open(path, "w") as f:
        f.write('a = 1;\nb = ;\n')
    rc, out, err = run("-t", "-c", path)
    assert rc == 1 and err.startswith("%s:2: syntax error" % path), err


def test_missing_config(tmp):
    rc, out, err = run("-t", "-c", os.path.join(tmp, "nope.conf"))
    assert rc == 1 and "nope.conf: cannot read" in err, err


def test_version_and_usage(tmp):
    rc, out, _ = run("-V")
    assert rc == 0 and out.startswith("usrbridged "), out
    rc, out, _ = run("-h")
    assert rc == 0 and "-c FILE" in out
    rc, _, err = run("-x")
    assert rc == 2 and "usage:" in err


def test_corrupt_state_file_is_ignored(tmp):
    port = free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        with open(os.path.join(d.state_dir, "settings.conf"), "wb") as f:
            f.write(b"link1 = { port = \x00\xff garbage")
        d.start()
        d.wait_log(r"settings\.conf:1: .*; ignoring the state file")
        c = socket.create_connection(("127.0.0.1", port))
        d.pty.write(b"runs")
        assert recv_exactly(c, 4) == b"runs"
        d.stop()


def test_state_overrides_config(tmp):
    p1, p2 = free_port(), free_port()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % p1) as d:
        with open(os.path.join(d.state_dir, "settings.conf"), "w") as f:
            f.write("link1 = { port = %d; };\n" % p2)
        d.start()
        d.wait_log("TCP server on port %d" % p2)
        d.stop()



def test_long_help_on_both_programs(tmp):
    rc, out, err = run("--help")
    assert rc == 0 and "-c FILE" in out, (rc, out, err)
    rc, out, err = run("--version")
    assert rc == 0 and out.startswith("usrbridged "), out
    p = subprocess.run([USRBRIDGECTL, "--help"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0 and "commands:" in p.stdout, (p.returncode, p.stderr)


def test_check_warns_about_the_state(tmp):
    """-t and the daemon agree: a broken state file is a warning (the daemon
    ignores it), and so is a state directory that cannot be written."""
    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    with Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % free_port()) as d:
        with open(os.path.join(d.state_dir, "settings.conf"), "w") as f:
            f.write("link1 = { port = \"x\"; };\n")
        rc, out, err = run("-t", "-c", d.conf_path)
        assert rc == 0 and out.endswith("OK (tcp232-30x)\n"), (rc, out, err)
        assert err.startswith("warning: %s/settings.conf:1: " % d.state_dir), err
        assert "ignores the state file" in err, err
        text = open(d.conf_path).read().replace(d.state_dir, blocker + "/state")
        with open(d.conf_path, "w") as f:
            f.write(text)
        rc, out, err = run("-t", "-c", d.conf_path)
        assert rc == 0 and "is not writable (Not a directory)" in err, (rc, out, err)


def test_config_messages_say_what_is_wrong(tmp):
    path = os.path.join(tmp, "bad.conf")
    with open(path, "w") as f:
        f.write('serial = { device = /dev/ttyS0; };\n')
    rc, out, err = run("-t", "-c", path)
    assert rc == 1 and err.startswith("%s:1: syntax error" % path), err
    assert "strings need double quotes" in err, err
    with open(path, "w") as f:
        f.write('serial = ( { device = "pty"; } );\n')
    rc, out, err = run("-t", "-c", path)
    assert rc == 1 and "'serial' is a group: write serial = { ... };" in err, err
    rc, out, err = run("-t", "-c", tmp)
    assert rc == 1 and err == "%s: is a directory, not a config file\n" % tmp, err


def test_relative_paths_are_relative_to_the_config_file(tmp):
    """usrbridgectl -c finds the socket the daemon made from a relative
    control.socket, wherever either is started from."""
    with Daemon(tmp, 'control = { socket = "rel.sock"; };') as d:
        d.start(wait=True)
        assert os.path.exists(os.path.join(tmp, "rel.sock"))
        p = subprocess.run([USRBRIDGECTL, "-c", d.conf_path, "get", "personality"],
                           capture_output=True, text=True, timeout=20, cwd="/")
        assert p.returncode == 0 and p.stdout == "tcp232-30x\n", (p.returncode, p.stderr)
        d.stop()


def test_detaching_daemon_resolves_a_relative_config(tmp):
    conf = os.path.join(tmp, "det.conf")
    pidf = os.path.join(tmp, "det.pid")
    with open(conf, "w") as f:
        f.write('state_dir = "st";\nserial = { device = "pty"; pty_link = "tty"; };\n'
                'control = { socket = "det.sock"; };\nweb = { enabled = false; };\n'
                'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "127.0.0.0/8" ]; };\n'
                'link1 = { mode = "TCPS"; port = %d; };\n' % free_port())
    p = subprocess.run([USRBRIDGED, "-c", "det.conf"], cwd=tmp, capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    sock = os.path.join(tmp, "det.sock")
    try:
        import time
        end = time.monotonic() + 10
        while not os.path.exists(sock) and time.monotonic() < end:
            time.sleep(0.05)
        q = subprocess.run([USRBRIDGECTL, "-c", conf, "reload"], capture_output=True,
                           text=True, timeout=20)
        assert q.returncode == 0 and "reloaded %s" % conf in q.stdout, (q.returncode, q.stdout,
                                                                       q.stderr)
        assert os.path.islink(os.path.join(tmp, "tty"))
    finally:
        # The detached daemon's pid, from its end of the control socket.
        import signal
        import struct
        if os.path.exists(sock):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                   struct.calcsize("3i")))[0]
            s.close()
            os.kill(pid, signal.SIGTERM)

run_tests(globals())
