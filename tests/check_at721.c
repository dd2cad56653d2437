/* The 721's AT dialect (src/at-721.c, PROTOCOLS.md §4) over the shared fake
 * host: every command row by row (valid, min, max, min-1, max+1, wrong
 * field count, quotes, lower case; an ERROR changes nothing), the
 * AT+CIPSCONT? listing byte for byte, edit/ATW/restart layering, CIPSW,
 * CIRELOAD, CISHUTDOWN, and the host facts behind CIDTUIP and CCLK. */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "at.h"
#include "fake_host.h"
#include "hostinfo.h"
#include "settings.h"
#include "unit.h"
#include "util.h"

#define OK "\r\nOK\r\n"
#define ERR "\r\nERROR\r\n"
#define V(line) "\r\n" line "\r\n\r\nOK\r\n"

static struct at_session sess;
static char out[8192];
static size_t nout;
static int entms;

static void
s_write(void *arg, const char *d, size_t n)
{
	ck_assert_msg(nout + n < sizeof(out), "reply longer than %zu bytes", sizeof(out) - 1);
	memcpy(out + nout, d, n);
	nout += n;
	out[nout] = '\0';
}

static void
s_entm(void *arg)
{
	entms++;
}

static void
reset(void)
{
	fake_host_reset(PERS_721);
	at_session_init(&sess, fake_host.ops->at, fake_host.h, s_write, s_entm, NULL, NULL);
	entms = 0;
}

static const char *
run(const char *line)
{
	nout = 0;
	out[0] = '\0';
	at_dispatch(&sess, line, strlen(line), 0);
	return out;
}

static int
same_settings(const struct settings *a, const struct settings *b, char *which, size_t cap)
{
	for (struct setting_ref r = { NULL, 0 }; settings_next(&r);)
		if (!settings_equal(a, b, r)) {
			settings_key(r, which, cap);
			return 0;
		}
	return 1;
}

