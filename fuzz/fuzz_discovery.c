/* Fuzzes the discovery request parser and reply builder (src/discovery.c).
 * Besides memory errors it checks PROTOCOLS.md §6: only the exact search
 * (FF 01 01 02) and the exact legacy search (40 ASCII digits) are requests;
 * a search reply is 36 bytes whose sum is 0 mod 256 and carries the name
 * NUL-terminated; a legacy reply is 35 bytes; whatever device.name,
 * device.version and link1.host hold.
 *
 * Input: the datagram; its bytes also fill the name, version and host. */
#include "config.h"

#include "discovery.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t search[] = { 0xff, 0x01, 0x01, 0x02 };
	static struct settings st;
	struct discovery_iface ifc = { { 127, 0, 0, 1 }, { 255, 0, 0, 0 }, { 1, 2, 3, 4, 5, 6 } };
	enum discovery_request req = discovery_parse(data, size);
	uint8_t out[DISCOVERY_REPLY_MAX];
	size_t n;

	fuzz_quiet();
	if (req == DISCOVERY_SEARCH)
		FUZZ_CHECK(size == 4 && !memcmp(data, search, 4), "not the search");
	if (req == DISCOVERY_LEGACY) {
		FUZZ_CHECK(size == 40, "legacy of %zu bytes", size);
		for (size_t i = 0; i < size; i++)
			FUZZ_CHECK(data[i] == '0' + i % 10, "legacy byte %zu", i);
	}
	if (size == 4 && !memcmp(data, search, 4))
		FUZZ_CHECK(req == DISCOVERY_SEARCH, "the search not seen");
	settings_defaults(&st, PERS_30X);
	/* Whatever the stored strings hold (they are terminated). */
	n = size < sizeof(st.name) - 1 ? size : sizeof(st.name) - 1;
	memcpy(st.name, data, n);
	st.name[n] = '\0';
	n = size < sizeof(st.version) - 1 ? size : sizeof(st.version) - 1;
	memcpy(st.version, data, n);
	st.version[n] = '\0';
	n = size < sizeof(st.link[0].host) - 1 ? size : sizeof(st.link[0].host) - 1;
	memcpy(st.link[0].host, data, n);
	st.link[0].host[n] = '\0';
	FUZZ_CHECK(discovery_version(st.version) <= 65535, "version");
	n = discovery_reply(DISCOVERY_SEARCH, &st, &ifc, out, sizeof(out));
	FUZZ_CHECK(n == DISCOVERY_REPLY_LEN, "search reply of %zu bytes", n);
	{
		uint8_t sum = 0;

		for (size_t i = 0; i < n; i++)
			sum = (uint8_t)(sum + out[i]);
		FUZZ_CHECK(sum == 0, "checksum");
		FUZZ_CHECK(out[34] == 0, "name not terminated");
	}
	n = discovery_reply(DISCOVERY_LEGACY, &st, &ifc, out, sizeof(out));
	FUZZ_CHECK(n == DISCOVERY_LEGACY_REPLY_LEN, "legacy reply of %zu bytes", n);
	FUZZ_CHECK(discovery_reply(req, &st, &ifc, out, sizeof(out)) ==
	    (req == DISCOVERY_NONE ? 0 : req == DISCOVERY_SEARCH ? 36u : 35u), "reply length");
	return 0;
}
