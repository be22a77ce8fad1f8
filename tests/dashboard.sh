#!/bin/sh
# dashboard.sh: contrib/grafana/rebound.json and contrib/prometheus/
# rebound.rules.yml are what Grafana and Prometheus load, and name only
# series reboundd exposes.  The dashboard is JSON (jq) with a query in
# every panel; the rules pass "promtool check rules", and so do the
# dashboard's queries made into recording rules (PromQL that parses);
# each alert fires when it should ("promtool test rules" on made-up
# series); and every rebound_* name in any query is in the /metrics of
# a reboundd started here on a free port.  Needs jq and promtool
# (Debian's prometheus; contrib/deps.sh test installs both).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${REBOUNDD:=$top_builddir/src/reboundd}"
for t in jq promtool perl; do
	command -v $t >/dev/null ||
	    { echo "1..0 # SKIP needs $t (contrib/deps.sh test)"; exit 77; }
done
scratch
dash=$top_srcdir/contrib/grafana/rebound.json
rules=$top_srcdir/contrib/prometheus/rebound.rules.yml

# The dashboard.
check "the dashboard is JSON" jq empty "$dash"
is "... named rebound, uid rebound" "$(jq -r '.title + " " + .uid' "$dash")" "rebound rebound"
is "every panel (rows aside) has a query" \
    "$(jq -r '.panels[] | select(.type != "row") |
        select([.targets[]?.expr // empty | select(length > 0)] | length == 0) | .title' "$dash")" ""
is "every panel asks the chosen Prometheus" \
    "$(jq -r '.panels[] | select(.type != "row") |
        select(.datasource.uid != "${datasource}" or
            ([.targets[].datasource.uid] | unique) != ["${datasource}"]) | .title' "$dash")" ""
is "panel ids are distinct" "$(jq '[.panels[].id] | length == (unique | length)' "$dash")" true
# The queries, Grafana's variables given values a Prometheus accepts.
jq -r '(.panels[].targets[]?.expr), (.templating.list[].query.query? // empty)' "$dash" |
    sed -e 's/\$__rate_interval/5m/g' -e 's/\$__range/1d/g' \
    -e 's/\$instance/.*/g' >"$tmp/dash.exprs"
for topic in 'rate(rebound_messages_total' \
    'sum by (class) (rate(rebound_recipients_total' \
    'sum by (reason) (rate(rebound_recipients_total' \
    'sum by (class, reason) (increase(rebound_recipients_total' 'class="hard"' \
    rebound_incidents_open rebound_hook_events_pending \
    rebound_hook_oldest_pending_seconds rebound_commit_seconds_total; do
	check "a panel shows $topic" grep -qF "$topic" "$tmp/dash.exprs"
done
# As recording rules, for promtool to parse (label_values() is
# Grafana's, not PromQL: its series only).
{
	echo 'groups:'
	echo '  - name: dashboard'
	echo '    rules:'
	n=0
	sed 's/^label_values(\([a-z_]*\),.*/\1/' "$tmp/dash.exprs" | while IFS= read -r e; do
		n=$((n + 1))
		printf '      - record: dashboard:query%d\n        expr: %s\n' "$n" \
		    "$(printf '%s' "$e" | jq -Rs .)"
	done
} >"$tmp/dash.rules.yml"
promtool check rules "$tmp/dash.rules.yml" >"$tmp/dash.check" 2>&1
is "promtool parses every query of the dashboard" "$?" 0 ||
    sed 's/^/# /' "$tmp/dash.check"

# The rules.
promtool check rules "$rules" >"$tmp/rules.check" 2>&1
is "promtool check rules: rebound.rules.yml" "$?" 0 || sed 's/^/# /' "$tmp/rules.check"
is "the four alerts" \
    "$(sed -n 's/^ *- alert: //p' "$rules" | sort | tr '\n' ' ')" \
    "ReboundCommitSlow ReboundHookBacklog ReboundIncidentOpened ReboundNoMessages "

# Each alert on made-up series: when it fires, and when it does not.
cat >"$tmp/alerts.test.yml" <<TEST
rule_files: ['$rules']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'rebound_incidents_open{instance="a",job="rebound"}'
        values: '0 0 1 1 1 0x30'
      - series: 'rebound_incidents_opened_total{instance="a",job="rebound"}'
        values: '0 0 1x30'
      - series: 'rebound_hook_oldest_pending_seconds{instance="a",job="rebound",hook="crm"}'
        values: '3000+60x30'
      - series: 'rebound_commit_seconds_total{instance="a",job="rebound"}'
        values: '0+0.1x20 2+3x20'
      - series: 'rebound_commits_total{instance="a",job="rebound"}'
        values: '0+1x40'
    alert_rule_test:
      - { eval_time: 1m, alertname: ReboundIncidentOpened }
      - eval_time: 3m
        alertname: ReboundIncidentOpened
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, job: rebound }
            exp_annotations:
              summary: 'rebound on a: an incident is open'
              description: 'reboundd opened an incident; outcomes it holds (rebound_outcomes_held_total) wait for a person.'
      - eval_time: 10m
        alertname: ReboundIncidentOpened
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, job: rebound }
            exp_annotations:
              summary: 'rebound on a: an incident is open'
              description: 'reboundd opened an incident; outcomes it holds (rebound_outcomes_held_total) wait for a person.'
      - { eval_time: 20m, alertname: ReboundIncidentOpened }
      - { eval_time: 12m, alertname: ReboundHookBacklog }
      - eval_time: 20m
        alertname: ReboundHookBacklog
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, job: rebound, hook: crm }
            exp_annotations:
              summary: 'rebound on a: hook crm has events older than an hour'
              description: 'The oldest pending event is 1h 10m 0s old; rebound_hook_deliveries_total by result says why.'
      - { eval_time: 20m, alertname: ReboundCommitSlow }
      - eval_time: 40m
        alertname: ReboundCommitSlow
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, job: rebound }
            exp_annotations: { summary: 'rebound on a: commits take 3s' }
  - interval: 2m
    input_series:
      - series: 'rebound_messages_total{instance="a",job="rebound",source="lmtp",kind="dsn"}'
        values: '0+1x300 300x900'
      - series: 'rebound_commits_total{instance="a",job="rebound"}'
        values: '0+1x300 300x900'
      - series: 'rebound_commits_total{instance="b",job="rebound"}'
        values: '0x1200'
    alert_rule_test:
      - eval_time: 20h
        alertname: ReboundNoMessages
        exp_alerts: []
      - eval_time: 36h
        alertname: ReboundNoMessages
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, job: rebound }
            exp_annotations: { summary: 'rebound on a: no message for a day' }
          - exp_labels: { severity: warning, instance: b, job: rebound }
            exp_annotations: { summary: 'rebound on b: no message for a day' }