/* {input, reply}: each runs on fresh factory settings. */
static const struct { const char *in, *out; } rows[] = {
	{ "AT", OK },
	{ "at", OK },
	/* CIPSCONT: n 1-4, TCP/UDP, host, port 1-65535, enable 0/1 */
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",5000,1", OK },
	{ "at+cipscont=2,\"udp\",\"localhost\",1,0", OK },		/* lower case, min port */
	{ "AT+CIPSCONT=4,TCP,127.0.0.1,65535,1", OK },			/* no quotes, max */
	{ "AT+CIPSCONT=3, \"TCP\", \"::1\", 80, 1", OK },		/* spaces after commas */
	{ "AT+CIPSCONT=0,\"TCP\",\"127.0.0.1\",5000,1", ERR },		/* link min-1 */
	{ "AT+CIPSCONT=5,\"TCP\",\"127.0.0.1\",5000,1", ERR },		/* link max+1 */
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",0,1", ERR },		/* port min-1 */
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",65536,1", ERR },	/* port max+1 */
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",5000,2", ERR },
	{ "AT+CIPSCONT=1,\"TCPS\",\"127.0.0.1\",5000,1", ERR },	/* clients only */
	{ "AT+CIPSCONT=1,\"HTTP\",\"127.0.0.1\",5000,1", ERR },
	{ "AT+CIPSCONT=1,\"TCP\",\"\",5000,1", ERR },
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",5000", ERR },		/* too few */
	{ "AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",5000,1,1", ERR },	/* too many */
	{ "AT+CIPSCONT=", ERR },
	{ "AT+CIPSCONT=x,\"TCP\",\"127.0.0.1\",5000,1", ERR },
	{ "AT+CIPSCONT=?", V("+CIPSCONT: (1-4),(\"TCP\",\"UDP\"),127,(1-65535),(0,1)") },
	/* CIPCFG=1,HEAT,0,TIME,LEN,RTIME */
	{ "AT+CIPCFG=1,30,0,50,512,600", OK },
	{ "AT+CIPCFG=0,0,0,0,1,0", OK },					/* min */
	{ "AT+CIPCFG=65535,65535,65535,60000,65536,65535", OK },		/* max */
	{ "AT+CIPCFG=-1,0,0,100,1024,0", ERR },
	{ "AT+CIPCFG=1,65536,0,100,1024,0", ERR },
	{ "AT+CIPCFG=1,0,65536,100,1024,0", ERR },
	{ "AT+CIPCFG=1,0,0,60001,1024,0", ERR },
	{ "AT+CIPCFG=1,0,0,100,0,0", ERR },
	{ "AT+CIPCFG=1,0,0,100,65537,0", ERR },
	{ "AT+CIPCFG=1,0,0,100,1024,65536", ERR },
	{ "AT+CIPCFG=1,0,0,100,1024", ERR },
	{ "AT+CIPCFG=1,0,0,100,1024,0,0", ERR },
	{ "AT+CIPCFG=1,0,0,1x0,1024,0", ERR },
	{ "AT+CIPCFG?", V("+CIPCFG: 1,0,0,100,1024,0") },
	{ "AT+CIPCFG=?", V("+CIPCFG: (0-65535),(0-65535),(0-65535),(0-60000),(1-65536),(0-65535)") },
	/* CIPPACK=0,"hex",dir / =1,"hex",mode */
	{ "AT+CIPPACK=0,\"414243\",1", OK },
	{ "at+cippack=1,\"7573722e636e\",0", OK },
	{ "AT+CIPPACK=1,\"\",1", OK },					/* empty: off */
	{ "AT+CIPPACK=0,"
	  "\"00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF0011223344556677\",0",
	  OK },								/* 40 bytes */
	{ "AT+CIPPACK=0,"
	  "\"00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF001122334455667788\",0",
	  ERR },							/* 41 bytes */
	{ "AT+CIPPACK=0,\"414\",0", ERR },				/* odd */
	{ "AT+CIPPACK=0,\"4G\",0", ERR },
	{ "AT+CIPPACK=2,\"41\",0", ERR },
	{ "AT+CIPPACK=-1,\"41\",0", ERR },
	{ "AT+CIPPACK=0,\"41\",2", ERR },
	{ "AT+CIPPACK=0,\"41\"", ERR },
	{ "AT+CIPPACK=0,\"41\",0,0", ERR },
	{ "AT+CIPPACK?", "\r\n+CIPPACK: 0,\"\",0\r\n+CIPPACK: 1,\"\",0\r\n" OK },
	{ "AT+CIPPACK=?", V("+CIPPACK: (0-1),80,(0,1)") },
	/* CIMOD 0-4 */
	{ "AT+CIMOD=0", OK },
	{ "AT+CIMOD=4", OK },
	{ "AT+CIMOD=5", ERR },
	{ "AT+CIMOD=-1", ERR },
	{ "AT+CIMOD=", ERR },
	{ "AT+CIMOD=TRANSPARENT", ERR },				/* digits only */
	{ "AT+CIMOD=1,2", ERR },
	{ "AT+CIMOD?", V("+CIMOD: 0") },
	{ "AT+CIMOD=?", V("+CIMOD: (0,1,2,3,4)") },
	/* CSTT="apn"[,"user","pwd"] */
	{ "AT+CSTT=\"cmnet\"", OK },
	{ "AT+CSTT=\"cmnet\",\"u\",\"p\"", OK },
	{ "AT+CSTT=\"a\",\"u\",\"p\",\"x\"", ERR },
	{ "AT+CSTT=\"" "0123456789012345678901234567890123456789012345678901234567890123" "\"", ERR },
	{ "AT+CSTT?", V("+CSTT: \"\",\"\",\"\"") },
	{ "AT+CSTT=?", V("+CSTT: 63,63,63") },
	/* CINETPT=n,port */
	{ "AT+CINETPT=1,0", OK },					/* min */
	{ "AT+CINETPT=4,65535", OK },					/* max */
	{ "AT+CINETPT=1,65536", ERR },
	{ "AT+CINETPT=1,-1", ERR },
	{ "AT+CINETPT=0,1", ERR },
	{ "AT+CINETPT=5,1", ERR },
	{ "AT+CINETPT=1", ERR },
	{ "AT+CINETPT=1,2,3", ERR },
	{ "AT+CINETPT?", "\r\n+CINETPT: 1,0\r\n+CINETPT: 2,0\r\n+CINETPT: 3,0\r\n"
	  "+CINETPT: 4,0\r\n" OK },
	{ "AT+CINETPT=?", V("+CINETPT: (1-4),(0-65535)") },
	/* CIPNUM */
	{ "AT+CIPNUM=+8613800000000", OK },
	{ "AT+CIPNUM=\"10086\"", OK },
	{ "AT+CIPNUM=12345678901234567890", OK },			/* 20 digits */
	{ "AT+CIPNUM=123456789012345678901", ERR },			/* 21 */
	{ "AT+CIPNUM=1008x", ERR },
	{ "AT+CIPNUM=1,2", ERR },
	{ "AT+CIPNUM?", V("+CIPNUM: \"\"") },
	{ "AT+CIPNUM=?", V("+CIPNUM: 20") },
	/* 0/1 switches */
	{ "AT+CINETAT=1", OK },
	{ "AT+CINETAT=0", OK },
	{ "AT+CINETAT=2", ERR },
	{ "AT+CINETAT=ON", ERR },
	{ "AT+CINETAT?", V("+CINETAT: 0") },
	{ "AT+CINETAT=?", V("+CINETAT: (0,1)") },
	{ "at+cicomat=1", OK },
	{ "AT+CICOMAT=2", ERR },
	{ "AT+CICOMAT?", V("+CICOMAT: 0") },
	{ "AT+CIRINGSTA=1", OK },
	{ "AT+CIRINGSTA=2", ERR },
	{ "AT+CIRINGSTA?", V("+CIRINGSTA: 0") },
	{ "AT+CISOCLINK=0", OK },
	{ "AT+CISOCLINK=2", ERR },
	{ "AT+CISOCLINK?", V("+CISOCLINK: 1") },			/* long by default */
	{ "AT+CISOCLINK=?", V("+CISOCLINK: (0,1)") },
	/* CIOPTIME, CIMODID */
	{ "AT+CIOPTIME=0", OK },
	{ "AT+CIOPTIME=65535", OK },
	{ "AT+CIOPTIME=65536", ERR },
	{ "AT+CIOPTIME=-1", ERR },
	{ "AT+CIOPTIME?", V("+CIOPTIME: 0") },
	{ "AT+CIOPTIME=?", V("+CIOPTIME: (0-65535)") },
	{ "AT+CIMODID=\"hello, MCU\"", OK },				/* a quoted comma */
	{ "AT+CIMODID=\"\"", OK },
	{ "AT+CIMODID=\"" "0123456789012345678901234567890123456789012345678901234567890123" "\"",
	  OK },								/* 64 */
	{ "AT+CIMODID=\"" "01234567890123456789012345678901234567890123456789012345678901234" "\"",
	  ERR },							/* 65 */
	{ "AT+CIMODID?", V("+CIMODID: \"\"") },
	{ "AT+CIMODID=?", V("+CIMODID: 64") },
	/* CIPSW="old","new": 1-11 bytes, old must match */
	{ "AT+CIPSW=\"usr.cn#\",\"secret\"", OK },
	{ "AT+CIPSW=\"usr.cn#\",\"12345678901\"", OK },		/* 11 */
	{ "AT+CIPSW=\"usr.cn#\",\"123456789012\"", ERR },		/* 12 */
	{ "AT+CIPSW=\"usr.cn#\",\"\"", ERR },				/* 0 */
	{ "AT+CIPSW=\"USR.CN#\",\"secret\"", ERR },			/* case counts */
	{ "AT+CIPSW=\"wrong\",\"secret\"", ERR },
	{ "AT+CIPSW=\"usr.cn#\"", ERR },
	{ "AT+CIPSW?", ERR },						/* a secret */
	{ "AT+CIPSW=?", V("+CIPSW: 11,11") },
	/* queries and actions */
	{ "AT+CIVER?", V("+CIVER: V1.0.0") },
	{ "AT+CINET?", V("+CINET: 0,0,0,0") },
	{ "AT+CINET=1", ERR },
	{ "AT+CIDTUIP?", V("+CIDTUIP: 0.0.0.0") },
	{ "AT+CIDTUIP=1", ERR },
	{ "AT+CILAC?", ERR },						/* no modem */
	{ "AT+CIRESET", OK },
	{ "AT+CIRESET?", ERR },
	{ "AT+CIRESET=1", ERR },
	{ "AT+CIRELOAD", OK },
	{ "AT+CIRELOAD=1", ERR },
	{ "AT+CISHUTDOWN", OK },
	{ "AT+CISHUTDOWN?", ERR },
	{ "AT+ENTM", OK },
	{ "AT+ENTM=1", ERR },
	{ "ATW", OK },
	{ "AT+CCLK=\"20/01/01,00:00:00+00\"", ERR },			/* the modem's */
	/* the modem set without a modem (PROTOCOLS.md §4): ERROR */
	{ "AT+CGSN", ERR },
	{ "AT+CIMI", ERR },
	{ "ATD10086", ERR },
	{ "ATDL", ERR },
	{ "ATH", ERR },
	{ "ATA", ERR },
	{ "ATS0=1", ERR },
	{ "ATS0?", ERR },
	{ "AT+CMGL", ERR },
	{ "AT+CMGR=1", ERR },
	{ "AT+CMGF=1", ERR },
	{ "AT+CSQ", ERR },
	{ "AT+COPS?", ERR },
	{ "AT+CMGS=\"10086\"", ERR },
	{ "AT+CSCA?", ERR },
	{ "AT+CSCA=\"+8613800000000\"", ERR },
	{ "AT+CISMSEND=\"10086\",\"hi\"", ERR },
	/* the 30X's words are not the 721's */
	{ "AT+VER", ERR },
	{ "AT+Z", ERR },
	{ "AT+SOCK?", ERR },
};

