#!/usr/bin/env bats
# The bash completion (completion/qtables): sourced in bash, called with
# COMP_WORDS and COMP_CWORD set as readline would, COMPREPLY checked.
# Options, tables, extensions and their options come from the programs;
# chain names from a daemon running in a namespace of the test's own.

bats_require_minimum_version 1.5.0

setup() {
	QT_PREFIX=qtco$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	SCRIPT=$BATS_TEST_DIRNAME/../../completion/qtables
	qt_ns fw || return 1
	FW=$QT_NS
	# the multi-call names, as the package installs them
	local n
	for n in qtables qtables-save qtables-restore qtables-conntrack iptables; do
		ln -s "$QT_BUILD/qtables" "$QT_RUN/$n"
	done
}

teardown() {
	qt_cleanup
}

# comp WORD...: the completions of the last word, one per line, sorted;
# run in the namespace, as a user's shell there would
comp() {
	ip netns exec "$FW" bash -c '
		source "$1" || exit 9
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_qtables
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$SCRIPT" "$@"
}

Q() { echo "$QT_RUN/qtables"; }

@test "completion: the script loads without output and registers the programs" {
	run bash -c 'source "$1" && complete -p qtables qtables-save qtables-restore qtables-conntrack qtablesd qtables-replay' _ "$SCRIPT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[0]}" == "complete -F _qtables qtables" ]]
}

@test "completion: qtables options, its own options, table names" {
	run comp "$(Q)" --app
	[ "$output" = "--append" ]
	run comp "$(Q)" --li
	[ "$output" = $'--line-numbers\n--list\n--list-rules' ]
	run comp "$(Q)" --gr
	[ "$output" = "--graph" ]
	run comp "$(Q)" --st
	[ "$output" = "--stats" ]
	# qtables' own options are not iptables'
	run comp "$QT_RUN/iptables" --gr
	[ -z "$output" ]
	run comp "$QT_RUN/iptables" --app
	[ "$output" = "--append" ]
	run comp "$(Q)" -t ""
	[ "$output" = $'filter\nmangle\nnat\nraw\nsecurity' ]
	run comp "$(Q)" --table n
	[ "$output" = "nat" ]
}

@test "completion: extensions and each extension's options" {
	run comp "$(Q)" -A INPUT -m mu
	[ "$output" = "multiport" ]
	run comp "$(Q)" -A INPUT -p tcp -m multiport --dp
	[ "$output" = $'--dport\n--dports' ]
	run comp "$(Q)" -A INPUT -p udp --sp
	[ "$output" = "--sport" ]
	run comp "$(Q)" -A INPUT -j LOG --log-p
	[ "$output" = "--log-prefix" ]
	run comp "$(Q)" -A INPUT -j RE
	[ "$output" = $'REDIRECT\nREJECT\nRETURN' ]
	# no -m recent: none of its options
	run comp "$(Q)" -A INPUT --rs
	[ -z "$output" ]
	# every option an extension's help names is offered after it
	local kind flag name w
	for kind in match target; do
		flag=-m; [ "$kind" = target ] && flag=-j
		local list=matches
		[ "$kind" = target ] && list=targets
		for name in $("$QT_BUILD/qtables" --completion-words "$list"); do
			local offered help
			offered=$(comp "$(Q)" -A INPUT "$flag" "$name" --)
			help=$("$QT_BUILD/qtables" "$flag" "$name" -h |
			       sed -n "/^$name $kind options:/,\$p" |
			       grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
			for w in $help; do
				grep -qx -- "$w" <<<"$offered" ||
					{ echo "$flag $name: $w not offered"; false; }
			done
		done
	done
}

@test "completion: chain names from the running daemon, per table" {
	qt_daemon "$FW" --no-state --no-datapath
	qt "$FW" -N web-in
	qt "$FW" -N ssh-in
	qt "$FW" -t nat -N masq-out
	run comp "$(Q)" -A ""
	echo "$output"
	[ "$output" = $'FORWARD\nINPUT\nOUTPUT\nssh-in\nweb-in' ]
	run comp "$(Q)" -t nat -I P
	[ "$output" = $'POSTROUTING\nPREROUTING' ]
	run comp "$(Q)" -t nat -A m
	[ "$output" = "masq-out" ]
	run comp "$(Q)" --table=nat -L ""
	[[ "$output" == *masq-out* ]]
	[[ "$output" != *web-in* ]]
	# jumps: targets, verdicts and chains
	run comp "$(Q)" -A INPUT -j ""
	[[ "$output" == *$'\nssh-in\n'* && "$output" == *ACCEPT* && "$output" == *LOG* ]]
	run comp "$(Q)" -A INPUT -g w
	[ "$output" = "web-in" ]
	run comp "$(Q)" -P INPUT ""
	[ "$output" = $'ACCEPT\nDROP' ]
	run comp "$QT_RUN/iptables" -F ss
	[ "$output" = "ssh-in" ]
}

@test "completion: no daemon, no chains, and nothing printed" {
	run --separate-stderr comp "$(Q)" -A ""
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# the rest still works without one
	run comp "$(Q)" -A INPUT -m con
	[ "$output" = $'connbytes\nconnlimit\nconnmark\nconntrack' ]
}

@test "completion: qtables-save, qtables-restore, qtables-conntrack, qtablesd, qtables-replay" {
	run comp "$QT_RUN/qtables-save" -t r
	[ "$output" = "raw" ]
	run comp "$QT_RUN/qtables-save" --co
	[ "$output" = "--counters" ]
	run comp "$QT_RUN/qtables-restore" --no
	[ "$output" = "--noflush" ]
	run comp "$QT_RUN/qtables-restore" -T f
	[ "$output" = "filter" ]
	run comp "$QT_RUN/qtables-conntrack" --orig-
	[ "$output" = $'--orig-dst\n--orig-port-dst\n--orig-port-src\n--orig-src\n--orig-zone' ]
	run comp "$QT_BUILD/qtablesd" --state
	[ "$output" = $'--state\n--state-recover' ]
	run comp "$QT_BUILD/qtablesd" --handover-w
	[ "$output" = "--handover-wait" ]
	run comp "$QT_BUILD/qtables-replay" --h
	[ "$output" = $'--help\n--hook\n--hz' ]
	# files where a file goes
	touch "$QT_RUN/rules-a.v4"
	run comp "$QT_RUN/qtables-restore" "$QT_RUN/rules-"
	[ "$output" = "$QT_RUN/rules-a.v4" ]
	run comp "$QT_BUILD/qtablesd" --state "$QT_RUN/rules-"
	[ "$output" = "$QT_RUN/rules-a.v4" ]
}
