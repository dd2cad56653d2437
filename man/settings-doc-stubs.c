/* Lets man/settings-doc link without the bridge, and so without libevent,
 * when it is built for the build machine of a cross build (Makefile.am,
 * "manual pages"): the generator reads the settings and AT tables only and
 * never calls a personality's bridge hooks. */
#include "config.h"

#include "bridge.h"

const struct bridge_hooks bridge_hooks_30x;