START_TEST(test_rows)
{
	struct settings before;
	char which[SETTINGS_KEY_MAX];

	reset();
	before = fh.st;
	ck_assert_msg(strcmp(run(rows[_i].in), rows[_i].out) == 0, "%s: got '%s'", rows[_i].in,
	    out);
	if (strcmp(rows[_i].out, ERR) == 0)
		ck_assert_msg(same_settings(&before, &fh.st, which, sizeof(which)),
		    "%s: ERROR but %s changed", rows[_i].in, which);
	ck_assert(!at_busy(&sess));
}
END_TEST

/* PROTOCOLS.md §4: the listing, byte for byte, in its order and spacing. */
START_TEST(test_listing)
{
	static const char changed[] =
	    "\r\n+CIPCFG: 1,60,0,20,256,3600\r\n"
	    "+CIPPACK: 0,\"4142\",1\r\n"
	    "+CIPPACK: 1,\"00FF\",1\r\n"
	    "+CSTT: \"cmnet\",\"user\",\"pw\"\r\n"
	    "+CIPNUM: \"+8610086\"\r\n"
	    "+CIPSTART:1,\"TCP\",\"test.usr.cn\",2317,1\r\n"
	    "+CIPSTART:2,\"UDP\",\"127.0.0.2\",9000,1\r\n"
	    "+CIPSTART:3,\"TCP\",\"127.0.0.1\",2317,0\r\n"
	    "+CIPSTART:4,\"TCP\",\"localhost\",1,1\r\n"
	    "+CIMOD: 3\r\n"
	    "+CINETAT:1\r\n"
	    "+CICOMAT:1\r\n"
	    "+CINETPT:1,0\r\n"
	    "+CINETPT:2,0\r\n"
	    "+CINETPT:3,4003\r\n"
	    "+CINETPT:4,0\r\n"
	    "\r\nOK\r\n";

	reset();
	ck_assert_str_eq(run("AT+CIPSCONT?"),
	    "\r\n+CIPCFG: 1,0,0,100,1024,0\r\n"
	    "+CIPPACK: 0,\"\",0\r\n"
	    "+CIPPACK: 1,\"\",0\r\n"
	    "+CSTT: \"\",\"\",\"\"\r\n"
	    "+CIPNUM: \"\"\r\n"
	    "+CIPSTART:1,\"TCP\",\"test.usr.cn\",2317,1\r\n"
	    "+CIPSTART:2,\"TCP\",\"127.0.0.1\",2317,0\r\n"
	    "+CIPSTART:3,\"TCP\",\"127.0.0.1\",2317,0\r\n"
	    "+CIPSTART:4,\"TCP\",\"127.0.0.1\",2317,0\r\n"
	    "+CIMOD: 0\r\n"
	    "+CINETAT:0\r\n"
	    "+CICOMAT:0\r\n"
	    "+CINETPT:1,0\r\n"
	    "+CINETPT:2,0\r\n"
	    "+CINETPT:3,0\r\n"
	    "+CINETPT:4,0\r\n"
	    "\r\nOK\r\n");
	ck_assert_str_eq(run("AT+CIPSCONT=2,\"UDP\",\"127.0.0.2\",9000,1"), OK);
	ck_assert_str_eq(run("AT+CIPSCONT=4,\"tcp\",\"localhost\",1,1"), OK);
	ck_assert_str_eq(run("AT+CIPCFG=1,60,0,20,256,3600"), OK);
	ck_assert_str_eq(run("AT+CIPPACK=0,\"4142\",1"), OK);
	ck_assert_str_eq(run("AT+CIPPACK=1,\"00ff\",1"), OK);
	ck_assert_str_eq(run("AT+CSTT=\"cmnet\",\"user\",\"pw\""), OK);
	ck_assert_str_eq(run("AT+CIPNUM=+8610086"), OK);
	ck_assert_str_eq(run("AT+CIMOD=3"), OK);
	ck_assert_str_eq(run("AT+CINETAT=1"), OK);
	ck_assert_str_eq(run("AT+CICOMAT=1"), OK);
	ck_assert_str_eq(run("AT+CINETPT=3,4003"), OK);
	ck_assert_str_eq(run("AT+CIPSCONT?"), changed);
	/* "AT+CIPSCONT" queries too (a row's bare name, as in both dialects). */
	ck_assert_str_eq(run("AT+CIPSCONT"), changed);
}
END_TEST

