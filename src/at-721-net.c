/* AT+CIOPEN, AT+CISEND and AT+CICLOSE (at-721-net.h): the argument checks
 * and the AT side; cmdconn.c holds the connection. They answer ERROR
 * outside CIMOD=2 and from any session but the serial console's. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "at.h"
#include "at-721-net.h"
#include "cmdconn.h"
#include "util.h"

int
at721_ciopen_args(int argc, char *const *argv, int *udp, const char **host, long *port)
{
	size_t n;

	if (argc != 3)
		return AT_ERR_PARAM;
	if (strcasecmp(argv[0], "TCP") == 0)
		*udp = 0;
	else if (strcasecmp(argv[0], "UDP") == 0)
		*udp = 1;
	else
		return AT_ERR_PARAM;
	n = strlen(argv[1]);
	if (n < 1 || n > 127)
		return AT_ERR_PARAM;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)argv[1][i] <= ' ' || argv[1][i] == '"' || argv[1][i] == 0x7f)
			return AT_ERR_PARAM;
	if (util_parse_long(argv[2], 1, 65535, port) < 0)
		return AT_ERR_PARAM;
	*host = argv[1];
	return 0;
}

/* The connection r may use, or NULL with r->why said. */
static struct cmdconn *
conn_of(struct at_req *r)
{
	struct cmdconn *cc = r->s->host->cmdconn ? r->s->host->cmdconn(r->s->h, r->s) : NULL;

	if (!cc)
		snprintf(r->why, sizeof(r->why), "AT+%s works in AT command mode "
		    "(AT+CIMOD=2) on the serial line only", r->cmd->name);
	return cc;
}

int
at721_ciopen(struct at_req *r)
{
	struct cmdconn *cc;
	const char *host;
	long port;
	int udp;

	if (r->op == AT_TEST) {
		at_value(r, "(\"TCP\",\"UDP\"),127,(1-65535)");
		return AT_DONE;
	}
	if (at721_ciopen_args(r->argc, r->argv, &udp, &host, &port) < 0) {
		snprintf(r->why, sizeof(r->why), "AT+CIOPEN takes \"TCP\"|\"UDP\",\"address\","
		    "port (1-65535)");
		return AT_ERR_PARAM;
	}
	cc = conn_of(r);
	return cc ? cmdconn_open(cc, r, udp, host, port) : AT_ERR_PERM;
}

int
at721_cisend(struct at_req *r)
{
	struct cmdconn *cc = conn_of(r);

	return cc ? cmdconn_send(cc, r) : AT_ERR_PERM;
}

int
at721_ciclose(struct at_req *r)
{
	struct cmdconn *cc = conn_of(r);

	return cc ? cmdconn_close(cc, r) : AT_ERR_PERM;
}
