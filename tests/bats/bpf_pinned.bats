#!/usr/bin/env bats
# -m bpf --object-pinned: an eBPF program pinned in a bpf file system of
# the test's own (tests/bats/bpf_pin.py pins one). iptables-nft opens the
# object while it parses, so the option can only be tried with one
# there: qtables reads it as iptables-nft does (the same messages for a
# path that is no bpf object, or with --bytecode too) and refuses the
# rule at commit, as the engine runs no eBPF; nothing is applied.

bats_require_minimum_version 1.5.0

PY=${QT_PY:-/usr/bin/python3}

setup() {
	QT_PREFIX=${QT_BATS_PREFIX:-qtbpf}$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ "$(uname -m)" = x86_64 ] || skip "bpf_pin.py knows x86_64's syscall number"
	FS=$(mktemp -d /tmp/qtbats-bpffs.XXXXXX)
	mount -t bpf bpf "$FS" || skip "cannot mount a bpf file system"
	"$PY" "$BATS_TEST_DIRNAME/bpf_pin.py" "$FS/prog" || skip "cannot load an eBPF program"
	qt_ns o
	ONS=$QT_NS
	qt_ns q
	QNS=$QT_NS
	qt_daemon "$QNS"
}

teardown() {
	qt_cleanup
	if [ -n "${FS:-}" ]; then
		rm -f "$FS/prog"
		umount "$FS" 2>/dev/null
		rmdir "$FS"
	fi
}

# exit code and messages of one command on both sides, the program's
# name and backend aside
both() {
	run --separate-stderr ipt "$ONS" "$@"
	local ost=$status oout=$output oerr=${stderr//(nf_tables)/(B)}
	run --separate-stderr qt "$QNS" "$@"
	echo "oracle $ost: $oerr"
	echo "qtables $status: $stderr"
	[ "$status" -eq "$ost" ]
	[ "$output" = "$oout" ]
	[ "${stderr//(qtables)/(B)}" = "$oerr" ]
}

@test "bpf --object-pinned: messages as iptables-nft's, a pinned program refused at commit" {
	both -A INPUT -m bpf --object-pinned "$FS/nothere"
	[ "$status" -eq 2 ]
	both -A INPUT -m bpf --object-pinned "$FS/prog" --bytecode "1,6 0 0 1"
	[ "$status" -eq 2 ]
	both -A INPUT -m bpf --bytecode "1,6 0 0 1" --object-pinned "$FS/nothere"
	both -C INPUT -m bpf --object-pinned "$FS/prog"
	[ "$status" -eq 1 ]

	run ipt "$ONS" -A INPUT -m bpf --object-pinned "$FS/prog"
	[ "$status" -eq 0 ]
	run ipt "$ONS" -S INPUT
	[[ "$output" == *"-A INPUT -m bpf --object-pinned $FS/prog"* ]]

	run --separate-stderr qt "$QNS" -A INPUT -m bpf --object-pinned "$FS/prog"
	echo "$stderr"
	[ "$status" -eq 4 ]
	[[ "$stderr" == "Error: qtables cannot run -m bpf: eBPF programs (--object-pinned) are not run in user space"* ]]
	run qt "$QNS" -S INPUT
	[ "$output" = "-P INPUT ACCEPT" ]
	# the same through restore; --test has no kernel to ask and passes
	run qt_restore "$QNS" --test <<<$'*filter\n-A INPUT -m bpf --object-pinned '"$FS/prog"$'\nCOMMIT'
	[ "$status" -eq 0 ]
	run --separate-stderr qt_restore "$QNS" <<<$'*filter\n-A INPUT -m bpf --object-pinned '"$FS/prog"$'\nCOMMIT'
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"qtables cannot run -m bpf"* ]]
	run qt "$QNS" -S INPUT
	[ "$output" = "-P INPUT ACCEPT" ]
}
