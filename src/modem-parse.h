/* Parsers of the modem's information and unsolicited lines (3GPP TS 27.007
 * §7.2 +CREG, §7.3 +COPS, §8.5 +CSQ, §5.4 +CGSN, §5.5 +CSCS; TS 27.005
 * §3.4.1 +CMTI, §3.4.3 +CMGR in text mode). Pure: a line in (without CR
 * LF), values out; 0, or -EINVAL for a line that is not of that form. */
#ifndef USRB_MODEM_PARSE_H
#define USRB_MODEM_PARSE_H

#include <stddef.h>

#define MODEM_FIELDS_MAX 16

/* The values after "prefix" (case-insensitive; spaces after it skipped),
 * split at commas outside double quotes, quotes removed, into buf. f[i]
 * points into buf; bit i of *quoted says field i was quoted. Returns the
 * number of fields (an empty value list is 0 fields), or -EINVAL when the
 * line does not start with prefix, a quote is not closed or a field is
 * not followed by a comma, or -E2BIG. */
int modem_parse_fields(const char *line, const char *prefix, char *buf, size_t cap,
    char **f, int max, unsigned *quoted);

/* +CSQ: <rssi>,<ber> */
int modem_parse_csq(const char *line, int *rssi, int *ber);
/* dBm of a +CSQ rssi (0 -> -113 ... 31 -> -51); 0 for 99 (unknown). */
int modem_csq_dbm(int rssi);

/* Network registration, TS 27.007 §7.2 <stat>. */
enum modem_reg {
	MODEM_REG_NOT = 0,	/* not registered, not searching */
	MODEM_REG_HOME = 1,
	MODEM_REG_SEARCHING = 2,
	MODEM_REG_DENIED = 3,
	MODEM_REG_UNKNOWN = 4,
	MODEM_REG_ROAMING = 5,
};

struct modem_creg {
	int stat;		/* enum modem_reg, 0-5 (others as given) */
	char lac[9];		/* hex as the modem gives it; "" none */
	char ci[9];
	int act;		/* access technology; -1 none */
};

/* +CREG: [<n>,]<stat>[,<lac>,<ci>[,<AcT>]]: query is 1 for the answer to
 * AT+CREG? (it starts with <n>), 0 for the unsolicited form. */
int modem_parse_creg(const char *line, int query, struct modem_creg *r);
/* "home", "roaming", "searching", "denied", "not registered", "unknown". */
const char *modem_reg_name(int stat);
/* 1 when stat is registered (home or roaming). */
int modem_reg_ok(int stat);

/* +COPS: <mode>[,<format>,<oper>[,<AcT>]]: oper "" when not given. */
int modem_parse_cops(const char *line, char *oper, size_t cap);

/* +CMTI: <mem>,<index> */
int modem_parse_cmti(const char *line, char *mem, size_t cap, int *index);

/* The header of AT+CMGR in text mode: +CMGR: <stat>,<oa>,[<alpha>],<scts>
 * [,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>] (with AT+CSDH=1). */
struct modem_cmgr {
	char stat[16];		/* "REC UNREAD" ... */
	char oa[80];		/* originator, as given (UCS-2 hex with CSCS "UCS2") */
	char scts[32];		/* service centre time stamp */
	int dcs;		/* data coding scheme; -1 not shown */
};
int modem_parse_cmgr(const char *line, struct modem_cmgr *h);

/* The alphabet of a TS 23.038 data coding scheme: 0 GSM 7-bit, 1 8-bit
 * data, 2 UCS-2; -1 for dcs -1 (unknown). */
int modem_dcs_alphabet(int dcs);

/* AT+CGSN: the IMEI line ("123456789012345" or "+CGSN: ..."): 14-17
 * digits into imei. */
int modem_parse_cgsn(const char *line, char *imei, size_t cap);

/* +CSCS: <chset> */
int modem_parse_cscs(const char *line, char *cs, size_t cap);

/* +CSMP: <fo>,<vp>,<pid>,<dcs> (TS 27.005 §3.3.2, a relative <vp>): the
 * four numbers as AT+CSMP= takes them ("17,167,0,0") into out. */
int modem_parse_csmp(const char *line, char *out, size_t cap);

#endif
