/* Lets man/settings-doc link without the bridge, the links and the work
 * modes, and so without libevent, when it is built for the build machine
 * of a cross build (Makefile.am, "manual pages"): the generator reads the
 * settings and AT tables only and never calls a personality's bridge hooks
 * or an AT handler that lives outside the tables' own files. Every such
 * symbol the tables name is defined here; make check links this list
 * (man/settings-doc-stubbed) and finds a missing one. */
#include "config.h"

#include <errno.h>

#include "at-721-modem.h"
#include "at-721-net.h"
#include "bridge.h"

const struct bridge_hooks bridge_hooks_30x;
const struct bridge_hooks bridge_hooks_721;

int
at721_ciopen(struct at_req *r)
{
	return -ENOSYS;
}

int
at721_cisend(struct at_req *r)
{
	return -ENOSYS;
}

int
at721_ciclose(struct at_req *r)
{
	return -ENOSYS;
}

int
at721_relay(struct at_req *r)
{
	return -ENOSYS;
}

int
at721_cilac(struct at_req *r)
{
	return -ENOSYS;
}

int
at721_cismsend(struct at_req *r)
{
	return -ENOSYS;
}
