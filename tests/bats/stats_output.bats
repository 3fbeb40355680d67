#!/usr/bin/env bats
# qtables --stats -o json and -o prometheus: the JSON valid against
# tests/schema/stats.schema.json, the text parsed by prometheus_client's
# parser, both holding the same counters, and the counters those of real
# packets (UDP on loopback of a namespace of our own, dropped at OUTPUT).

bats_require_minimum_version 1.5.0

PY=${QT_PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

setup() {
	QT_PREFIX=qtso$$-$BATS_TEST_NUMBER
	# shellcheck source=../lib/qt.sh
	source "$BATS_TEST_DIRNAME/../lib/qt.sh"
	[ -x "$QT_BUILD/qtablesd" ] || { echo "no $QT_BUILD/qtablesd (set QT_BUILD)" >&2; return 1; }
	"$PY" -c 'import jsonschema, prometheus_client' 2>/dev/null ||
		skip "python3-jsonschema or python3-prometheus-client missing"
	SCHEMA=$BATS_TEST_DIRNAME/../schema/stats.schema.json
	qt_ns fw || return 1
	FW=$QT_NS
}

teardown() {
	qt_cleanup
}

stats() { ip netns exec "$FW" "$QT_BUILD/qtables" --stats "$@"; }

@test "--stats -o json and -o prometheus: schema, parser, same values, real counts" {
	qt_daemon "$FW" --no-state --no-syslog
	qt "$FW" -A OUTPUT -o lo -p udp --dport 5001 -j LOG --log-prefix "st: "
	qt "$FW" -A OUTPUT -o lo -p udp --dport 5001 -j DROP
	local i
	for i in 1 2 3; do
		ip netns exec "$FW" bash -c 'echo x > /dev/udp/127.0.0.1/5001' || true
	done
	stats -o json > "$QT_RUN/s.json"
	stats -o prometheus > "$QT_RUN/s.prom"
	run "$PY" "$BATS_TEST_DIRNAME/check_stats.py" "$SCHEMA" "$QT_RUN/s.json" "$QT_RUN/s.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'qtables_datapath{} 1' <<<"$output"
	grep -qx 'qtables_packets_total{hook="OUTPUT",queue="0"} 3' <<<"$output"
	grep -qx 'qtables_verdicts_total{queue="0",verdict="drop"} 3' <<<"$output"
	grep -qx 'qtables_log_lines_total{place="none",result="not_written"} 0' <<<"$output"
	grep -qx 'qtables_steered_hook{hook="OUTPUT"} 1' <<<"$output"
	grep -qx 'qtables_steered_hook{hook="INPUT"} 0' <<<"$output"
	# the text stays the default
	stats | grep -q '^engine: 1 queue (0-0), fail-closed'
	stats -o text | grep -q '^engine: 1 queue (0-0), fail-closed'
}

@test "--stats: an unknown output format is refused with the formats named" {
	qt_daemon "$FW" --no-state
	run -2 stats -o xml
	[ "$output" = "qtables: --stats [-o text|json|prometheus]" ]
	run -2 stats -o
	run -2 stats json
}

@test "--stats -o prometheus without a datapath: qtables_datapath 0" {
	qt_daemon "$FW" --no-state --no-datapath
	stats -o json > "$QT_RUN/s.json"
	stats -o prometheus > "$QT_RUN/s.prom"
	run "$PY" "$BATS_TEST_DIRNAME/check_stats.py" "$SCHEMA" "$QT_RUN/s.json" "$QT_RUN/s.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'qtables_datapath{} 0' <<<"$output"
}

@test "--stats -o json/prometheus: the daemon's control and state file counters, as the text has them" {
	qt_daemon "$FW" --no-state --no-datapath
	# one refusal: a user namespace's root proves nothing to the daemon
	# (which may close before the request is all sent: the count is
	# what is checked, not how the client fared)
	ip netns exec "$FW" setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -U -r env PYTHONPATH="$QT_TOP/tests/lib" "$PY" -c '
import qtctl
s = qtctl.connect()
try:
    qtctl.send_request(s, b"#qtables 1 command iptables\n\"-S\"\n")
    qtctl.read_reply(s)
except OSError:
    pass'
	stats > "$QT_RUN/s.txt"
	stats -o json > "$QT_RUN/s.json"
	stats -o prometheus > "$QT_RUN/s.prom"
	cat "$QT_RUN/s.txt"
	run "$PY" "$BATS_TEST_DIRNAME/check_stats.py" "$SCHEMA" "$QT_RUN/s.json" "$QT_RUN/s.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	# the text's numbers: requests and refusals as the text counted them
	# (the json request is one request more than the text saw)
	local req ref
	req=$(sed -n 's/^control: \([0-9]*\) requests.*/\1/p' "$QT_RUN/s.txt")
	ref=$(sed -n 's/^control: .* \([0-9]*\) refused.*/\1/p' "$QT_RUN/s.txt")
	[ "$ref" -eq 1 ]
	grep -qx "qtables_control_requests_total{} $((req + 1))" <<<"$output"
	grep -qx 'qtables_control_turned_away_total{reason="refused"} 1' <<<"$output"
	grep -qx 'qtables_control_turned_away_total{reason="timed_out"} 0' <<<"$output"
	grep -qx 'qtables_control_turned_away_total{reason="evicted"} 0' <<<"$output"
	grep -qx 'qtables_control_turned_away_total{reason="too_large"} 0' <<<"$output"
	grep -qx 'qtables_state_file_write_failures_total{} 0' <<<"$output"
	grep -qE '^qtables_control_connections_total\{\} [1-9]' <<<"$output"
}
