/* The settings table (DESIGN.md §3) and its codec: text <-> value with the
 * validation every front end (AT, config file, CLI, web form) shares. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netacl.h"
#include "personality.h"
#include "settings.h"
#include "util.h"

static const char *const ch_pers[] = { "tcp232-30x", "gprs232-721", NULL };
static const char *const ch_bool[] = { "false", "true", NULL };
static const char *const ch_ON[] = { "OFF", "ON", NULL };
static const char *const ch_on[] = { "off", "on", NULL };
static const char *const ch_parity[] = { "NONE", "ODD", "EVEN", "MARK", "SPACE", NULL };
static const char *const ch_flow[] = { "NFC", "FC", NULL };
static const char *const ch_mode[] = { "TCPS", "TCPC", "UDPS", "UDPC", "HTPC", NULL };
static const char *const ch_full[] = { "kick", "keep", NULL };
static const char *const ch_reg[] = { "OFF", "MAC", "USR", "CLOUD", NULL };
static const char *const ch_regsend[] = { "FIRST", "EVERY", "ALL", NULL };
static const char *const ch_method[] = { "GET", "POST", NULL };
static const char *const ch_heart[] = { "NET", "COM", NULL };
static const char *const ch_wan[] = { "STATIC", "DHCP", NULL };
/* enum work_mode's order (AT+CIMOD numbering). */
static const char *const ch_work[] = { "TRANSPARENT", "FRAME", "COMMAND", "HTTPD", "SMS", NULL };

/* Accepted spellings besides the choices themselves. */
static const struct { const char *alias, *choice; } enum_alias[] = {
	{ "MASK", "MARK" },	/* seed 000 §4.12 spells MARK parity "MASK" */
	{ "NO", "NONE" },
};

#define F(field) offsetof(struct settings, field), sizeof(((struct settings *)0)->field)
#define D(a, b) { a, b }

#define FL(field) offsetof(struct link_settings, field), \
	sizeof(((struct link_settings *)0)->field)