/* What each set does to the settings behind it. */
START_TEST(test_effects)
{
	reset();
	run("AT+CIPSCONT=3,\"UDP\",\"127.0.0.3\",7000,1");
	ck_assert_int_eq(fh.st.link[2].mode, LINK_UDPC);
	ck_assert_str_eq(fh.st.link[2].host, "127.0.0.3");
	ck_assert_int_eq(fh.st.link[2].port, 7000);
	ck_assert_int_eq(fh.st.link[2].enabled, 1);
	run("AT+CIPSCONT=1,\"TCP\",\"127.0.0.1\",7001,0");
	ck_assert_int_eq(fh.st.link[0].mode, LINK_TCPC);
	ck_assert_int_eq(fh.st.link[0].enabled, 0);
	run("AT+CIPCFG=7,45,9,20,512,600");
	ck_assert_int_eq(fh.st.cipcfg1, 7);
	ck_assert_int_eq(fh.st.heart_interval, 45);
	ck_assert_int_eq(fh.st.cipcfg3, 9);
	ck_assert_int_eq(fh.st.pack_gap_us, 20000);
	ck_assert_int_eq(fh.st.pack_len, 512);
	ck_assert_int_eq(fh.st.idle_restart, 600);
	run("AT+CIPPACK=0,\"00FF41\",1");
	ck_assert_int_eq(fh.st.heart_data.len, 3);
	ck_assert(memcmp(fh.st.heart_data.data, "\x00\xff" "A", 3) == 0);
	ck_assert_int_eq(fh.st.heart_type, HEART_COM);
	run("AT+CIPPACK=1,\"52\",1");
	ck_assert_int_eq(fh.st.reg_data.len, 1);
	ck_assert_int_eq(fh.st.reg_send, REG_EVERY);
	run("AT+CIPPACK=1,\"\",0");
	ck_assert_int_eq(fh.st.reg_data.len, 0);
	ck_assert_int_eq(fh.st.reg_send, REG_FIRST);
	run("AT+CIMOD=2");
	ck_assert_int_eq(fh.st.work_mode, 2);
	run("AT+CSTT=\"a\",\"u\",\"p\"");
	run("AT+CSTT=\"cmnet\"");		/* PROTOCOLS.md §4: user and password empty */
	ck_assert_str_eq(fh.st.apn, "cmnet");
	ck_assert_str_eq(fh.st.apn_user, "");
	ck_assert_str_eq(fh.st.apn_password, "");
	ck_assert_str_eq(run("AT+CSTT?"), V("+CSTT: \"cmnet\",\"\",\"\""));
	run("AT+CINETPT=2,4002");
	ck_assert_int_eq(fh.st.link[1].local_port, 4002);
	run("AT+CISOCLINK=0");
	ck_assert_int_eq(fh.st.short_conn, 1);
	ck_assert_str_eq(run("AT+CISOCLINK?"), V("+CISOCLINK: 0"));
	run("AT+CINETAT=1");
	run("AT+CICOMAT=1");
	run("AT+CIRINGSTA=1");
	ck_assert(fh.st.net_at && fh.st.serial_at && fh.st.auto_answer);
	run("AT+CIOPTIME=30");
	ck_assert_int_eq(fh.st.command_idle, 30);
	run("AT+CIMODID=\"hello, MCU\"");
	ck_assert_str_eq(fh.st.startup_message, "hello, MCU");
	ck_assert_str_eq(run("AT+CIMODID?"), V("+CIMODID: \"hello, MCU\""));
	run("AT+CIPNUM=+8613800000000");
	ck_assert_str_eq(fh.st.sms_number, "+8613800000000");
	/* Nothing of it was saved: the 721 saves on ATW. */
	ck_assert_int_eq(fh.saves, 0);
}
END_TEST

