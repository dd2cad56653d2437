#!/bin/bash
# The manual pages (TAP): each passes mandoc -Tlint and groff -ww without a
# warning, usrbridged.conf(5) has an entry for every row of the settings
# table, and usrbridgectl(1) and usrbridged(8) describe every command and
# option the programs themselves list.
src=${TOP_SRCDIR:-.}
build=${TOP_BUILDDIR:-.}
pages="$src/man/usrbridged.8 $src/man/usrbridgectl.1 $src/man/usrbridged-protocol.7
  $build/man/usrbridged.conf.5"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '# %s\n' "$@"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

echo "1..13"
for p in $pages; do
	name=$(basename "$p")
	if ! command -v mandoc >/dev/null; then
		skip "mandoc -Tlint $name" "no mandoc"
	elif out=$(mandoc -Tlint -W warning "$p" 2>&1) && [ -z "$out" ]; then
		ok "mandoc -Tlint $name"
	else
		not_ok "mandoc -Tlint $name" "$out"
	fi
	if ! command -v groff >/dev/null; then
		skip "groff -ww $name" "no groff"
	elif out=$(LC_ALL=C.UTF-8 groff -ww -mandoc -Tutf8 -z "$p" 2>&1) && [ -z "$out" ]; then
		ok "groff -ww $name"
	else
		not_ok "groff -ww $name" "$out"
	fi
done

missing=""
for key in $("$build/man/settings-doc" --keys); do
	grep -qx "\.It Ic $key" "$build/man/usrbridged.conf.5" || missing="$missing $key"
done
if [ -z "$missing" ]; then ok "usrbridged.conf(5) lists every setting"
else not_ok "usrbridged.conf(5) lists every setting" "missing:$missing"; fi

usrbridgectl=${USRBRIDGECTL:-$build/src/usrbridgectl}
usrbridged=${USRBRIDGED:-$build/src/usrbridged}
missing=""
for cmd in $("$usrbridgectl" -h | sed -n '/^commands:/,/^options:/s/^  \([a-z]*\) .*/\1/p'); do
	grep -q "^\.It Cm $cmd\( \|$\)" "$src/man/usrbridgectl.1" || missing="$missing $cmd"
done
for opt in $("$usrbridgectl" -h | sed -n 's/^  -\([a-zA-Z]\) .*/\1/p'); do
	grep -q "^\.It Fl $opt\( \|$\)" "$src/man/usrbridgectl.1" || missing="$missing -$opt"
done
for opt in $("$usrbridged" -h | sed -n 's/^  -\([a-zA-Z]\) .*/\1/p'); do
	grep -q "^\.It Fl $opt\( \|$\)" "$src/man/usrbridged.8" || missing="$missing usrbridged:-$opt"
done
if [ -z "$missing" ]; then ok "usrbridgectl(1) and usrbridged(8) cover every command and option"
else not_ok "usrbridgectl(1) and usrbridged(8) cover every command and option" "missing:$missing"; fi

count=$("$usrbridgectl" -h | sed -n '/^commands:/,/^options:/p' | grep -c '^  [a-z]')
if [ "$count" -ge 8 ]; then
	ok "usrbridgectl -h lists its $count commands"
else
	not_ok "usrbridgectl -h lists its commands" "found $count"
fi
# What a reader sees (mandoc -Tutf8, one paragraph per line): quotes come
# in pairs (a lone one is a macro argument quoted wrong), no roff escape
# leaks through, and no entry of usrbridged.conf(5) says its range twice
# (the help text's "(1-16)" beside the generated "from 1 to 16").
if ! command -v mandoc >/dev/null; then
	skip "rendered pages: no stray quotes" "no mandoc"
	skip "usrbridged.conf(5) says each range once" "no mandoc"
else
	bad=""
	for p in $pages; do
		while IFS= read -r line; do
			q=${line//[^\"]/}
			if [ $(( ${#q} % 2 )) -ne 0 ] || [[ $line == *'\(dq'* || $line == *'\e'* ]]; then
				bad="$bad
$(basename "$p"): $line"
			fi
		done < <(mandoc -Tutf8 -Owidth=1000 "$p" | col -b)
	done
	if [ -z "$bad" ]; then ok "rendered pages: no stray quotes"
	else not_ok "rendered pages: no stray quotes" "$bad"; fi
	dup=""
	while IFS= read -r line; do
		if [[ $line =~ \(([0-9]+)-([0-9]+)[^\)]*\) ]] || [[ $line =~ (less\ than\ [0-9]+\ bytes) ]] ||
		    [[ $line =~ :\ [0-9]+(,\ [0-9]+)*\ or\ [0-9]+\.\ An\ integer ]]; then
			dup="$dup
$line"
		fi
	done < <(mandoc -Tutf8 -Owidth=1000 "$build/man/usrbridged.conf.5" | col -b |
	    grep -E 'An integer from|bytes( of any value)?[.,]')
	if [ -z "$dup" ]; then ok "usrbridged.conf(5) says each range once"
	else not_ok "usrbridged.conf(5) says each range once" "$dup"; fi
fi

[ "$failed" -eq 0 ]