const struct setting settings_table[] = {
	/* Fixed keys of DESIGN.md §2. */
	{ "personality", ST_ENUM, F(personality), 0, 0, ch_pers,
	  D("tcp232-30x", "gprs232-721"), S_BOTH | S_NO_AT | S_RESTART,
	  "Which converter to replace: tcp232-30x or gprs232-721." },
	{ "state_dir", ST_STRING, F(state_dir), 1, 255, NULL,
	  D("/var/lib/usrbridged", "/var/lib/usrbridged"), S_BOTH | S_NO_AT | S_RESTART,
	  "Directory where settings changed at run time are saved (settings.conf)." },
	{ "serial.device", ST_STRING, F(serial_device), 1, 255, NULL,
	  D("/dev/ttyUSB0", "/dev/ttyUSB0"), S_BOTH | S_NO_AT | S_RESTART,
	  "Serial port path, or \"pty\" to create a virtual serial port." },
	{ "serial.pty_link", ST_STRING, F(pty_link), 1, 255, NULL,
	  D("/run/usrbridged/ttyUSR0", "/run/usrbridged/ttyUSR0"),
	  S_BOTH | S_NO_AT | S_RESTART,
	  "With device = \"pty\": the symlink published to the pty's slave end." },
	{ "serial.lock_dir", ST_STRING, F(lock_dir), 0, 255, NULL,
	  D("/run/lock", "/run/lock"), S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Directory of UUCP-style lock files (LCK..ttyUSB0) that keep a second daemon "
	  "or a terminal program off the port; empty: flock(2) on the port only." },
	{ "control.socket", ST_STRING, F(control_socket), 1, 107, NULL,
	  D("/run/usrbridged/usrbridged.sock", "/run/usrbridged/usrbridged.sock"),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Path of the control socket used by usrbridgectl; empty string: none." },
	{ "control.group", ST_STRING, F(control_group), 0, 31, NULL,
	  D("", ""), S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Group that owns the control socket (mode 0660); empty: the daemon's group." },
	{ "web.enabled", ST_BOOL, F(web_enabled), 0, 0, ch_bool,
	  D("true", "true"), S_BOTH | S_NO_AT | S_RESTART,
	  "Serve the status and settings page on web.port." },
	{ "web.bind", ST_STRING, F(web_bind), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Address (or local host name) the web page listens on; empty: every address." },
	{ "network.allow_out", ST_LIST, F(allow_out), 0, 511, NULL,
	  D("0.0.0.0/0,::/0", "0.0.0.0/0,::/0"), S_BOTH | S_NO_AT | S_RESTART,
	  "Networks the daemon may connect or send to (CIDR list)." },
	{ "network.allow_in", ST_LIST, F(allow_in), 0, 511, NULL,
	  D("0.0.0.0/0,::/0", "0.0.0.0/0,::/0"), S_BOTH | S_NO_AT | S_RESTART,
	  "Networks allowed to connect to the daemon's listeners (CIDR list)." },
	{ "network.apply_hook", ST_STRING, F(apply_hook), 0, 255, NULL,
	  D("", ""), S_BOTH | S_NO_AT | S_EMPTY_OK,
	  "Executable run with the stored WAN/DNS/MAC settings in its environment "
	  "after they change; empty: none." },
	{ "leds.root", ST_STRING, F(led_root), 0, 255, NULL,
	  D("/sys", "/sys"), S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Root of the sysfs tree the LED paths are relative to (tests use a temp dir)." },
	{ "leds.power", ST_STRING, F(led_power), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "LED for power: \"class/leds/NAME\" or \"gpioN\"; empty: none." },
	{ "leds.net", ST_STRING, F(led_net), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "LED lit while the network side is usable." },
	{ "leds.link", ST_STRING, F(led_link), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "LED lit while a TCP connection exists (AT+SCSLINK)." },
	{ "leds.data", ST_STRING, F(led_data), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "LED that blinks on traffic." },

	/* Serial line: AT+UART (30X), AT+ICF/AT+CIPR (721). */
	/* seed 000 §4.12: 600 to 230.4 kbps over AT; the config file may go
	 * beyond for UARTs that can. */
	{ "serial.baud", ST_INT, F(baud), 50, 4000000, NULL, D("115200", "115200"),
	  S_BOTH | S_RESTART | S_PERSIST, "Baud rate.",
	  /* seed 003 §1.3: 300 to 115200 on the 721 */
	  .at_min = { 600, 300 }, .at_max = { 230400, 115200 } },
	{ "serial.data_bits", ST_INT, F(data_bits), 5, 8, NULL, D("8", "8"),
	  S_BOTH | S_RESTART | S_PERSIST, "Data bits." },
	{ "serial.stop_bits", ST_INT, F(stop_bits), 1, 2, NULL, D("1", "1"),
	  S_BOTH | S_RESTART | S_PERSIST, "Stop bits." },
	{ "serial.parity", ST_ENUM, F(parity), 0, 0, ch_parity, D("NONE", "NONE"),
	  S_BOTH | S_RESTART | S_PERSIST, "Parity: NONE, ODD, EVEN, MARK or SPACE." },
	{ "serial.flow", ST_ENUM, F(flow), 0, 0, ch_flow, D("NFC", "NFC"),
	  S_BOTH | S_RESTART | S_PERSIST, "Flow control: NFC (none) or FC (RTS/CTS)." },
	{ "serial.pack_gap_us", ST_INT, F(pack_gap_us), -1, 60000000, NULL,
	  D("-1", "100000"), S_BOTH | S_NO_AT_30X | S_RESTART | S_PERSIST,
	  "Packing gap in microseconds: a frame ends after this much idle time; "
	  "-1 = 4 character times, 0 = send each read at once." },
	{ "serial.pack_len", ST_INT, F(pack_len), 1, 65536, NULL, D("400", "1024"),
	  S_BOTH | S_NO_AT_30X | S_RESTART | S_PERSIST,
	  "Packing length: a frame ends when it reaches this many bytes." },
	{ "serial.baud_sync", ST_BOOL, F(baud_sync), 0, 0, ch_ON, D("ON", "OFF"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+RFCEN: accept the 55 AA 55 baud-rate sync packet from the network." },

	/* Console and identity of the device. */
	{ "console.echo", ST_BOOL, F(echo), 0, 0, ch_on, D("off", "off"),
	  S_BOTH | S_PERSIST, "AT+E: echo received bytes in command mode." },
	{ "device.version", ST_STRING, F(version), 1, 31, NULL, D("V4016", "V1.0.0"),
	  S_BOTH | S_NO_AT, "Firmware version reported by AT+VER / AT+CIVER." },
	{ "device.name", ST_STRING, F(name), 1, 15, NULL,
	  D("USR-TCP232-30X", "USR-GPRS232-721"), S_BOTH | S_PERSIST,
	  "AT+MID: module name." },

	/* Network settings of the host: stored, handed to the apply hook. */
	{ "network.wan_mode", ST_ENUM, F(wan_mode), 0, 0, ch_wan, D("STATIC", "DHCP"),
	  S_30X | S_RESTART | S_PERSIST, "AT+WANN mode: STATIC or DHCP." },
	{ "network.wan_ip", ST_IPV4, F(wan_ip), 0, 0, NULL, D("192.168.0.7", "0.0.0.0"),
	  S_30X | S_RESTART | S_PERSIST, "AT+WANN address." },
	{ "network.wan_mask", ST_IPV4, F(wan_mask), 0, 0, NULL,
	  D("255.255.255.0", "0.0.0.0"), S_30X | S_RESTART | S_PERSIST, "AT+WANN netmask." },
	{ "network.wan_gateway", ST_IPV4, F(wan_gateway), 0, 0, NULL,
	  D("192.168.0.1", "0.0.0.0"), S_30X | S_RESTART | S_PERSIST, "AT+WANN gateway." },
	{ "network.dns", ST_IPV4, F(dns), 0, 0, NULL, D("208.67.222.222", "0.0.0.0"),
	  S_30X | S_RESTART | S_PERSIST, "AT+DNS: DNS server address." },
	{ "network.user_mac", ST_MAC, F(user_mac), 0, 0, NULL, D("", ""),
	  S_30X | S_RESTART | S_PERSIST | S_EMPTY_OK,
	  "AT+USERMAC: MAC address to report and apply; empty: the interface's." },

	/* Beyond the devices (PROTOCOLS.md §6). */
	{ "rfc2217.port", ST_INT, F(rfc2217_port), 1, 65535, NULL, D("0", "0"),
	  S_BOTH | S_NO_AT | S_RESTART | S_ZERO_OK,
	  "TCP port of the RFC 2217 listener (Telnet COM-PORT-OPTION, for pyserial's "
	  "rfc2217:// URLs, gensio and virtual-COM drivers); 0: off. One client at a time "
	  "owns the serial port: the console and links pause while it is connected, the "
	  "line settings it asks for apply at once and are not saved, DTR, RTS and BREAK "
	  "follow it; when it leaves, the line settings of before and the links come back. "
	  "network.allow_in applies." },
	{ "discovery.enabled", ST_BOOL, F(discovery_enabled), 0, 0, ch_bool,
	  D("false", "false"), S_BOTH | S_NO_AT | S_RESTART,
	  "Answer the search of USR's setup software on UDP port 1500 (the FF 01 01 02 "
	  "search and the legacy one) with the address, netmask and MAC of the interface "
	  "the search came in on, the version, device.name and link1's settings; only "
	  "the searcher gets a reply, anything else is counted and ignored. The setup "
	  "software's configuration commands are not answered. network.allow_in applies." },

	/* Web page. */
	{ "web.port", ST_INT, F(web_port), 1, 65535, NULL, D("80", "80"),
	  S_BOTH | S_RESTART | S_PERSIST, "AT+WEBPORT: port of the web page." },
	{ "web.user", ST_STRING, F(web_user), 1, 5, NULL, D("admin", "admin"),
	  S_BOTH | S_RESTART | S_PERSIST, "AT+WEBU user name." },
	/* The device takes 1-5 bytes (seed 000 §4.8) and AT keeps that; the
	 * config file, usrbridgectl and the web page take up to 64, so that a
	 * password can be more than a PIN (ETSI EN 303 645 §5.1). */
	{ "web.password", ST_STRING, F(web_password), 1, 64, NULL, D("admin", "admin"),
	  S_BOTH | S_RESTART | S_PERSIST | S_SECRET,
	  "AT+WEBU password; AT+WEBU itself takes at most 5 bytes, as the device. While "
	  "user and password are the factory ones the web page only offers to change them.",
	  .at_min = { 1, 1 }, .at_max = { 5, 5 } },
	{ "web.tls_cert", ST_STRING, F(web_tls_cert), 0, 255, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "PEM certificate (chain) file: the web page is served over HTTPS; empty: plain "
	  "HTTP. Needs web.tls_key." },
	{ "web.tls_key", ST_STRING, F(web_tls_key), 0, 255, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "PEM private key file of web.tls_cert." },

	/* Links: link1 is the 30X's one socket (AT+SOCK, AT+SOCKPORT). */
	{ "link.enabled", ST_BOOL, FL(enabled), 0, 0, ch_ON, D("ON", "ON"),
	  S_721 | S_RESTART | S_PERSIST, "Link in use (721 AT+CIPSCONT enable field).",
	  .scope = SCOPE_LINK, .def_more = D("OFF", "OFF") },
	{ "link.mode", ST_ENUM, FL(mode), 0, 0, ch_mode, D("TCPC", "TCPC"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "Socket mode of the link: TCPS, TCPC, UDPS, UDPC or HTPC (AT+SOCK).",
	  .scope = SCOPE_LINK },
	{ "link.host", ST_HOST, FL(host), 1, 127, NULL, D("192.168.0.201", "test.usr.cn"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "Remote host of the link in client modes: IPv4/IPv6 address or name.",
	  .scope = SCOPE_LINK, .def_more = D("127.0.0.1", "127.0.0.1") },
	{ "link.port", ST_INT, FL(port), 1, 65535, NULL, D("8234", "2317"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "Remote port of the link; also the listen port of TCPS/UDPS when local_port is 0.",
	  .scope = SCOPE_LINK },
	{ "link.local_port", ST_INT, FL(local_port), 0, 65535, NULL, D("0", "0"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "Local port of the link (AT+SOCKPORT): listen port of TCPS/UDPS, bound "
	  "source port of TCPC/UDPC; 0 = the remote port for servers, any for clients.",
	  .scope = SCOPE_LINK },
	{ "link.bind", ST_STRING, FL(bind), 0, 127, NULL, D("", ""),
	  S_BOTH | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "Address (or local host name) TCPS/UDPS listen on; empty: every address. "
	  "Not an AT setting: the devices have none.",
	  .scope = SCOPE_LINK },

	/* TCP server behaviour. */
	{ "tcps.on_full", ST_ENUM, F(tcps_full), 0, 0, ch_full, D("kick", "kick"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+TCPSE: a client beyond max_clients kicks the oldest (kick) or is refused (keep)." },
	{ "tcps.max_clients", ST_INT, F(max_clients), 1, 16, NULL, D("4", "4"),
	  S_30X | S_RESTART | S_PERSIST, "AT+MAXSK: clients of the TCP server." },
	{ "tcps.index", ST_BOOL, F(tcps_index), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+INDEXEN: number clients 1-8 and mark their data and events on the serial line." },
	{ "tcps.client_queue", ST_INT, F(client_queue), 4096, 16777216, NULL,
	  D("262144", "262144"), S_BOTH | S_NO_AT | S_RESTART | S_PERSIST,
	  "Bytes queued for one TCP peer before it counts as stuck and is dropped." },

	/* TCP liveness of every TCPS client and TCPC connection: ser2net's
	 * "keepalive", Moxa's "TCP alive check". The defaults find a peer that
	 * lost power within 2 minutes: 60 s idle, then 6 probes 10 s apart;
	 * TCP_USER_TIMEOUT (RFC 5482) bounds unacknowledged data the same. */
	{ "tcp.keepalive_idle", ST_INT, F(keepalive_idle), 1, 32767, NULL, D("60", "60"),
	  S_BOTH | S_NO_AT | S_RESTART | S_ZERO_OK,
	  "Seconds a TCP connection may be silent before keepalive probes start; 0: no "
	  "keepalive." },
	{ "tcp.keepalive_interval", ST_INT, F(keepalive_interval), 1, 32767, NULL,
	  D("10", "10"), S_BOTH | S_NO_AT | S_RESTART,
	  "Seconds between two keepalive probes." },
	{ "tcp.keepalive_count", ST_INT, F(keepalive_count), 1, 127, NULL, D("6", "6"),
	  S_BOTH | S_NO_AT | S_RESTART,
	  "Unanswered keepalive probes after which the connection is dropped (a TCPS "
	  "client frees its slot, a TCPC link reconnects)." },
	{ "tcp.user_timeout", ST_INT, F(user_timeout), 1, 86400, NULL, D("120", "120"),
	  S_BOTH | S_NO_AT | S_RESTART | S_ZERO_OK,
	  "Seconds sent data may stay unacknowledged before the connection is dropped "
	  "(TCP_USER_TIMEOUT); 0: the system's default." },
	{ "tcp.half_close_wait", ST_INT, F(half_close_wait), 1, 3600, NULL, D("2", "2"),
	  S_BOTH | S_NO_AT | S_RESTART | S_ZERO_OK,
	  "Seconds a TCPS client that half-closed (shut down its sending side, as nc -N and "
	  "socat do) keeps receiving after the last data sent to it; a client that closed "
	  "fully is dropped when data sent to it bounces; 0: dropped at its FIN." },

	/* Bridge behaviour. */
	{ "bridge.cache_size", ST_INT, F(cache_size), 0, 16777216, NULL,
	  D("16384", "15360"), S_BOTH | S_NO_AT | S_RESTART | S_PERSIST,
	  "Bytes of serial data kept while a link is down (oldest dropped beyond)." },
	{ "bridge.clear_cache", ST_BOOL, F(clear_cache), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+UARTCLBUF: discard serial data cached while disconnected." },
	{ "bridge.short_conn", ST_BOOL, F(short_conn), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "AT+SOCKSL, AT+CISOCLINK=0: TCPC connects only when data waits and closes after "
	  "short_timeout." },
	{ "bridge.short_timeout", ST_INT, F(short_timeout), 2, 255, NULL, D("3", "10"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST,
	  "AT+SHORTO: idle seconds before a short connection closes (the 721: 10)." },
	{ "bridge.client_reset", ST_BOOL, F(client_reset), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+CLIENTRST: restart after 30 failed TCP client connection attempts." },
	{ "bridge.reconnect_max", ST_INT, F(reconnect_max), 1, 30, NULL, D("30", "30"),
	  S_BOTH | S_NO_AT | S_RESTART,
	  "Longest wait in seconds between two connection attempts of a client link "
	  "(the wait starts at 1 s and doubles up to this)." },
	{ "bridge.idle_reset", ST_INT, F(idle_reset), 60, 65535, NULL, D("3600", "0"),
	  S_30X | S_RESTART | S_PERSIST | S_ZERO_OK,
	  "AT+RSTIM: restart when nothing came from the network for this many seconds; 0: never." },
	{ "bridge.link_output", ST_BOOL, F(link_output), 0, 0, ch_ON, D("ON", "ON"),
	  S_30X | S_RESTART | S_PERSIST,
	  "AT+SCSLINK: drive the link LED from the TCP connection state." },

	/* Identity (registration) packet. */
	{ "reg.mode", ST_ENUM, F(reg_mode), 0, 0, ch_reg, D("OFF", "USR"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST,
	  "AT+REGEN: identity packet OFF, MAC, USR or CLOUD (the 721: USR, on while "
	  "reg.data is not empty)." },
	{ "reg.send", ST_ENUM, F(reg_send), 0, 0, ch_regsend, D("FIRST", "FIRST"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "AT+REGTCP, AT+CIPPACK=1 mode: send it once per connection (FIRST), before every "
	  "frame (EVERY) or both (ALL)." },
	{ "reg.data", ST_BYTES, F(reg_data), 0, 40, NULL, D("www.usr.cn", ""),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "AT+REGUSR, AT+CIPPACK=1: identity (registration) packet data; empty: none.",
	  .at_min = { 1, 0 }, .at_max = { 40, 40 } },
	{ "reg.cloud_id", ST_STRING, F(cloud_id), 20, 20, NULL, D("", ""),
	  S_30X | S_RESTART | S_PERSIST | S_EMPTY_OK, "AT+REGCLOUD device ID (20 bytes)." },
	{ "reg.cloud_password", ST_STRING, F(cloud_password), 8, 8, NULL, D("", ""),
	  S_30X | S_RESTART | S_PERSIST | S_EMPTY_OK | S_SECRET,
	  "AT+REGCLOUD password (8 bytes)." },

	/* Heartbeat packet. */
	{ "heartbeat.enabled", ST_BOOL, F(heart_enabled), 0, 0, ch_ON, D("OFF", "ON"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST,
	  "AT+HEARTEN: send heartbeat packets (the 721: ON, and they run while "
	  "heartbeat.interval and heartbeat.data are set)." },
	{ "heartbeat.type", ST_ENUM, F(heart_type), 0, 0, ch_heart, D("NET", "NET"),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "AT+HEARTTP, AT+CIPPACK=0 dir: to the network (NET) or the serial line (COM)." },
	{ "heartbeat.interval", ST_INT, F(heart_interval), 1, 65535, NULL, D("30", "0"),
	  S_BOTH | S_RESTART | S_PERSIST | S_ZERO_OK,
	  "AT+HEARTTM, AT+CIPCFG HEAT: heartbeat interval in seconds; 0: no heartbeat.",
	  .at_min = { 1, 0 }, .at_max = { 65535, 65535 } },
	{ "heartbeat.data", ST_BYTES, F(heart_data), 0, 40, NULL, D("www.usr.cn", ""),
	  S_BOTH | S_RESTART | S_PERSIST,
	  "AT+HEARTDT, AT+CIPPACK=0: heartbeat data; empty: no heartbeat.",
	  .at_min = { 1, 0 }, .at_max = { 39, 40 } },

	/* The 721's own (PROTOCOLS.md §4). */
	{ "dtu.mode", ST_ENUM, F(work_mode), 0, 0, ch_work, D("TRANSPARENT", "TRANSPARENT"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CIMOD: work mode TRANSPARENT (0), FRAME (1: the links addressed in frames, "
	  "usrbridged-protocol(7)), COMMAND (2: AT+CIOPEN, AT+CISEND), HTTPD (3: each frame "
	  "an HTTP request to link1) or SMS (4: frames to the modem as SMS)." },
	{ "dtu.cipcfg1", ST_INT, F(cipcfg1), 0, 65535, NULL, D("1", "1"),
	  S_721 | S_RESTART | S_PERSIST, "AT+CIPCFG field 1: stored and echoed, no effect." },
	{ "dtu.cipcfg3", ST_INT, F(cipcfg3), 0, 65535, NULL, D("0", "0"),
	  S_721 | S_RESTART | S_PERSIST, "AT+CIPCFG field 3: stored and echoed, no effect." },
	{ "dtu.idle_restart", ST_INT, F(idle_restart), 0, 65535, NULL, D("0", "0"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CIPCFG RTIME: restart when no data moved in either direction for this many "
	  "seconds; below 600: never." },
	{ "dtu.password", ST_STRING, F(at_password), 1, 11, NULL, D("usr.cn#", "usr.cn#"),
	  S_721 | S_PERSIST | S_SECRET,
	  "AT+CIPSW: the command password that starts a password AT frame." },
	{ "dtu.net_at", ST_BOOL, F(net_at), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CINETAT: execute password AT frames that arrive from the network." },
	{ "dtu.serial_at", ST_BOOL, F(serial_at), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CICOMAT: execute password AT frames from the serial line in transparent mode." },
	{ "dtu.command_idle", ST_INT, F(command_idle), 0, 65535, NULL, D("0", "0"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CIOPTIME: command mode returns to the previous mode after this many idle "
	  "seconds; 0: never." },
	{ "dtu.startup_message", ST_STRING, F(startup_message), 0, 64, NULL, D("", ""),
	  S_721 | S_RESTART | S_PERSIST | S_EMPTY_OK,
	  "AT+CIMODID: text written to the serial line at each start; empty: none." },
	{ "sms.number", ST_PHONE, F(sms_number), 0, 20, NULL, D("", ""),
	  S_721 | S_RESTART | S_PERSIST | S_EMPTY_OK,
	  "AT+CIPNUM: the peer of SMS transparent mode." },
	{ "modem.apn", ST_STRING, F(apn), 0, 63, NULL, D("", ""),
	  S_721 | S_RESTART | S_PERSIST | S_EMPTY_OK,
	  "AT+CSTT APN; stored and passed to network.apply_hook." },
	{ "modem.user", ST_STRING, F(apn_user), 0, 63, NULL, D("", ""),
	  S_721 | S_RESTART | S_PERSIST | S_EMPTY_OK, "AT+CSTT user name." },
	{ "modem.password", ST_STRING, F(apn_password), 0, 63, NULL, D("", ""),
	  S_721 | S_RESTART | S_PERSIST | S_EMPTY_OK | S_SECRET, "AT+CSTT password." },
	{ "modem.auto_answer", ST_BOOL, F(auto_answer), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_721 | S_RESTART | S_PERSIST,
	  "AT+CIRINGSTA: answer voice calls automatically (ATS0 to the modem)." },
	{ "modem.device", ST_STRING, F(modem_device), 0, 255, NULL, D("", ""),
	  S_721 | S_NO_AT | S_RESTART | S_EMPTY_OK,
	  "The cellular modem's AT port (a tty such as /dev/ttyUSB2) for SMS, IMEI, "
	  "signal and cell; empty: no modem." },

	/* HTTP client (HTPC). */
	{ "http.method", ST_ENUM, F(http_method), 0, 0, ch_method, D("GET", "GET"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST, "AT+HTPTP: request method GET or POST." },
	{ "http.url", ST_STRING, F(http_url), 1, 100, NULL, D("/1.php?", "/1.php?"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST, "AT+HTPURL: request path." },
	{ "http.header", ST_STRING, F(http_header), 1, 199, NULL,
	  D("User_Agent: Mozilla/4.0<<CRLF>>Connection: close",
	    "User_Agent: Mozilla/4.0<<CRLF>>Connection: close"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST,
	  "AT+HTPHEAD: extra header lines, separated by <<CRLF>>." },
	{ "http.strip_header", ST_BOOL, F(http_strip_header), 0, 0, ch_ON, D("OFF", "OFF"),
	  S_BOTH | S_NO_AT_721 | S_RESTART | S_PERSIST,
	  "AT+HTPCHD: write only the response body to the serial line." },
	{ "http.timeout", ST_INT, F(http_timeout), 1, 600, NULL, D("10", "10"),
	  S_BOTH | S_NO_AT | S_RESTART | S_PERSIST, "Seconds before an HTTP request fails." },

	/* The 721's FTP download for the MCU (PROTOCOLS.md §5). FTP_INFO
	 * counts packets of 256 bytes in 2 bytes: 16776960 bytes at most. */
	{ "ftp.max_size", ST_INT, F(ftp_max_size), 0, 16776960, NULL, D("4194304", "4194304"),
	  S_721 | S_NO_AT | S_RESTART,
	  "Largest file FTP_START may download, in bytes; a larger one fails (FTP_INFO "
	  "status 2)." },
	{ "ftp.retries", ST_INT, F(ftp_retries), 0, 100, NULL, D("10", "10"),
	  S_721 | S_NO_AT | S_RESTART,
	  "Failed attempts of an FTP download retried (each resumes where the last "
	  "stopped, after 1 s doubling up to 30 s) before FTP_INFO reports the failure." },
};

const size_t settings_count = ARRAY_SIZE(settings_table);

const char *
personality_name(enum personality p)
{
	return p < PERS_COUNT ? personality_get(p)->name : "?";
}

int
personality_from_name(const char *name)
{
	for (int i = 0; ch_pers[i]; i++)
		if (strcasecmp(name, ch_pers[i]) == 0)
			return i;
	return -EINVAL;
}

int
personality_links(enum personality p)
{
	return personality_get(p)->links;
}

/* The first and last row of the block of link rows that holds row i. */
static size_t
link_block_first(size_t i)
{
	while (i > 0 && settings_table[i - 1].scope == SCOPE_LINK)
		i--;
	return i;
}

int
settings_next(struct setting_ref *r)
{
	size_t i;

	if (!r->s) {
		*r = (struct setting_ref){ &settings_table[0], 0 };
		return 1;
	}
	i = (size_t)(r->s - settings_table);
	if (r->s->scope == SCOPE_LINK &&
	    (i + 1 == settings_count || settings_table[i + 1].scope != SCOPE_LINK) &&
	    r->link + 1 < LINKS_MAX) {
		*r = (struct setting_ref){ &settings_table[link_block_first(i)], r->link + 1 };
		return 1;
	}
	if (i + 1 == settings_count) {
		*r = (struct setting_ref){ NULL, 0 };
		return 0;
	}
	*r = (struct setting_ref){ &settings_table[i + 1],
	    settings_table[i + 1].scope == SCOPE_LINK ? r->link : 0 };
	if (r->s->scope == SCOPE_LINK && r->s > settings_table &&
	    r->s[-1].scope != SCOPE_LINK)
		r->link = 0;
	return 1;
}

size_t
settings_nrefs(void)
{
	struct setting_ref r = { NULL, 0 };
	size_t n = 0;

	while (settings_next(&r))
		n++;
	return n;
}

struct setting_ref
settings_ref(size_t i)
{
	struct setting_ref r = { NULL, 0 };

	while (settings_next(&r) && i-- > 0)
		;
	return r;
}

const char *
settings_key(struct setting_ref r, char *buf, size_t cap)
{
	if (r.s->scope == SCOPE_LINK)
		snprintf(buf, cap, "link%d%s", r.link + 1, strchr(r.s->key, '.'));
	else
		snprintf(buf, cap, "%s", r.s->key);
	return buf;
}

struct setting_ref
settings_find(const char *key)
{
	struct setting_ref r = { NULL, 0 };
	char k[SETTINGS_KEY_MAX];

	while (settings_next(&r))
		if (strcasecmp(settings_key(r, k, sizeof(k)), key) == 0)
			return r;
	return r;
}

size_t
settings_group_len(struct setting_ref r)
{
	const char *dot = strchr(r.s->key, '.');

	if (r.s->scope == SCOPE_LINK)
		return 5;	/* "linkN" */
	return dot ? (size_t)(dot - r.s->key) : 0;
}

int
settings_same_group(struct setting_ref a, struct setting_ref b)
{
	size_t n = settings_group_len(a);

	if (a.s->scope == SCOPE_LINK || b.s->scope == SCOPE_LINK)
		return a.s->scope == b.s->scope && a.link == b.link;
	return n == settings_group_len(b) && strncmp(a.s->key, b.s->key, n) == 0;
}

int
settings_group_starts(struct setting_ref r)
{
	struct setting_ref q = { NULL, 0 };

	if (settings_group_len(r) == 0)
		return 0;
	while (settings_next(&q) && !(q.s == r.s && q.link == r.link))
		if (settings_same_group(q, r))
			return 0;
	return 1;
}

int
settings_applies(struct setting_ref r, enum personality p)
{
	return (r.s->flags & (p == PERS_30X ? S_30X : S_721)) != 0 &&
	    r.link < personality_links(p);
}

int
settings_at_visible(struct setting_ref r, enum personality p)
{
	return settings_applies(r, p) &&
	    !(r.s->flags & (p == PERS_30X ? S_NO_AT_30X : S_NO_AT_721));
}

const char *
settings_default(struct setting_ref r, enum personality p)
{
	if (r.s->scope == SCOPE_LINK && r.link > 0 && r.s->def_more[p])
		return r.s->def_more[p];
	return r.s->def[p];
}

void
settings_defaults(struct settings *st, enum personality p)
{
	struct setting_ref r = { NULL, 0 };

	memset(st, 0, sizeof(*st));
	/* Factory defaults are valid by construction; check_settings proves
	 * every one of them parses. */
	while (settings_next(&r))
		settings_set(st, r, settings_default(r, p), NULL, 0);
	st->personality = (int)p;
}

static int
choice_index(const struct setting *s, const char *text)
{
	for (int i = 0; s->choices[i]; i++)
		if (strcasecmp(text, s->choices[i]) == 0)
			return i;
	for (size_t a = 0; a < ARRAY_SIZE(enum_alias); a++)
		if (strcasecmp(text, enum_alias[a].alias) == 0)
			for (int i = 0; s->choices[i]; i++)
				if (strcmp(enum_alias[a].choice, s->choices[i]) == 0)
					return i;
	return -1;
}

static int
valid_hostname(const char *h)
{
	size_t label = 0, n = strlen(h);

	if (n == 0 || n > 127)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (label == 0 && c == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

static void
why_set(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
why_set(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!why || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

static void
why_choices(const struct setting *s, char *why, size_t cap)
{
	size_t o;

	if (!why || !cap)
		return;
	o = (size_t)snprintf(why, cap, "must be one of ");
	for (int i = 0; s->choices[i] && o < cap; i++)
		o += (size_t)snprintf(why + o, cap - o, "%s%s", i ? ", " : "", s->choices[i]);
}

size_t
settings_offset(struct setting_ref r)
{
	if (r.s->scope == SCOPE_LINK)
		return offsetof(struct settings, link) +
		    (size_t)r.link * sizeof(struct link_settings) + r.s->off;
	return r.s->off;
}

static void *
value_ptr(const struct settings *st, struct setting_ref r)
{
	return (char *)st + settings_offset(r);
}

/* The length of a string's or bytes' value. */
static size_t
value_len(const struct settings *st, struct setting_ref r)
{
	const void *v = value_ptr(st, r);

	return r.s->type == ST_BYTES ? ((const struct setting_bytes *)v)->len :
	    strlen((const char *)v);
}

int
settings_set(struct settings *st, struct setting_ref r, const char *text,
    char *why, size_t whycap)
{
	const struct setting *s = r.s;
	void *dst = value_ptr(st, r);
	size_t len = strlen(text);
	long v;
	int i, rc;

	switch (s->type) {
	case ST_BOOL:
	case ST_ENUM:
		i = choice_index(s, text);
		if (i < 0) {
			why_choices(s, why, whycap);
			return -EINVAL;
		}
		*(int *)dst = i;
		return 0;
	case ST_INT:
		rc = util_parse_long(text, s->flags & S_ZERO_OK ? MIN(0, s->min) : s->min,
		    s->max, &v);
		if (rc == 0 && (s->flags & S_ZERO_OK) && v != 0 && v < s->min)
			rc = -ERANGE;
		if (rc < 0) {
			if (s->flags & S_ZERO_OK)
				why_set(why, whycap, "must be 0 or an integer from %ld to %ld",
				    s->min, s->max);
			else
				why_set(why, whycap, "must be an integer from %ld to %ld",
				    s->min, s->max);
			return rc;
		}
		*(long *)dst = v;
		return 0;
	case ST_STRING:
		if (strpbrk(text, "\r\n")) {
			why_set(why, whycap, "must not contain line breaks");
			return -EINVAL;
		}
		if (!(len == 0 && (s->flags & S_EMPTY_OK)) &&
		    (len < (size_t)s->min || len > (size_t)s->max)) {
			if (s->min == s->max)
				why_set(why, whycap, "must be %ld bytes%s", s->max,
				    s->flags & S_EMPTY_OK ? " or empty" : "");
			else
				why_set(why, whycap, "must be %ld to %ld bytes", s->min, s->max);
			return -ERANGE;
		}
		break;
	case ST_IPV4: {
		struct in_addr a;

		if (inet_pton(AF_INET, text, &a) != 1) {
			why_set(why, whycap, "must be an IPv4 address");
			return -EINVAL;
		}
		break;
	}
	case ST_HOST: {
		struct in6_addr a6;

		if (!valid_hostname(text) && inet_pton(AF_INET6, text, &a6) != 1) {
			why_set(why, whycap, "must be an IP address or a host name");
			return -EINVAL;
		}
		break;
	}
	case ST_MAC:
		if (len == 0 && (s->flags & S_EMPTY_OK))
			break;
		if (len != 12 || strspn(text, "0123456789abcdefABCDEF") != 12) {
			why_set(why, whycap, "must be 12 hex digits");
			return -EINVAL;
		}
		break;
	case ST_BYTES: {
		uint8_t data[SETTING_BYTES_MAX];
		int k;

		if (strpbrk(text, "\r\n")) {
			why_set(why, whycap, "must not contain line breaks (write them as \\x0D\\x0A)");
			return -EINVAL;
		}
		k = settings_bytes_unescape(text, data, sizeof(data));
		if (k < 0)
			k = SETTING_BYTES_MAX + 1;
		if (k < s->min || k > s->max) {
			why_set(why, whycap, "must be %ld to %ld bytes", s->min, s->max);
			return -ERANGE;
		}
		return settings_set_bytes(st, r, data, (size_t)k, why, whycap);
	}
	case ST_PHONE: {
		const char *d = text + (*text == '+');

		if (strspn(d, "0123456789") != strlen(d) || (len && !*d)) {
			why_set(why, whycap, "must be a telephone number: digits, an optional "
			    "leading +");
			return -EINVAL;
		}
		if (len > (size_t)s->max) {
			why_set(why, whycap, "must be at most %ld characters", s->max);
			return -ERANGE;
		}
		if (len == 0 && !(s->flags & S_EMPTY_OK)) {
			why_set(why, whycap, "must not be empty");
			return -EINVAL;
		}
		break;
	}
	case ST_LIST: {
		struct netacl acl;

		if (len > (size_t)s->max || netacl_parse(text, &acl) < 0) {
			why_set(why, whycap, "must be a list of addresses or networks (CIDR)");
			return -EINVAL;
		}
		break;
	}
	}
	/* Every text type lands here; storage sizes are checked by check_settings. */
	if (len >= s->size) {
		why_set(why, whycap, "too long");
		return -ERANGE;
	}
	memcpy(dst, text, len + 1);
	if (s->type == ST_MAC)
		for (char *p = dst; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	return 0;
}

int
settings_set_many(struct settings *st, const struct setting_ref *r,
    const char *const *text, int n, enum settings_origin origin, char *why, size_t whycap)
{
	enum personality p = (enum personality)st->personality;
	struct settings tmp = *st;
	char key[SETTINGS_KEY_MAX], reason[160];

	for (int i = 0; i < n; i++) {
		const struct setting *s = r[i].s;
		long v;
		int rc;

		if (!s) {
			why_set(why, whycap, "no such setting");
			return -EINVAL;
		}
		settings_key(r[i], key, sizeof(key));
		if (!settings_applies(r[i], p) ||
		    (origin != SET_CONFIG &&
		    (!(s->flags & S_PERSIST) || !settings_at_visible(r[i], p)))) {
			why_set(why, whycap, "%s: not settable %s", key,
			    origin == SET_CONFIG ? "in this personality" : "at run time");
			return -EINVAL;
		}
		rc = settings_set(&tmp, r[i], text[i], reason, sizeof(reason));
		if (rc == 0 && origin == SET_AT && s->type == ST_INT &&
		    (s->at_min[p] || s->at_max[p]) &&
		    (util_parse_long(text[i], s->at_min[p], s->at_max[p], &v) < 0)) {
			snprintf(reason, sizeof(reason), "must be an integer from %ld to %ld over AT",
			    s->at_min[p], s->at_max[p]);
			rc = -ERANGE;
		}
		/* Strings and bytes: AT's bounds are on the length (AT+WEBU, seed
		 * 000 §4.8; AT+HEARTDT against AT+CIPPACK). */
		if (rc == 0 && origin == SET_AT &&
		    (s->type == ST_STRING || s->type == ST_BYTES) &&
		    (s->at_min[p] || s->at_max[p]) &&
		    (value_len(&tmp, r[i]) < (size_t)s->at_min[p] ||
		    value_len(&tmp, r[i]) > (size_t)s->at_max[p])) {
			snprintf(reason, sizeof(reason), "must be %ld to %ld bytes over AT",
			    s->at_min[p], s->at_max[p]);
			rc = -ERANGE;
		}
		if (rc < 0) {
			why_set(why, whycap, "%s: %s", key, reason);
			return rc;
		}
	}
	*st = tmp;
	return 0;
}

size_t
settings_bytes_escape(const uint8_t *d, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		size_t k;

		if (d[i] == '\\')
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (d[i] >= 0x20 && d[i] < 0x7f)
			k = (size_t)snprintf(tmp, sizeof(tmp), "%c", d[i]);
		else
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02X", d[i]);
		if (o + k < cap)
			memcpy(out + o, tmp, k);
		o += k;
	}
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
	return o;
}

int
settings_bytes_unescape(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = text; *p; n++) {
		uint8_t b;

		if (p[0] == '\\' && p[1] == '\\') {
			b = '\\';
			p += 2;
		} else if (p[0] == '\\' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]) &&
		    isxdigit((unsigned char)p[3])) {
			char hex[3] = { p[2], p[3], '\0' };

			b = (uint8_t)strtoul(hex, NULL, 16);
			p += 4;
		} else {
			b = (uint8_t)*p++;
		}
		if (n >= cap)
			return -ERANGE;
		out[n] = b;
	}
	return (int)n;
}

int
settings_set_bytes(struct settings *st, struct setting_ref r, const uint8_t *d, size_t n,
    char *why, size_t whycap)
{
	struct setting_bytes *dst = value_ptr(st, r);

	if (r.s->type != ST_BYTES) {
		why_set(why, whycap, "not a bytes setting");
		return -EINVAL;
	}
	if (n < (size_t)r.s->min || n > (size_t)r.s->max || n > sizeof(dst->data)) {
		why_set(why, whycap, "must be %ld to %ld bytes", r.s->min, r.s->max);
		return -ERANGE;
	}
	memcpy(dst->data, d, n);
	dst->len = n;
	return 0;
}

size_t
settings_format(const struct settings *st, struct setting_ref r, char *buf, size_t cap)
{
	const struct setting *s = r.s;
	const void *src = value_ptr(st, r);
	int n;

	switch (s->type) {
	case ST_BOOL:
	case ST_ENUM:
		n = snprintf(buf, cap, "%s", s->choices[*(const int *)src]);
		break;
	case ST_INT:
		n = snprintf(buf, cap, "%ld", *(const long *)src);
		break;
	case ST_BYTES: {
		const struct setting_bytes *b = src;

		return settings_bytes_escape(b->data, b->len, buf, cap);
	}
	default:
		n = snprintf(buf, cap, "%s", (const char *)src);
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}

int
settings_equal(const struct settings *a, const struct settings *b, struct setting_ref r)
{
	const char *pa = value_ptr(a, r), *pb = value_ptr(b, r);

	switch (r.s->type) {
	case ST_BOOL:
	case ST_ENUM:
		return *(const int *)pa == *(const int *)pb;
	case ST_INT:
		return *(const long *)pa == *(const long *)pb;
	case ST_BYTES: {
		const struct setting_bytes *ba = (const void *)pa, *bb = (const void *)pb;

		return ba->len == bb->len && memcmp(ba->data, bb->data, ba->len) == 0;
	}
	default:
		return strcmp(pa, pb) == 0;
	}
}

long
settings_pack_gap_us(const struct settings *st)
{
	long bits;

	if (st->pack_gap_us >= 0)
		return st->pack_gap_us;
	/* One start bit, data, optional parity, stop bits. */
	bits = 1 + st->data_bits + (st->parity != PARITY_NONE) + st->stop_bits;
	return (4 * bits * 1000000L + st->baud - 1) / st->baud;
}
