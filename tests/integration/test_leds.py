"""LEDs (DESIGN.md §3, PROTOCOLS.md §3 SCSLINK) in a temporary sysfs tree:
power on while running and off at exit, net while the network side is
usable, link while a TCP connection exists, data blinking on traffic, a
legacy GPIO exported and driven, a missing LED logged once."""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, free_port, run_tests, wait_for  # noqa: E402
from peers import TimedServer, led_samples, led_tree, traffic_bursts  # noqa: E402


def make_tree(tmp):
    root = led_tree(os.path.join(tmp, "sys"), ("pwr", "lnk", "act"))
    with open(os.path.join(root, "class", "leds", "pwr", "max_brightness"), "w") as f:
        f.write("255\n")
    gpio = os.path.join(root, "class", "gpio")
    os.makedirs(os.path.join(gpio, "gpio20"))
    for name, text in (("export", ""), ("gpio20/direction", "in\n"), ("gpio20/value", "0\n")):
        with open(os.path.join(gpio, name), "w") as f:
            f.write(text)
    return root


def led(root, role):
    path = {"power": "class/leds/pwr/brightness", "net": "class/gpio/gpio20/value",
            "link": "class/leds/lnk/brightness", "data": "class/leds/act/brightness"}[role]
    with open(os.path.join(root, path)) as f:
        return f.read().strip()


def leds_conf(root, data="class/leds/act"):
    return ('leds = { root = "%s"; power = "class/leds/pwr"; net = "gpio20"; '
            'link = "class/leds/lnk"; data = "%s"; };\n' % (root, data))


def test_tcpc_connection_drives_net_and_link(tmp):
    root = make_tree(tmp)
    port = free_port()
    with Daemon(tmp, leds_conf(root) + 'link1 = { mode = "TCPC"; host = "127.0.0.1"; '
                'port = %d; };' % port) as d:
        d.start()
        assert led(root, "power") == "255"
        with open(os.path.join(root, "class/gpio/gpio20/direction")) as f:
            assert f.read() == "out"
        assert led(root, "net") == "0" and led(root, "link") == "0"
        srv = TimedServer(port=port).start()
        try:
            wait_for(lambda: led(root, "link") == "1", 15, "link LED on")
            assert led(root, "net") == "1"
        finally:
            srv.stop()
        wait_for(lambda: led(root, "link") == "0", 10, "link LED off")
        assert led(root, "net") == "0"
        d.stop()
        assert led(root, "power") == "0", "power LED still on after exit"


def test_tcps_clients_and_scslink_off(tmp):
    root = make_tree(tmp)
    for scslink, want in (("ON", "1"), ("OFF", "0")):
        port = free_port()
        sub = os.path.join(tmp, scslink)
        os.mkdir(sub)
        with Daemon(sub, leds_conf(root) + 'link1 = { mode = "TCPS"; port = %d; };\n'
                    'bridge = { link_output = "%s"; };' % (port, scslink)) as d:
            d.start()
            assert led(root, "net") == "1", "a listening server is a usable network side"
            assert led(root, "link") == "0"
            c = socket.create_connection(("127.0.0.1", port))
            d.wait_log("client 1 connected")
            wait_for(lambda: led(root, "link") == want, 5, "link LED %s" % want)
            c.close()
            d.wait_log("client 1 .* disconnected")
            wait_for(lambda: led(root, "link") == "0", 5, "link LED off")
            d.stop()


def test_data_blinks_on_traffic(tmp):
    root = make_tree(tmp)
    port = free_port()
    with Daemon(tmp, leds_conf(root) + 'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        assert led(root, "data") == "0"

        def during():
            traffic_bursts(d.pty)
            wait_for(lambda: led(root, "data") == "0", 5, "data LED dark after the traffic")
        seen = led_samples(lambda: led(root, "data"), during)
        ons = sum(1 for a, b in zip(seen, seen[1:]) if a == "0" and b == "1")
        assert ons >= 2, "the data LED did not blink: %d flashes" % ons
        d.stop()


def test_missing_led_logged_once(tmp):
    root = make_tree(tmp)
    port = free_port()
    with Daemon(tmp, leds_conf(root, data="class/leds/nope") +
                'link1 = { mode = "TCPS"; port = %d; };' % port) as d:
        d.start()
        for _ in range(5):
            d.pty.write(b"x")
            time.sleep(0.1)
        assert d.log_count(r"data LED \(class/leds/nope\): cannot write") == 1, d.log()
        assert led(root, "power") == "255", "the other LEDs stopped working"
        d.stop()


def test_gpio_exported(tmp):
    root = make_tree(tmp)
    port = free_port()
    with Daemon(tmp, 'leds = { root = "%s"; power = "gpio33"; };\n'
                'link1 = { mode = "TCPS"; port = %d; };' % (root, port)) as d:
        d.start()
        # A fake tree has no kernel to create gpio33 after the export: the
        # export is written, then the missing direction file is logged.
        with open(os.path.join(root, "class/gpio/export")) as f:
            assert f.read() == "33"
        d.wait_log(r"power LED \(gpio33\): cannot write .*gpio33/direction")
        d.stop()


run_tests(globals())
