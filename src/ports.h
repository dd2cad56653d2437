/* The serial ports of this host as libserialport sees them (usrbridgectl
 * ports): path, transport and, for USB adapters, vendor/product IDs,
 * manufacturer, product and serial number. */
#ifndef USRB_PORTS_H
#define USRB_PORTS_H

struct evbuffer;

/* One line per port, "PATH TRANSPORT key=value ...", sorted by path.
 * Returns the number of ports, or -errno. */
int ports_list(struct evbuffer *out);

#endif