/* A set lives in memory; ATW saves; a restart starts from the saved
 * settings (instance.c's layers, as the fake host keeps them). */
START_TEST(test_layering)
{
	reset();
	fh.layered = 1;
	ck_assert_str_eq(run("AT+CIPR=9600"), OK);
	ck_assert_str_eq(run("AT+CIPR?"), V("+CIPR: 9600"));		/* at once */
	ck_assert_int_eq(fh.saved.baud, 115200);
	ck_assert_str_eq(run("AT+CIRESET"), OK);
	ck_assert_int_eq(fh.restarts, 1);
	ck_assert_str_eq(fh.restart_why, "AT+CIRESET");
	ck_assert_str_eq(run("AT+CIPR?"), V("+CIPR: 115200"));		/* lost */
	ck_assert_str_eq(run("AT+CIPR=9600"), OK);
	ck_assert_str_eq(run("AT+CIPSCONT=2,\"UDP\",\"127.0.0.1\",9,1"), OK);
	ck_assert_str_eq(run("ATW"), OK);
	ck_assert_int_eq(fh.saves, 1);
	ck_assert_str_eq(run("AT+CIMOD=2"), OK);			/* after ATW: not saved */
	ck_assert_str_eq(run("AT+CIRESET"), OK);
	ck_assert_str_eq(run("AT+CIPR?"), V("+CIPR: 9600"));		/* kept */
	ck_assert_int_eq(fh.st.link[1].mode, LINK_UDPC);
	ck_assert_str_eq(run("AT+CIMOD?"), V("+CIMOD: 0"));
	/* A save that fails is an ERROR and the saved layer stays. */
	fh.save_error = -EROFS;
	ck_assert_str_eq(run("AT+CIPR=4800"), OK);
	ck_assert_str_eq(run("ATW"), ERR);
	ck_assert_int_eq(fh.saved.baud, 9600);
}
END_TEST

