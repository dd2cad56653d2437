/* Lists serial ports through libserialport's sp_list_ports() for
 * usrbridgectl ports, so that an administrator can find the USB adapter to
 * put in serial.device. libserialport's error space is converted here. */
#include "config.h"

#include <errno.h>
#include <libserialport.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "ports.h"
#include "status.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(sp_get_port_name(*(struct sp_port *const *)a),
	    sp_get_port_name(*(struct sp_port *const *)b));
}

/* key="value" with the value as a JSON-style string: USB descriptors are
 * whatever the device says, quotes and control bytes included. */
static void
field(struct evbuffer *out, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	evbuffer_add_printf(out, " %s=", key);
	status_json_string(out, value);
}

int
ports_list(struct evbuffer *out)
{
	static const char *const transport[] = {
		[SP_TRANSPORT_NATIVE] = "native",
		[SP_TRANSPORT_USB] = "usb",
		[SP_TRANSPORT_BLUETOOTH] = "bluetooth",
	};
	struct sp_port **ports;
	size_t n = 0;

	if (sp_list_ports(&ports) != SP_OK)
		return sp_last_error_code() > 0 ? -sp_last_error_code() : -EIO;
	while (ports[n])
		n++;
	qsort(ports, n, sizeof(*ports), by_name);
	for (size_t i = 0; i < n; i++) {
		struct sp_port *p = ports[i];
		enum sp_transport t = sp_get_port_transport(p);
		int vid, pid;

		evbuffer_add_printf(out, "%s %s", sp_get_port_name(p),
		    (unsigned)t < sizeof(transport) / sizeof(transport[0]) && transport[t] ?
		    transport[t] : "unknown");
		if (t == SP_TRANSPORT_USB) {
			if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK)
				evbuffer_add_printf(out, " usb=%04x:%04x", vid, pid);
			field(out, "manufacturer", sp_get_port_usb_manufacturer(p));
			field(out, "product", sp_get_port_usb_product(p));
			field(out, "serial", sp_get_port_usb_serial(p));
		} else if (t == SP_TRANSPORT_BLUETOOTH) {
			field(out, "address", sp_get_port_bluetooth_address(p));
		}
		field(out, "description", sp_get_port_description(p));
		evbuffer_add(out, "\n", 1);
	}
	sp_free_port_list(ports);
	return (int)n;
}
