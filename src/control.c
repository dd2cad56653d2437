/* The daemon side of usrbridgectl: a Unix socket, one request per line, one
 * length-framed reply per request (usrbridged-protocol(7)). Commands are the
 * AT dispatcher itself (same table, same reply bytes) plus get/set of
 * settings by config key, status, restart, reload, ports and a live traffic
 * monitor fed by a host tap. Every per-client buffer is capped; a
 * monitor that falls behind is dropped and never stalls the bridge. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "at.h"
#include "conf.h"
#include "control.h"
#include "host.h"
#include "link.h"
#include "listener.h"
#include "log.h"
#include "modem.h"
#include "portlock.h"
#include "ports.h"
#include "settings.h"
#include "status.h"
#include "util.h"

#define CONTROL_AT_REPLY_MAX	(64 * 1024)	/* captured AT reply bytes */
#define CONTROL_ACCEPT_PAUSE_MS	1000		/* after EMFILE */

/* One connected usrbridgectl (or socat). Owned by the control; its
 * bufferevent owns the fd. */
struct client {
	TAILQ_ENTRY(client) entry;
	struct control *ctl;
	struct bufferevent *bev;	/* NULL: control_handle_line()'s client */
	struct evbuffer *out;		/* where replies go: bev's output, or the caller's */
	int monitor;		/* after "monitor": receives the traffic stream */
	int closing;		/* close once the output has been written */
	/* The client's own AT session: a request that answers later holds
	 * this client's next request, never another client's. */
	struct at_session at;
	struct evbuffer *at_bytes;	/* reply bytes of "at LINE" */
	int at_kind;			/* enum ctl_at: what the final reply is for */
	int dispatching;		/* inside at_dispatch/at_submit */
	int at_rc;			/* the last AT request's result */
	char at_what[CONTROL_REQUEST_MAX + 8];	/* "AT+SOCK=...", for messages */
	int modem_pending;		/* "sms", "modem": answered when the modem is */
};

/* What an AT request of a client was: its reply is built from the final. */
enum ctl_at { CTL_AT_LINE, CTL_AT_GET, CTL_AT_SET };

/* A command's reply comes from the AT session's done callback. */
#define CMD_LATER 1

TAILQ_HEAD(client_list, client);

/* Owned by the instance; owns the listener and every client. */
struct control {
	struct host host;		/* what requests act on */
	struct event_base *base;
	char path[108];			/* bound path, "" when none */
	char group[32];
	dev_t dev;			/* of the socket file we created, to */
	ino_t ino;			/* unlink only our own at close */
	struct listener *listener;	/* pauses itself after EMFILE */
	struct client_list clients;
	int nclients;
	int nmonitors;
	int tapped;			/* our tap is registered with the host */
	int full_noted;			/* "too many clients" was logged */
	int applied;			/* control_apply() ran once */
	/* A socket that cannot be made (its path busy or in the way) is
	 * tried again, as the listeners of the links and the web page are. */
	struct event *ev_retry;
	unsigned failures;
	char why[224];			/* why there is no socket; "" */
};

/* --- replies -------------------------------------------------------------- */

/* Every reply is "OK n\n" or "ERR n\n" and n bytes of body, into out (a
 * client's output, or the caller's buffer for control_handle_line()). */
static void
reply(struct evbuffer *out, int ok, const void *body, size_t n)
{
	evbuffer_add_printf(out, "%s %zu\n", ok ? "OK" : "ERR", n);
	evbuffer_add(out, body, n);
}

static void
reply_buf(struct evbuffer *out, int ok, struct evbuffer *body)
{
	evbuffer_add_printf(out, "%s %zu\n", ok ? "OK" : "ERR", evbuffer_get_length(body));
	evbuffer_add_buffer(out, body);
}