START_TEST(test_cipsw)
{
	reset();
	ck_assert_str_eq(run("AT+CIPSW=\"usr.cn#\",\"pw1\""), OK);
	ck_assert_str_eq(fh.st.at_password, "pw1");
	/* The old one no longer matches. */
	ck_assert_str_eq(run("AT+CIPSW=\"usr.cn#\",\"pw2\""), ERR);
	ck_assert_str_eq(fh.st.at_password, "pw1");
	ck_assert_str_eq(run("AT+CIPSW=pw1,\"a,b\""), OK);		/* a quoted comma */
	ck_assert_str_eq(fh.st.at_password, "a,b");
	ck_assert_str_eq(run("AT+CIPSW=\"a,b\",\"123456789012\""), ERR);
	ck_assert_str_eq(fh.st.at_password, "a,b");
}
END_TEST

START_TEST(test_cireload)
{
	reset();
	run("AT+CIPCFG=1,30,0,50,512,600");
	run("AT+CIPSW=\"usr.cn#\",\"pw\"");
	run("AT+CIPSCONT=1,\"UDP\",\"127.0.0.1\",5,0");
	ck_assert_str_eq(run("AT+CIRELOAD"), OK);
	ck_assert_str_eq(run("AT+CIPCFG?"), V("+CIPCFG: 1,0,0,100,1024,0"));
	ck_assert_str_eq(fh.st.at_password, "usr.cn#");
	ck_assert_int_eq(fh.st.link[0].mode, LINK_TCPC);
	ck_assert_int_eq(fh.st.link[0].enabled, 1);
	/* Saved: a restart keeps the factory values. */
	fh.layered = 1;
	run("AT+CIRESET");
	ck_assert_str_eq(run("AT+CIPCFG?"), V("+CIPCFG: 1,0,0,100,1024,0"));
	ck_assert_int_eq(fh.restarts, 1);		/* CIRELOAD itself does not restart */
}
END_TEST

