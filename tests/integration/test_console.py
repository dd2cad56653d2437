"""The console over the real binary (PROTOCOLS.md §1, seed 000 §2): the
+++ / a / +ok handshake and its timing edges (every failed sequence reaches
the network peer unchanged), network data held in command mode, AT+ENTM,
AT+Z switching modes in-process, AT+RELD, persistence across a restart of
the process, and the network apply hook."""

import os
import re
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Server, free_port, recv_exactly, run_tests,  # noqa: E402
                     wait_for)

OK = b"\r\n+OK\r\n"


def val(v):
    return b"\r\n+OK=" + v + b"\r\n"


def with_client(tmp, extra=""):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\n%s' % (port, extra))
    d.start()
    c = socket.create_connection(("127.0.0.1", port))
    d.wait_log("client 1 connected")
    return d, c


def expect_net(c, data, timeout=5):
    got = recv_exactly(c, len(data), timeout)
    assert got == data, "network got %r, want %r" % (got, data)


def test_handshake_and_entm(tmp):
    d, c = with_client(tmp)
    with d:
        d.pty.write(b"before")
        expect_net(c, b"before")
        d.command_mode()
        assert d.at("AT+VER") == val(b"V4016")
        assert d.at("AT+ENTM") == OK
        d.pty.write(b"after")
        expect_net(c, b"after")
        c.settimeout(0.3)
        try:
            extra = c.recv(100)
            raise AssertionError("the handshake leaked to the network: %r" % extra)
        except socket.timeout:
            pass
        d.stop()


def test_too_little_silence_before_plus(tmp):
    d, c = with_client(tmp)
    with d:
        # '+++' right behind data, in the same write: not a handshake.
        d.pty.write(b"data+++")
        expect_net(c, b"data+++")
        assert d.pty.read(0.5) == b"", "the daemon answered a +++ without silence"
        d.stop()


def test_gap_too_long_between_plus(tmp):
    d, c = with_client(tmp)
    with d:
        time.sleep(0.1)
        for _ in range(3):
            d.pty.write(b"+")
            time.sleep(0.45)        # T2/T3 must be < 300 ms
        expect_net(c, b"+++", 3)
        assert d.pty.read(0.3) == b""
        d.pty.write(b"x")
        expect_net(c, b"x")
        d.stop()


def test_no_a_within_three_seconds(tmp):
    d, c = with_client(tmp)
    with d:
        time.sleep(0.1)
        d.pty.write(b"+++")
        assert d.pty.read_until(b"a", 3) == b"a"
        time.sleep(3.5)
        expect_net(c, b"+++", 3)
        d.pty.write(b"a")             # too late: data now
        expect_net(c, b"a")
        d.pty.write(b"AT+VER\r")
        expect_net(c, b"AT+VER\r")
        d.stop()


def test_wrong_answer_to_a(tmp):
    d, c = with_client(tmp)
    with d:
        time.sleep(0.1)
        d.pty.write(b"+++")
        assert d.pty.read_until(b"a", 3) == b"a"
        d.pty.write(b"b")
        expect_net(c, b"+++b")
        d.stop()


def test_network_data_held_in_command_mode(tmp):
    d, c = with_client(tmp)
    with d:
        d.command_mode()
        c.sendall(b"held while in command mode")
        time.sleep(0.3)
        assert d.at("AT+VER") == val(b"V4016"), "network data mixed into AT replies"
        # The connection stayed up meanwhile.
        assert d.at("AT+SOCKLK") == val(b"connect")
        d.pty.write(b"AT+ENTM\r")
        got = d.pty.read_until(b"mode", 3)
        assert got == OK + b"held while in command mode", got
        d.stop()


def test_at_z_switches_tcps_to_tcpc(tmp):
    d, c = with_client(tmp)
    with Server() as srv, d:
        srv.start()
        d.command_mode()
        assert d.at("AT+SOCK=TCPC,127.0.0.1,%d" % srv.port) == OK
        # Takes effect at restart only.
        d.pty.write(b"AT+Z\r")
        assert d.pty.read_until(OK, 3) == OK
        d.wait_log(r"restarted \(AT\+Z\) in (\d+) us")
        us = int(re.findall(r"restarted \(AT\+Z\) in (\d+) us", d.log())[-1])
        assert us < 1000000, "restart took %d us" % us
        assert c.recv(10) == b"", "the TCPS client survived the switch"
        d.wait_log("connected to 127.0.0.1:%d" % srv.port)
        d.pty.write(b"now a client")       # back in transparent mode
        wait_for(lambda: srv.received() == b"now a client", 5, "data in TCPC mode")
        srv.send_all(b"from server")
        assert d.pty.read_exactly(11) == b"from server"
        d.stop()