static void
replyf(struct evbuffer *out, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
replyf(struct evbuffer *out, int ok, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	reply(out, ok, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* --- AT through the dispatcher --------------------------------------------- */

static void client_resume(struct client *cl);

static void
at_capture(void *arg, const char *d, size_t n)
{
	struct client *cl = arg;

	if (evbuffer_get_length(cl->at_bytes) + n <= CONTROL_AT_REPLY_MAX)
		evbuffer_add(cl->at_bytes, d, n);
}

static int fields_need_restart(const struct at_cmd *cmd);

/* The final reply of the client's AT request: "at" gets the reply bytes,
 * get the structured values, set the result; then the next request. */
static void
at_done(void *arg, struct at_req *r, int rc)
{
	struct client *cl = arg;
	char e[32];
	int e_save;

	cl->at_rc = rc;
	if (cl->at_kind == CTL_AT_LINE) {
		reply_buf(cl->out, rc >= 0, cl->at_bytes);
	} else {
		evbuffer_drain(cl->at_bytes, evbuffer_get_length(cl->at_bytes));
		if (rc < 0 && r->why[0]) {
			/* The words of set by config key, not the dialect's bare
			 * "+ERR=-4" (that stays the serial line's reply). */
			r->d->error_text(rc, e, sizeof(e));
			replyf(cl->out, 0, "%s (the serial line gets %s)\n", r->why, e);
		} else if (rc < 0) {
			r->d->error_text(rc, e, sizeof(e));
			replyf(cl->out, 0, "%s: %s\n", cl->at_what, e);
		} else if (cl->at_kind == CTL_AT_GET) {
			for (int i = 0; i < r->nvalues; i++) {
				const char *name = r->value_name[i];

				/* Lines of other commands (721 AT+CIPSCONT?) keep
				 * their names. */
				if (name && *name)
					evbuffer_add_printf(cl->at_bytes, "+%s%s", name,
					    name[strlen(name) - 1] == ':' ? "" : ": ");
				evbuffer_add_printf(cl->at_bytes, "%s\n", r->value[i]);
			}
			reply_buf(cl->out, 1, cl->at_bytes);
		} else if (!(r->d->flags & AT_D_SAVE_ON_SET) &&
		    (e_save = r->s->host->save(r->s->h, r->s->host->settings(r->s->h))) < 0) {
			/* set saves, by key or by command; the 721's AT set alone
			 * only edits (ATW saves). */
			replyf(cl->out, 0, "cannot save the state file: %s\n", strerror(-e_save));
		} else if (fields_need_restart(r->cmd)) {
			replyf(cl->out, 1, "saved; AT+%s takes effect at the next restart "
			    "(usrbridgectl restart)\n", r->cmd->name);
		} else {
			reply(cl->out, 1, "", 0);
		}
	}
	if (!cl->dispatching && cl->bev)
		client_resume(cl);
}

/* Starts an AT request on the client's session; the reply is at_done's. */
static int
start_at(struct client *cl, enum ctl_at kind, const struct at_cmd *cmd, enum at_op op,
    const char *text)
{
	cl->at_kind = kind;
	evbuffer_drain(cl->at_bytes, evbuffer_get_length(cl->at_bytes));
	cl->dispatching = 1;
	if (cmd)
		at_submit(&cl->at, cmd, op, text);
	else
		at_dispatch(&cl->at, text, strlen(text), 0);
	cl->dispatching = 0;
	return CMD_LATER;
}

/* "AT+SOCK?" style name lookup: "SOCK", "sock" or "AT+SOCK". */
static const struct at_cmd *
find_at(struct control *c, const char *name)
{
	const struct at_dialect *d =
	    at_dialect_for((enum personality)host_settings(&c->host)->personality);

	if (strncasecmp(name, "AT+", 3) == 0)
		name += 3;
	return at_find(d, name);
}

static int
fields_need_restart(const struct at_cmd *cmd)
{
	for (int i = 0; i < AT_ARGS_MAX && cmd->fields[i].keys[0]; i++)
		for (int k = 0; k < AT_FIELD_KEYS && cmd->fields[i].keys[k]; k++) {
			const char *key = cmd->fields[i].keys[k];
			char linked[SETTINGS_KEY_MAX];
			struct setting_ref s;

			/* AT_LINK rows: "link.x" is every link's (link1's will do). */
			if ((cmd->ops & AT_LINK) && strncmp(key, "link.", 5) == 0) {
				snprintf(linked, sizeof(linked), "link1.%s", key + 5);
				key = linked;
			}
			s = settings_find(key);

			if (s.s && (s.s->flags & S_RESTART))
				return 1;
		}
	return 0;
}

/* --- commands ----------------------------------------------------------------
 * Each returns 0 (OK) or -errno (ERR) having written its body, or CMD_LATER
 * when the AT session replies. */

static int
cmd_at(struct client *cl, char *arg, struct evbuffer *body)
{
	return start_at(cl, CTL_AT_LINE, NULL, AT_EXEC, arg);
}

static int
get_all(struct control *c, struct evbuffer *body)
{
	const struct settings *st = host_settings(&c->host);
	char val[1024], key[SETTINGS_KEY_MAX];

	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);) {
		if (!settings_applies(s, (enum personality)st->personality))
			continue;
		settings_key(s, key, sizeof(key));
		if (s.s->flags & S_SECRET) {
			evbuffer_add_printf(body, "%s = (secret)\n", key);
			continue;
		}
		settings_format(st, s, val, sizeof(val));
		evbuffer_add_printf(body, "%s = %s\n", key, val);
	}
	return 0;
}

static int
cmd_get(struct client *cl, char *arg, struct evbuffer *body)
{
	struct control *c = cl->ctl;
	const struct settings *st = host_settings(&c->host);
	struct setting_ref s;
	const struct at_cmd *cmd;
	char val[4096], key[SETTINGS_KEY_MAX];

	if (!*arg)
		return get_all(c, body);
	s = settings_find(arg);
	if (s.s) {
		if (!settings_applies(s, (enum personality)st->personality)) {
			evbuffer_add_printf(body, "%s is not used by %s\n",
			    settings_key(s, key, sizeof(key)),
			    personality_name((enum personality)st->personality));
			return -EINVAL;
		}
		settings_format(st, s, val, sizeof(val));
		evbuffer_add_printf(body, "%s\n", val);
		return 0;
	}
	cmd = find_at(c, arg);
	if (!cmd) {
		evbuffer_add_printf(body, "unknown setting or AT command '%s'\n", arg);
		return -EINVAL;
	}
	if (!(cmd->ops & AT_Q)) {
		evbuffer_add_printf(body, "AT+%s cannot be queried (try: usrbridgectl at AT+%s)\n",
		    cmd->name, cmd->name);
		return -EINVAL;
	}
	snprintf(cl->at_what, sizeof(cl->at_what), "AT+%s?", cmd->name);
	return start_at(cl, CTL_AT_GET, cmd, AT_QUERY, NULL);
}

static int
cmd_set(struct client *cl, char *arg, struct evbuffer *body)
{
	struct control *c = cl->ctl;
	const struct settings *st = host_settings(&c->host);
	struct setting_ref s;
	const struct at_cmd *cmd;
	char *name = arg, *value = strchr(arg, ' ');
	char why[256], key[SETTINGS_KEY_MAX];
	const char *text;
	int r;

	if (!*name || !value) {
		evbuffer_add_printf(body, "usage: set NAME VALUE\n");
		return -EINVAL;
	}
	*value++ = '\0';
	s = settings_find(name);
	if (s.s) {
		settings_key(s, key, sizeof(key));
		if (!settings_applies(s, (enum personality)st->personality)) {
			evbuffer_add_printf(body, "%s is not used by %s\n", key,
			    personality_name((enum personality)st->personality));
			return -EINVAL;
		}
		if (!(s.s->flags & S_PERSIST) ||
		    !settings_at_visible(s, (enum personality)st->personality)) {
			evbuffer_add_printf(body, "%s can only be set in the config file (%s); "
			    "then: usrbridgectl reload\n", key, host_config_path(&c->host));
			return -EINVAL;
		}
		text = value;
		r = host_set_many(&c->host, &s, &text, 1, why, sizeof(why));
		if (r < 0) {
			evbuffer_add_printf(body, "%s\n", why);
			return -EINVAL;
		}
		if (s.s->flags & S_RESTART)
			evbuffer_add_printf(body, "saved; %s takes effect at the next restart "
			    "(usrbridgectl restart)\n", key);
		return 0;
	}
	cmd = find_at(c, name);
	if (!cmd) {
		evbuffer_add_printf(body, "unknown setting or AT command '%s'\n", name);
		return -EINVAL;
	}
	if (!(cmd->ops & AT_S)) {
		evbuffer_add_printf(body, "AT+%s cannot be set\n", cmd->name);
		return -EINVAL;
	}
	/* The value is the argument list of an AT set: same parser, codecs,
	 * bounds and saving as on the serial line. */
	snprintf(cl->at_what, sizeof(cl->at_what), "AT+%s=%s", cmd->name, value);
	return start_at(cl, CTL_AT_SET, cmd, AT_SET, value);
}

static int
cmd_status(struct client *cl, char *arg, struct evbuffer *body)
{
	struct daemon_status st;

	if (*arg && strcmp(arg, "json") != 0) {
		evbuffer_add_printf(body, "usage: status [json]\n");
		return -EINVAL;
	}
	host_status(&cl->ctl->host, &st);
	if (*arg)
		return status_json(&st, body);
	return status_text(&st, body);
}

static int
cmd_restart(struct client *cl, char *arg, struct evbuffer *body)
{
	host_restart(&cl->ctl->host, "usrbridgectl restart");
	evbuffer_add_printf(body, "restarting\n");
	return 0;
}

static int
cmd_reload(struct client *cl, char *arg, struct evbuffer *body)
{
	const struct host *host = &cl->ctl->host;
	struct conf_error err;
	struct settings st;
	char msg[600];

	/* Checked here too so that the caller sees the file:line message;
	 * the host's reload only logs it. */
	if (conf_load(host_config_path(host), &st, &err) < 0) {
		conf_error_format(&err, msg, sizeof(msg));
		/* Logged as the host's reload logs it (SIGHUP): every reload is. */
		log_err("reload (usrbridgectl): %s; keeping the running settings", msg);
		evbuffer_add_printf(body, "%s; the running settings stay\n", msg);
		return -EINVAL;
	}
	if (host_reload(host) < 0) {
		evbuffer_add_printf(body, "reload failed; the running settings stay\n");
		return -EINVAL;
	}
	evbuffer_add_printf(body, "reloaded %s; restarting\n", host_config_path(host));
	return 0;
}

static int
cmd_ports(struct client *cl, char *arg, struct evbuffer *body)
{
	int r = ports_list(body);

	if (r < 0) {
		evbuffer_add_printf(body, "cannot list serial ports: %s\n", strerror(-r));
		return -EINVAL;
	}
	/* Which process holds which port: the lock files of serial.lock_dir
	 * (this daemon's among them). */
	portlock_list(host_settings(&cl->ctl->host)->lock_dir, body);
	return 0;
}

static void on_tap(int dir, const uint8_t *d, size_t n, void *arg);

static int
cmd_monitor(struct client *cl, char *arg, struct evbuffer *body)
{
	struct control *c = cl->ctl;
	struct timeval wt = { CONTROL_WRITE_SEC, 0 };

	if (!cl->bev) {
		/* control_handle_line(): no connection to stream to. */
		evbuffer_add_printf(body, "monitor needs a connection\n");
		return -EINVAL;
	}
	if (c->nmonitors >= CONTROL_MONITORS_MAX) {
		evbuffer_add_printf(body, "too many monitors (at most %d)\n", CONTROL_MONITORS_MAX);
		return -EINVAL;
	}
	if (!c->tapped) {
		int r = host_add_tap(&c->host, on_tap, c);

		if (r < 0) {
			evbuffer_add_printf(body, "no traffic tap free: %s\n", strerror(-r));
			return -EINVAL;
		}
		c->tapped = 1;
	}
	c->nmonitors++;
	cl->monitor = 1;
	/* A monitor only listens: no idle timeout on its input. */
	bufferevent_set_timeouts(cl->bev, NULL, &wt);
	log_debug("control: monitor started (%d)", c->nmonitors);
	return 0;
}

/* The end of an "sms" request: its reply, then the client's next one. */
static void
sms_done(void *arg, int rc)
{
	struct client *cl = arg;

	cl->modem_pending = 0;
	if (rc == 0)
		replyf(cl->out, 1, "sent\n");
	else
		replyf(cl->out, 0, "not sent: %s\n", rc == -EIO ?
		    "every attempt failed (the log says why)" : strerror(-rc));
	client_resume(cl);
}

static int
cmd_sms(struct client *cl, char *arg, struct evbuffer *body)
{
	struct modem *m = host_service(&cl->ctl->host, &modem_service);
	char *text = strchr(arg, ' ');
	int r;

	if (!*arg || !text) {
		evbuffer_add_printf(body, "usage: sms NUMBER TEXT\n");
		return -EINVAL;
	}
	*text++ = '\0';
	if (!cl->bev) {
		evbuffer_add_printf(body, "sms needs a connection\n");
		return -EINVAL;
	}
	r = modem_sms_send(m, arg, text, strlen(text), sms_done, cl);
	if (r == -ENODEV) {
		evbuffer_add_printf(body, "no modem (modem.device, gprs232-721 only)\n");
		return r;
	}
	if (r < 0) {
		evbuffer_add_printf(body, "%s\n", r == -EINVAL ? "not a phone number" :
		    r == -E2BIG ? "text too long" : r == -ENOBUFS ? "too many texts waiting" :
		    strerror(-r));
		return r;
	}
	cl->modem_pending = 1;
	return CMD_LATER;
}

/* The modem's reply to "modem LINE": its lines and final, as it gave them. */
static void
relay_done(void *arg, const struct atc_reply *r)
{
	struct client *cl = arg;
	struct evbuffer *b = evbuffer_new();

	cl->modem_pending = 0;
	if (b) {
		for (int i = 0; i < r->nlines; i++)
			evbuffer_add_printf(b, "%s\n", r->lines[i]);
		evbuffer_add_printf(b, "%s\n", r->final_line[0] ? r->final_line :
		    atc_final_names[r->final]);
		reply_buf(cl->out, r->final == ATC_OK, b);
		evbuffer_free(b);
	}
	client_resume(cl);
}

static int
cmd_modem(struct client *cl, char *arg, struct evbuffer *body)
{
	struct modem *m = host_service(&cl->ctl->host, &modem_service);
	int r;

	if (strncasecmp(arg, "AT", 2) != 0) {
		evbuffer_add_printf(body, "usage: modem AT...\n");
		return -EINVAL;
	}
	/* A "> " prompt wants a body this request cannot carry. */
	if (strncasecmp(arg, "AT+CMGS", 7) == 0 || strncasecmp(arg, "AT+CMGW", 7) == 0) {
		evbuffer_add_printf(body, "commands with a text prompt: use sms\n");
		return -EINVAL;
	}
	if (!cl->bev) {
		evbuffer_add_printf(body, "modem needs a connection\n");
		return -EINVAL;
	}
	r = modem_relay(m, arg, NULL, relay_done, cl);
	if (r < 0) {
		evbuffer_add_printf(body, "%s\n", r == -ENODEV ? modem_configured(m) ?
		    "the modem is not ready (usrbridgectl status says why)" :
		    "no modem (modem.device, gprs232-721 only)" : strerror(-r));
		return r;
	}
	cl->modem_pending = 1;
	return CMD_LATER;
}

static int cmd_help(struct client *cl, char *arg, struct evbuffer *body);

static const struct {
	const char *name;
	int (*fn)(struct client *cl, char *arg, struct evbuffer *body);
	const char *usage;
} commands[] = {
	{ "at", cmd_at, "at LINE        run one AT command line; the reply bytes as the serial console gets them" },
	{ "get", cmd_get, "get [NAME]     a setting by config key or AT command name; all settings without NAME" },
	{ "help", cmd_help, "help           this list" },
	{ "modem", cmd_modem, "modem AT...    pass one AT command to the modem; its reply lines" },
	{ "monitor", cmd_monitor, "monitor        stream the serial traffic of both directions" },
	{ "ports", cmd_ports, "ports          serial ports found on this host" },
	{ "reload", cmd_reload, "reload         re-read the config and state files, then restart" },
	{ "restart", cmd_restart, "restart        rebuild serial port, bridge and links from the settings" },
	{ "set", cmd_set, "set NAME VALUE change a setting (validated as over AT; saved)" },
	{ "sms", cmd_sms, "sms NUMBER TEXT send an SMS through the modem; answers once sent" },
	{ "status", cmd_status, "status [json]  links, peers, counters, serial state, uptime" },
};

static int
cmd_help(struct client *cl, char *arg, struct evbuffer *body)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		evbuffer_add_printf(body, "%s\n", commands[i].usage);
	return 0;
}