TEST
promtool test rules "$tmp/alerts.test.yml" >"$tmp/alerts.out" 2>&1
is "promtool test rules: each alert fires when it should, not before" "$?" 0 ||
    sed 's/^/# /' "$tmp/alerts.out"

# Every series named is one reboundd exposes: start one and read its
# /metrics.  Names being added on other branches fail here, by name,
# until those are merged.
port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
cat >"$tmp/conf" <<CONF
[store]
path = $tmp/db
[maildir]
path = $tmp/Maildir
[metrics]
listen = $port
CONF
"$REBOUNDD" --config "$tmp/conf" --foreground 2>"$tmp/log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
metrics() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or exit 1;
		print $s "GET /metrics HTTP/1.0\r\n\r\n";
		my $r = join("", <$s>);
		exit 1 unless $r =~ m{^HTTP/1\.[01] 200 };
		print $r;' "$port" >"$tmp/metrics"
}
wait_for "reboundd answers /metrics on 127.0.0.1:$port" metrics
sed -n 's/^# TYPE \([a-zA-Z_:][a-zA-Z0-9_:]*\) .*/\1/p' "$tmp/metrics" | sort -u >"$tmp/exposed"
cat "$tmp/dash.exprs" "$rules" | grep -v '^ *#' | grep -o 'rebound_[a-z0-9_]*' |
    sort -u >"$tmp/used"
diag "series used: $(wc -l <"$tmp/used" | tr -d ' '), exposed: $(wc -l <"$tmp/exposed" | tr -d ' ')"
missing=$(comm -23 "$tmp/used" "$tmp/exposed" | tr '\n' ' ')
is "every series the dashboard and the rules name is in reboundd's /metrics" \
    "$missing" "" ||
    diag "not in /metrics (a branch that adds them not merged yet?): $missing"
unused=$(comm -13 "$tmp/used" "$tmp/exposed" | tr '\n' ' ')
[ -n "$unused" ] && diag "exposed, on no panel or alert: $unused"
done_testing