START_TEST(test_shutdown)
{
	reset();
	ck_assert_str_eq(run("AT+CISHUTDOWN"), OK);
	ck_assert_int_eq(fh.shutdowns, 1);
	/* The console stays in command mode until AT+CIRESET. */
	ck_assert_str_eq(run("AT+ENTM"), ERR);
	ck_assert_int_eq(entms, 0);
	ck_assert_str_eq(run("AT+CIVER?"), V("+CIVER: V1.0.0"));	/* AT still works */
	ck_assert_str_eq(run("AT+CIRESET"), OK);
	ck_assert_str_eq(run("AT+ENTM"), OK);
	ck_assert_int_eq(entms, 1);
}
END_TEST

START_TEST(test_host_facts)
{
	reset();
	fh.links_up = 0x5;
	ck_assert_str_eq(run("AT+CINET?"), V("+CINET: 1,0,1,0"));
	fh.links_up = 0xf;
	ck_assert_str_eq(run("AT+CINET"), V("+CINET: 1,1,1,1"));
	util_strlcpy(fh.ipv4, "192.0.2.7", sizeof(fh.ipv4));
	ck_assert_str_eq(run("AT+CIDTUIP?"), V("+CIDTUIP: 192.0.2.7"));
}
END_TEST

START_TEST(test_cclk)
{
	regex_t rx;

	reset();
	ck_assert_int_eq(regcomp(&rx, "^\r\n\\+CCLK: \"[0-9]{2}/[01][0-9]/[0-3][0-9],"
	    "[0-2][0-9]:[0-5][0-9]:[0-6][0-9][-+][0-9]{2}\"\r\n\r\nOK\r\n$", REG_EXTENDED), 0);
	ck_assert_msg(regexec(&rx, run("AT+CCLK?"), 0, NULL, 0) == 0, "got '%s'", out);
	regfree(&rx);
}
END_TEST

/* 27.007 §8.15: local time, the zone in quarter hours. */
START_TEST(test_clock_text)
{
	char *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char t[40];

	setenv("TZ", "UTC", 1);
	tzset();
	hostinfo_clock_text(1700000000, t, sizeof(t));		/* 2023-11-14 22:13:20 UTC */
	ck_assert_str_eq(t, "23/11/14,22:13:20+00");
	setenv("TZ", "CST-8", 1);				/* China: UTC+8 */
	tzset();
	hostinfo_clock_text(1700000000, t, sizeof(t));
	ck_assert_str_eq(t, "23/11/15,06:13:20+32");
	setenv("TZ", "NST+3:30", 1);				/* UTC-3:30 */
	tzset();
	hostinfo_clock_text(1700000000, t, sizeof(t));
	ck_assert_str_eq(t, "23/11/14,18:43:20-14");
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(tz);
}
END_TEST