/* One request line (terminator removed); its framed reply goes to out.
 * 0 for an OK reply, else -errno. */
static int
handle(struct client *cl, char *line, struct evbuffer *out)
{
	struct evbuffer *body;
	char *arg = strchr(line, ' ');
	size_t i;
	int r;

	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(line, commands[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(commands)) {
		replyf(out, 0, "unknown command '%.64s' (try: help)\n", line);
		return -ENOENT;
	}
	body = evbuffer_new();
	if (!body) {
		replyf(out, 0, "out of memory\n");
		return -ENOMEM;
	}
	r = commands[i].fn(cl, arg, body);
	if (r != CMD_LATER)
		reply_buf(out, r == 0, body);
	evbuffer_free(body);
	return r;
}

int
control_handle_line(struct control *c, const char *line, struct evbuffer *out)
{
	/* A client without a connection: not in c->clients, freed here. */
	struct client cl = { .ctl = c, .out = out };
	char buf[CONTROL_REQUEST_MAX];
	int r;

	if (util_strlcpy(buf, line, sizeof(buf)) >= sizeof(buf)) {
		replyf(out, 0, "request longer than %d bytes\n", CONTROL_REQUEST_MAX);
		return -EMSGSIZE;
	}
	cl.at_bytes = evbuffer_new();
	if (!cl.at_bytes) {
		replyf(out, 0, "out of memory\n");
		return -ENOMEM;
	}
	at_session_init(&cl.at, c->host.ops->at, c->host.h, at_capture, NULL, at_done, &cl);
	r = handle(&cl, buf, out);
	/* An AT reply that comes later needs a connection to go to. */
	if (at_busy(&cl.at)) {
		at_cancel(&cl.at);
		replyf(out, 0, "the reply of this AT command comes later; use the socket\n");
		r = -EINPROGRESS;
	}
	evbuffer_free(cl.at_bytes);
	if (r == CMD_LATER)
		r = cl.at_rc < 0 ? -EINVAL : 0;
	return r;
}

/* --- connections ----------------------------------------------------------- */

static void
client_free(struct client *cl)
{
	struct control *c = cl->ctl;

	if (cl->monitor) {
		c->nmonitors--;
		if (c->nmonitors == 0 && c->tapped) {
			host_remove_tap(&c->host, on_tap, c);
			c->tapped = 0;
		}
	}
	at_cancel(&cl->at);
	if (cl->modem_pending)
		modem_forget(host_service(&c->host, &modem_service), cl);
	TAILQ_REMOVE(&c->clients, cl, entry);
	c->nclients--;
	bufferevent_free(cl->bev);
	if (cl->at_bytes)
		evbuffer_free(cl->at_bytes);
	free(cl);
}

/* Stops reading; the connection closes once its output is written (or the
 * write timeout says the peer will never read it). */
static void
client_close(struct client *cl)
{
	cl->closing = 1;
	bufferevent_disable(cl->bev, EV_READ);
}

static void
client_process(struct client *cl)
{
	struct evbuffer *in = bufferevent_get_input(cl->bev);
	struct evbuffer *out = bufferevent_get_output(cl->bev);

	while (!cl->closing) {
		size_t n;
		char *line;

		if (cl->monitor) {
			/* Nothing more is read from a monitor. */
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
		/* Replies not yet read by the peer, or an AT request not yet
		 * answered: the next request waits. */
		if (evbuffer_get_length(out) > CONTROL_OUTPUT_PAUSE || at_busy(&cl->at) ||
		    cl->modem_pending)
			return;
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (!line) {
			if (evbuffer_get_length(in) >= CONTROL_REQUEST_MAX) {
				replyf(out, 0, "request longer than %d bytes\n", CONTROL_REQUEST_MAX);
				client_close(cl);
			}
			return;
		}
		if (n >= 1 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n + 1 > CONTROL_REQUEST_MAX) {
			replyf(out, 0, "request longer than %d bytes\n", CONTROL_REQUEST_MAX);
			client_close(cl);
		} else if (strlen(line) != n) {
			replyf(out, 0, "NUL byte in request\n");
			client_close(cl);
		} else {
			handle(cl, line, out);
		}
		free(line);
	}
}

/* Reads what requests can be handled now; frees a client that is done. */
static void
client_resume(struct client *cl)
{
	client_process(cl);
	if (cl->closing && evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		client_free(cl);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	client_resume(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;

	/* The output is empty (low-water mark 0). */
	if (cl->closing) {
		client_free(cl);
		return;
	}
	client_process(cl);
	if (cl->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_free(cl);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *cl = arg;

	/* A peer that half-closes after its request (socat, nc -N) still gets
	 * its replies. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !cl->monitor &&
	    (evbuffer_get_length(bufferevent_get_output(bev)) > 0 || at_busy(&cl->at) ||
	    cl->modem_pending)) {
		client_close(cl);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: client %s timed out", (what & BEV_EVENT_READING) ?
		    "idle" : "not reading");
	client_free(cl);
}

/* Traffic tap: every monitor gets one frame per chunk. One that falls too far
 * behind is told so and dropped; the bridge never waits for it. */
static void
on_tap(int dir, const uint8_t *d, size_t n, void *arg)
{
	struct control *c = arg;
	struct client *cl;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	TAILQ_FOREACH(cl, &c->clients, entry) {
		struct evbuffer *out;

		if (!cl->monitor || cl->closing)
			continue;
		out = bufferevent_get_output(cl->bev);
		if (evbuffer_get_length(out) + n > CONTROL_MONITOR_QUEUE) {
			log_warn("control: monitor dropped: %zu bytes not read",
			    evbuffer_get_length(out));
			replyf(out, 0, "monitor dropped: more than %d bytes not read\n",
			    CONTROL_MONITOR_QUEUE);
			client_close(cl);
			continue;
		}
		evbuffer_add_printf(out, "DATA %s %lld.%06ld %zu\n",
		    dir == TAP_FROM_SERIAL ? "from-serial" :
		    dir == TAP_EVENT ? "event" : "to-serial",
		    (long long)tv.tv_sec, (long)tv.tv_usec, n);
		evbuffer_add(out, d, n);
	}
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	static const char busy[] = "ERR 17\ntoo many clients\n";
	struct control *c = arg;
	struct timeval rt = { CONTROL_IDLE_SEC, 0 }, wt = { CONTROL_WRITE_SEC, 0 };
	struct client *cl;

	if (c->nclients >= CONTROL_CLIENTS_MAX) {
		if (!c->full_noted)
			log_warn("control: %d clients connected; refusing more", c->nclients);
		c->full_noted = 1;
		/* Best effort: the socket is new, its buffer is empty. */
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("control: %s", strerror(errno));
		evutil_closesocket(fd);
		return;
	}
	c->full_noted = 0;
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		evutil_closesocket(fd);
		return;
	}
	cl->ctl = c;
	cl->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	cl->at_bytes = evbuffer_new();
	if (!cl->bev || !cl->at_bytes) {
		if (cl->bev)
			bufferevent_free(cl->bev);
		else
			evutil_closesocket(fd);
		if (cl->at_bytes)
			evbuffer_free(cl->at_bytes);
		free(cl);
		return;
	}
	cl->out = bufferevent_get_output(cl->bev);
	at_session_init(&cl->at, c->host.ops->at, c->host.h, at_capture, NULL, at_done, cl);
	TAILQ_INSERT_TAIL(&c->clients, cl, entry);
	c->nclients++;
	bufferevent_setcb(cl->bev, on_read, on_write, on_event, cl);
	/* The input never holds more than one request. */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CONTROL_REQUEST_MAX);
	bufferevent_set_timeouts(cl->bev, &rt, &wt);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

/* --- the listening socket --------------------------------------------------- */

static void
close_listener(struct control *c)
{
	struct stat sb;

	if (c->listener) {
		listener_free(c->listener);
		c->listener = NULL;
		/* Only our own socket file: another daemon may have taken the path. */
		if (lstat(c->path, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == c->dev &&
		    sb.st_ino == c->ino)
			unlink(c->path);
	}
}

/* A socket file left by a daemon that died is removed; a live one is not. */
static int
clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat sb;
	int fd, r;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return -errno;
	return unlink(path) < 0 ? -errno : 0;
}

static int
open_listener(struct control *c)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)];
	struct stat sb;
	mode_t old;
	int fd, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (util_strlcpy(sa.sun_path, c->path, sizeof(sa.sun_path)) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	util_strlcpy(dir, c->path, sizeof(dir));
	/* systemd's RuntimeDirectory makes it; by hand it may be missing. */
	r = util_mkdir_p(dirname(dir), 0755);
	if (r < 0)
		log_debug("control: cannot create the directory of %s: %s", c->path,
		    strerror(-r));
	r = clear_stale(c->path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Created 0660 from the start: no window in which others may connect. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		goto err_errno;
	if (chmod(c->path, 0660) < 0)
		goto err_unlink;
	if (c->group[0]) {
		struct group *g = getgrnam(c->group);

		if (!g) {
			log_warn("control: group '%s' does not exist; %s keeps the daemon's group",
			    c->group, c->path);
		} else if (chown(c->path, (uid_t)-1, g->gr_gid) < 0) {
			log_warn("control: cannot give %s to group '%s': %s", c->path, c->group,
			    strerror(errno));
		}
	}
	if (listen(fd, CONTROL_CLIENTS_MAX) < 0 || stat(c->path, &sb) < 0)
		goto err_unlink;
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	c->listener = listener_new(c->base, "control", fd, 0, CONTROL_ACCEPT_PAUSE_MS, on_accept,
	    c);
	if (!c->listener) {
		/* listener_new closed fd. */
		unlink(c->path);
		return -ENOMEM;
	}
	return 0;

err_unlink:
	r = -errno;
	unlink(c->path);
	close(fd);
	return r;
err_errno:
	r = -errno;
	close(fd);
	return r;
}

/* Listens on c->path, or says why not and tries again later: logged at
 * the first failure and at the success after it. */
static int
try_listen(struct control *c)
{
	struct timeval tv;
	long ms;
	int r = open_listener(c);

	if (r == 0) {
		if (c->failures)
			log_info("control: listening on %s (after %u attempts)", c->path,
			    c->failures + 1);
		else
			log_info("control: listening on %s", c->path);
		c->failures = 0;
		c->why[0] = '\0';
		return 0;
	}
	snprintf(c->why, sizeof(c->why), "%s: %s", c->path,
	    r == -EADDRINUSE ? "another daemon is listening there" :
	    r == -EEXIST ? "a file that is not a socket is in the way" : strerror(-r));
	if (c->failures++ == 0)
		log_err("control: cannot listen on %s; retrying", c->why);
	ms = link_listen_retry_ms(c->failures);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->ev_retry, &tv);
	return r;
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	if (!c->listener && c->path[0])
		try_listen(c);
}

int
control_apply(struct control *c, const struct settings *run)
{
	if (c->applied && strcmp(c->path, run->control_socket) == 0 &&
	    strcmp(c->group, run->control_group) == 0 && (c->listener || !c->path[0]))
		return 0;
	c->applied = 1;
	close_listener(c);
	evtimer_del(c->ev_retry);
	c->why[0] = '\0';
	util_strlcpy(c->path, run->control_socket, sizeof(c->path));
	util_strlcpy(c->group, run->control_group, sizeof(c->group));
	if (!c->path[0]) {
		log_info("control: no control socket (control.socket is empty)");
		return 0;
	}
	c->failures = 0;
	return try_listen(c);
}

const char *
control_path(const struct control *c)
{
	return c && c->listener ? c->path : "";
}

struct control *
control_new(const struct host *host)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->host = *host;
	c->base = host_base(host);
	TAILQ_INIT(&c->clients);
	c->ev_retry = evtimer_new(c->base, on_retry, c);
	if (!c->ev_retry) {
		free(c);
		return NULL;
	}
	return c;
}

void
control_free(struct control *c)
{
	if (!c)
		return;
	while (!TAILQ_EMPTY(&c->clients))
		client_free(TAILQ_FIRST(&c->clients));
	close_listener(c);
	if (c->ev_retry)
		event_free(c->ev_retry);
	free(c);
}

/* --- the service (host.h) ------------------------------------------------------ */

static void *
service_new(const struct host *host)
{
	return control_new(host);
}

static int
service_apply(void *svc, const struct settings *run)
{
	return control_apply(svc, run);
}

static void
service_free(void *svc)
{
	control_free(svc);
}

static void
service_status(const void *svc, struct daemon_status *st)
{
	const struct control *c = svc;

	util_strlcpy(st->control_socket, control_path(svc), sizeof(st->control_socket));
	util_strlcpy(st->control_why, c->why, sizeof(st->control_why));
}

const struct service control_service = {
	.name = "control",
	.new = service_new,
	.apply = service_apply,
	.free = service_free,
	.status = service_status,
};
