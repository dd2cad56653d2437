"""The command line and config files (DESIGN.md §2): -t, errors as
file:line: message with a non-zero exit, a corrupt state file, the shipped
configs."""

import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (TOP_SRCDIR, USRBRIDGED, Daemon, free_port, recv_exactly,  # noqa: E402
                     run_tests)


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


run_tests(globals())