/* AT+CIDTUIP's interface: the default route of /proc/net/route's text. */
START_TEST(test_route_iface)
{
	static const char hdr[] = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	    "Mask\t\tMTU\tWindow\tIRTT\n";
	char text[1024], ifn[32];

	hostinfo_route_iface(hdr, ifn, sizeof(ifn));
	ck_assert_str_eq(ifn, "");				/* loopback only */
	snprintf(text, sizeof(text), "%s"
	    "eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
	    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
	    "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	    "ppp0\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0\n", hdr);
	hostinfo_route_iface(text, ifn, sizeof(ifn));
	ck_assert_str_eq(ifn, "eth0");		/* lowest metric; ppp0's is not up */
	snprintf(text, sizeof(text), "%s"
	    "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0", hdr);
	hostinfo_route_iface(text, ifn, sizeof(ifn));
	ck_assert_str_eq(ifn, "ppp0");		/* no gateway, no final newline */
	snprintf(text, sizeof(text), "%s"
	    "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t0000FFFF\t0\t0\t0\n", hdr);
	hostinfo_route_iface(text, ifn, sizeof(ifn));
	ck_assert_str_eq(ifn, "");		/* destination 0 with a mask: not default */
}
END_TEST

/* Every setting the 721's AT may set has a 721 command (the web form and
 * usrbridged.conf(5) name it), but those the device has no command for. */
START_TEST(test_every_setting_reachable)
{
	static const char *const none[] = {
		"serial.flow", "device.name", "web.port", "web.user", "web.password",
	};
	const struct at_cmd *c;

	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);) {
		char key[SETTINGS_KEY_MAX];
		int skip = 0;

		if (!settings_applies(s, PERS_721) || !settings_at_visible(s, PERS_721) ||
		    !(s.s->flags & S_PERSIST))
			continue;
		settings_key(s, key, sizeof(key));
		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
			skip |= strcmp(key, none[i]) == 0;
		ck_assert_msg(skip != !!at_next_for_key(&at_dialect_721, key, NULL),
		    "%s: a 721 command %s", key, skip ? "unexpected" : "missing");
	}
	c = at_next_for_key(&at_dialect_721, "link3.host", NULL);
	ck_assert_str_eq(c->name, "CIPSCONT");
	c = at_next_for_key(&at_dialect_721, "link4.local_port", NULL);
	ck_assert_str_eq(c->name, "CINETPT");
	c = at_next_for_key(&at_dialect_721, "reg.data", NULL);
	ck_assert_str_eq(c->name, "CIPPACK");
	ck_assert_ptr_null(at_next_for_key(&at_dialect_721, "link5.host", NULL));
}
END_TEST

/* AT_GROUP rows hold groups of equal shape; AT_LINK rows' keys are
 * "link." templates. */
START_TEST(test_table_shape)
{
	for (size_t i = 0; i < at_dialect_721.ncmds; i++) {
		const struct at_cmd *c = &at_dialect_721.cmds[i];
		int n = 0;

		while (n < AT_ARGS_MAX && c->fields[n].keys[0])
			n++;
		if (c->ops & AT_GROUP) {
			ck_assert(c->groups > 1 && n % c->groups == 0);
			for (int f = 0; f < n / c->groups; f++)
				for (int g = 1; g < c->groups; g++)
					ck_assert_ptr_eq(c->fields[f].codec,
					    c->fields[g * (n / c->groups) + f].codec);
		}
		for (int f = 0; f < n; f++)
			ck_assert_msg(!(c->ops & AT_LINK) ==
			    !!strncmp(c->fields[f].keys[0], "link.", 5),
			    "AT+%s: field %d", c->name, f + 1);
		ck_assert(c->min_args <= at_nargs(c));
	}
}
END_TEST

/* A line cut at the console's cap is ERROR, as any bad line. */
START_TEST(test_overflow)
{
	reset();
	nout = 0;
	at_dispatch(&sess, "AT+CIVER?", 9, 1);
	ck_assert_str_eq(out, ERR);
}
END_TEST

Suite *
suite_at721(void)
{
	Suite *s = suite_create("at721");
	TCase *tc = tcase_create("at721");

	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_listing);
	tcase_add_test(tc, test_effects);
	tcase_add_test(tc, test_layering);
	tcase_add_test(tc, test_cipsw);
	tcase_add_test(tc, test_cireload);
	tcase_add_test(tc, test_shutdown);
	tcase_add_test(tc, test_host_facts);
	tcase_add_test(tc, test_cclk);
	tcase_add_test(tc, test_clock_text);
	tcase_add_test(tc, test_route_iface);
	tcase_add_test(tc, test_every_setting_reachable);
	tcase_add_test(tc, test_table_shape);
	tcase_add_test(tc, test_overflow);
	suite_add_tcase(s, tc);
	return s;
}
