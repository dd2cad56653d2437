#!/bin/bash
# The systemd units (TAP): systemd-analyze verify passes for usrbridged.service
# and an instance of usrbridged@.service, with ExecStart pointing at the
# built daemon and the built manual pages behind Documentation=.
src=${TOP_SRCDIR:-.}
build=${TOP_BUILDDIR:-.}
usrbridged=${USRBRIDGED:-$build/src/usrbridged}
echo "1..3"
if ! command -v systemd-analyze >/dev/null; then
	for i in 1 2 3; do echo "ok $i - systemd-analyze verify # SKIP no systemd-analyze"; done
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/units" "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man7" "$tmp/man/man8"
cp "$src/man/usrbridged.8" "$tmp/man/man8/"
cp "$src/man/usrbridgectl.1" "$tmp/man/man1/"
cp "$src/man/usrbridged-protocol.7" "$tmp/man/man7/"
cp "$build/man/usrbridged.conf.5" "$tmp/man/man5/"
sed "s|^ExecStart=[^ ]*|ExecStart=$usrbridged|" "$build/systemd/usrbridged.service" \
	>"$tmp/units/usrbridged.service"
sed "s|^ExecStart=[^ ]*|ExecStart=$usrbridged|" "$build/systemd/usrbridged@.service" \
	>"$tmp/units/usrbridged@ttyUSB1.service"
failed=0
n=0
for u in usrbridged.service usrbridged@ttyUSB1.service; do
	n=$((n + 1))
	if out=$(MANPATH="$tmp/man" SYSTEMD_LOG_LEVEL=notice systemd-analyze verify \
	    "$tmp/units/$u" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - systemd-analyze verify $u"
	else
		failed=1
		echo "not ok $n - systemd-analyze verify $u"
		printf '# %s\n' "$out"
	fi
done
# The units as the package ships them: notify type, own user in dialout,
# state and runtime directories, the web port capability.
u="$build/systemd/usrbridged.service"
want="Type=notify User=usrbridged SupplementaryGroups=dialout StateDirectory=usrbridged
  RuntimeDirectory=usrbridged AmbientCapabilities=CAP_NET_BIND_SERVICE
  After=network-online.target WantedBy=multi-user.target"
missing=""
for w in $want; do grep -qx "$w" "$u" || missing="$missing $w"; done
grep -qx 'StateDirectory=usrbridged/%i' "$build/systemd/usrbridged@.service" ||
	missing="$missing template:StateDirectory"
grep -qx 'RuntimeDirectory=usrbridged-%i' "$build/systemd/usrbridged@.service" ||
	missing="$missing template:RuntimeDirectory"
if [ -z "$missing" ]; then
	echo "ok 3 - unit settings"
else
	failed=1
	echo "not ok 3 - unit settings"
	echo "# missing:$missing"
fi
exit $failed