def test_at_z_applies_line_settings(tmp):
    d, c = with_client(tmp)
    with d:
        import termios
        d.command_mode()
        assert d.at("AT+UART=9600,8,1,NONE,NFC") == OK
        assert d.pty.speed() == termios.B115200, "applied before the restart"
        d.pty.write(b"AT+Z\r")
        d.pty.read_until(OK, 3)
        d.wait_log(r"restarted \(AT\+Z\)")
        wait_for(lambda: d.pty.speed() == termios.B9600, 3, "9600 baud on the tty")
        d.stop()


def test_persistence_across_restart(tmp):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port)
    with d:
        d.start()
        d.command_mode()
        assert d.at("AT+MID=Bench 7") == OK
        assert d.at("AT+MAXSK=9") == OK
        assert d.at("AT+HEARTDT=ping \"x\"\\") == OK
        d.stop()
        state = open(os.path.join(d.state_dir, "settings.conf")).read()
        assert 'name = "Bench 7";' in state and "max_clients = 9;" in state, state
        d.start()
        d.command_mode()
        assert d.at("AT+MID") == val(b"Bench 7")
        assert d.at("AT+MAXSK") == val(b"9")
        assert d.at("AT+HEARTDT") == val(b"ping \"x\"\\")
        d.stop()


def test_reld_restores_defaults(tmp):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };\ntcps = { max_clients = 3; };' % port)
    with d:
        d.start()
        d.command_mode()
        assert d.at("AT+MAXSK=9") == OK
        assert d.at("AT+MID=changed") == OK
        state = os.path.join(d.state_dir, "settings.conf")
        assert os.path.exists(state)
        d.pty.write(b"AT+RELD\r")
        assert d.pty.read_until(OK, 3) == OK
        d.wait_log(r"restarted \(AT\+RELD\)")
        assert not os.path.exists(state), "the state file was not removed"
        d.command_mode()
        # Back to the config file's value, and the factory default elsewhere.
        assert d.at("AT+MAXSK") == val(b"3")
        assert d.at("AT+MID") == val(b"USR-TCP232-30X")
        assert d.at("AT+SOCK") == val(b"TCPS,192.168.0.201,%d" % port)
        d.stop()


def test_set_fails_when_state_cannot_be_saved(tmp):
    port = free_port()
    d = Daemon(tmp, 'link1 = { mode = "TCPS"; port = %d; };' % port)
    with d:
        d.start()
        d.command_mode()
        # A state directory replaced by a file: every save fails, even as root.
        os.rmdir(d.state_dir)
        with open(d.state_dir, "w") as f:
            f.write("not a directory")
        assert d.at("AT+MAXSK=9") == b"\r\n+ERR=-5\r\n"
        assert d.at("AT+MAXSK") == val(b"4"), "the value changed though it was not saved"
        d.wait_log("cannot save")
        d.stop()


def test_apply_hook_gets_network_settings(tmp):
    out = os.path.join(tmp, "hook.out")
    hook = os.path.join(tmp, "hook.sh")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\nenv | grep ^USRB_ | sort > %s.tmp && mv %s.tmp %s\n" % (out, out, out))
    os.chmod(hook, stat.S_IRWXU)
    d, c = with_client(tmp, 'network = { allow_out = [ "127.0.0.0/8" ]; allow_in = [ "127.0.0.0/8" ];'
                       ' apply_hook = "%s"; };' % hook)
    with d:
        wait_for(lambda: os.path.exists(out), 5, "the hook at start")
        first = open(out).read()
        assert "USRB_EVENT=start" in first and "USRB_WAN_IP=192.168.0.7" in first, first
        assert "USRB_DNS=208.67.222.222" in first
        os.unlink(out)
        d.command_mode()
        assert d.at("AT+WANN=DHCP,10.1.2.3,255.255.0.0,10.1.0.1") == OK
        assert d.at("AT+DNS=127.0.0.53") == OK
        assert d.at("AT+USERMAC=D8B04C000042") == OK
        time.sleep(0.3)
        assert not os.path.exists(out), "the hook ran before the restart"
        d.pty.write(b"AT+Z\r")
        wait_for(lambda: os.path.exists(out), 5, "the hook after AT+Z")
        second = open(out).read()
        for line in ("USRB_EVENT=restart", "USRB_WAN_MODE=DHCP", "USRB_WAN_IP=10.1.2.3",
                     "USRB_WAN_MASK=255.255.0.0", "USRB_WAN_GATEWAY=10.1.0.1",
                     "USRB_DNS=127.0.0.53", "USRB_MAC=D8B04C000042"):
            assert line in second, (line, second)
        d.wait_log(r"apply hook \(pid \d+\) done", count=2)
        # Unchanged network settings: no second run on the next restart.
        os.unlink(out)
        d.command_mode()
        d.pty.write(b"AT+Z\r")
        d.wait_log(r"restarted \(AT\+Z\)", count=2)
        time.sleep(0.5)
        assert not os.path.exists(out)
        d.stop()


run_tests(globals())
