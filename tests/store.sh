#!/bin/sh
# store.sh: "rebound import" and the database it writes, as an operator
# sees them with rebound and sqlite3: rows, duplicates, VERP, migration,
# a reader during a write, and what bad databases and configs get.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
scratch
data="$top_srcdir/tests/data"
q() { sqlite3 "$tmp/db" "$1"; }

# Import the samples: one outcome per row of rebound parse.
"$REBOUND" import --db "$tmp/db" "$data"/*.eml >"$tmp/out" 2>&1; rc=$?
is "import exits 0" "$rc" 0
# A row without a recipient (a complaint nobody is named for) has no
# address to record an outcome under.
want=$("$REBOUND" parse "$data"/*.eml | awk -F'\t' 'NR > 1 && $2 != "-" && $7 != ""' | wc -l)
is "one outcome per row of rebound parse" "$(q 'select count(*) from outcomes')" "$want"
is "a complaint nobody is named for: no outcome, the message kept" \
    "$(q "select count(*) from messages m where (select text from texts where id = m.kind_text) = 'arf' and not exists (select 1 from outcomes o where o.message = m.id)")" 1
check "summary names what was recorded" grep -q "recorded" "$tmp/out"
is "integrity" "$(q 'pragma integrity_check')" ok
is "WAL mode" "$(q 'pragma journal_mode')" wal
# The schema version is the number of the last sql/NNN-*.sql.
latest=$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql | wc -l | tr -d ' ')
is "schema version" "$(q 'pragma user_version')" "$latest"
# The migrations are written once for both engines (sql2c.awk): version
# 12 is the schema it always was (tests/schema/sqlite-012.sql, from a
# file migrated before), and a fresh file the one schema_sql makes, the
# way the tests below make older versions.
schema_sql sqlite 12 | sqlite3 "$tmp/golden12.db"
sqlite3 "$tmp/golden12.db" .schema >"$tmp/schema"
check "version 12: the schema it always was" \
    cmp -s "$tmp/schema" "$top_srcdir/tests/schema/sqlite-012.sql"
schema_sql sqlite | sqlite3 "$tmp/vlatest.db"
sqlite3 "$tmp/vlatest.db" .schema >"$tmp/want"
q .schema >"$tmp/schema"
check "a fresh file: the schema schema_sql makes" \
    cmp -s "$tmp/schema" "$tmp/want"
is "hard row for the Postfix sample" \
    "$(q "select reason||' '||hard||' '||status from outcomes where address='Alice.Nobody@example.org' limit 1")" \
    "userunknown 1 5.1.1"
is "complaints recorded as such, one per complainer" \
    "$(q "select distinct class from outcomes where reason='feedback'")" complaint
is "three complainers in one report, complainer@ in two: four complaints" \
    "$(q "select count(*) from outcomes where reason='feedback' and address in ('complainer@example.net', 'Second.Reader@example.net', 'third@example.net')")" 4
none=$("$REBOUND" parse "$data"/*.eml | awk -F'\t' 'NR > 1 && $2 == "-"' | wc -l)
is "not-bounce messages are recorded, with no outcome" \
    "$(q "select count(*) from messages m where (select text from texts where id = m.kind_text)='none' and not exists (select 1 from outcomes o where o.message=m.id)")" "$none"

# The same bytes again add nothing.
before=$(q 'select count(*) from messages')
"$REBOUND" import --db "$tmp/db" "$data"/*.eml >"$tmp/out" 2>&1
is "importing again adds no message" "$(q 'select count(*) from messages')" "$before"
check "importing again says so" grep -q " 0 recorded" "$tmp/out"

# VERP: the envelope recipient names the subscriber.
cat >"$tmp/verp.eml" <<'MSG'
X-Original-To: news-bounces+carol=example.com@lists.example.net
From: MAILER-DAEMON@mx.example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 02 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=B

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; carol.forwarded@example.org
Action: failed
Status: 5.1.1

--B--
MSG
"$REBOUND" import --db "$tmp/db" "$tmp/verp.eml" >/dev/null
is "VERP subscriber is the outcome's address" \
    "$(q "select address||' '||recipient from outcomes where recipient='carol.forwarded@example.org'")" \
    "carol@example.com carol.forwarded@example.org"
# The list is what its bounce address names: NAME-bounces@DOMAIN is the
# list id NAME.DOMAIN; the bounce address is kept apart.
is "VERP list: the list id the bounce address names" \
    "$(q "select (select text from texts where id = list_text)||' '||(select text from texts where id = list_address_text)||' '||(select text from texts where id = bounce_address_text) from messages where subscriber='carol@example.com'")" \
    "news.lists.example.net news@lists.example.net news-bounces@lists.example.net"
is "dated by the bounce" "$(q "select datetime(at,'unixepoch') from outcomes where address='carol@example.com'")" \
    "2026-11-02 10:00:00"
# A Status 5.1.1 alone is one strong sign (likely), not certain: the
# address waits for a second hard bounce on another day.
is "one likely hard bounce makes a suspect" \
    "$(q "select state||' '||suspect_day from addresses where address='carol@example.com'")" \
    "suspect $(( $(date -u -d '2026-11-02 10:00:00' +%s) / 86400 ))"
is "... which the prune view does not list" \
    "$(q "select count(*) from prune where address='carol@example.com'")" 0
is "... and prune --suspect does" \
    "$("$REBOUND" prune --db "$tmp/db" --suspect --format plain | grep -c '^carol@example.com$')" 1
is "the outcome keeps its confidence" \
    "$(q "select confidence from outcomes where address='carol@example.com'")" likely

# Migration from the first schema (001-schema.sql alone is version 1).
schema_sql sqlite 1 | sqlite3 "$tmp/old.db"
sqlite3 "$tmp/old.db" "pragma user_version = 1"
"$REBOUND" import --db "$tmp/old.db" "$data/postfix-user-unknown.eml" >/dev/null 2>&1; rc=$?
is "an older database is migrated" "$rc" 0
is "migrated to the latest version" "$(sqlite3 "$tmp/old.db" 'pragma user_version')" "$latest"
is "migration made the events outbox" \
    "$(sqlite3 "$tmp/old.db" "select count(*) from sqlite_master where name in ('events', 'events_pending')")" 2
is "migration rebuilt the time index" "$(sqlite3 "$tmp/old.db" "select sql like '%class, reason, address%' from sqlite_master where name='outcomes_by_time'")" 1
is "migration rebuilt the address index" "$(sqlite3 "$tmp/old.db" "select sql like '%(address, at)' from sqlite_master where name='outcomes_by_address'")" 1
is "migration added the views" "$(sqlite3 "$tmp/old.db" "select count(*) from sqlite_master where type='view'")" 3

# The counts per day (stats reads them) are the outcomes' own, kept by
# triggers whoever writes: an import, forget, expire, a hand-made row,
# and a migration of a database that already has outcomes.
counts_agree() {
	sqlite3 "$1" "create temp view counted as
	    select 'c', at / 86400, class || ' ' || reason, count(*)
	    from outcomes group by 1, 2, 3 union all
	    select 'd', at / 86400, substr(address, instr(address, '@') + 1),
	    count(*) from outcomes group by 1, 2, 3;
	    create temp view kept as
	    select 'c', day, class || ' ' || reason, n from outcomes_per_day
	    union all select 'd', day, domain, n from domains_per_day;
	    select (select count(*) from (select * from counted except
	    select * from kept)) + (select count(*) from (select * from kept
	    except select * from counted))"
}
is "per-day counts agree after an import" "$(counts_agree "$tmp/db")" 0
is "... and are there" "$(q 'select sum(n) from outcomes_per_day')" \
    "$(q 'select count(*) from outcomes')"
is "... by domain too" "$(q 'select sum(n) from domains_per_day')" \
    "$(q 'select count(*) from outcomes')"
"$REBOUND" forget --db "$tmp/db" carol@example.com >/dev/null
is "per-day counts agree after forget" "$(counts_agree "$tmp/db")" 0
"$REBOUND" expire --db "$tmp/db" --older-than 2026-01-01 >/dev/null
is "per-day counts agree after expire" "$(counts_agree "$tmp/db")" 0
q "delete from outcomes where id = (select min(id) from outcomes)"
is "per-day counts agree after a delete by hand" "$(counts_agree "$tmp/db")" 0
q "update outcomes set class = 'soft' where id = (select min(id) from outcomes)" 2>"$tmp/err"
check "an outcome is not changed in place" grep -q "not changed" "$tmp/err"
is "the removed addresses are in a partial index" \
    "$(q "explain query plan select * from prune" | grep -c addresses_removed)" 1

schema_sql sqlite 1 | sqlite3 "$tmp/v1.db"
sqlite3 "$tmp/v1.db" "pragma user_version = 1;
    insert into messages (id, digest, received, source, kind) values (1, 'x', 0, 'import', 'dsn');
    insert into outcomes (message, idx, address, at, class, reason, hard) values
    (1, 0, 'a@one.example', 86400 * 20000 + 5, 'hard', 'userunknown', 1),
    (1, 1, 'b@one.example', 86400 * 20000 + 9, 'hard', 'userunknown', 1)"
"$REBOUND" import --db "$tmp/v1.db" "$data/postfix-user-unknown.eml" >/dev/null 2>&1
is "a migration counts the outcomes already there" "$(counts_agree "$tmp/v1.db")" 0
is "... by day" "$(sqlite3 "$tmp/v1.db" "select n from outcomes_per_day where day = 20000")" 2

# 010-list-id.sql: rows recorded before it held the VERP prefix, or a
# List-Id's whole value, as their list; after it, the list id, and the
# bounce address apart.
schema_sql sqlite 9 | sqlite3 "$tmp/v9.db"
sqlite3 "$tmp/v9.db" "pragma user_version = 9;
    insert into messages (digest, received, source, envelope_to, subscriber, list, kind, list_id) values
    ('g', 0, 'lmtp', 'bounces+gone=d1.example@lists.example.org', 'gone@d1.example', 'bounces', 'dsn', 'News <news.lists.example.org>'),
    ('m', 0, 'lmtp', 'news-bounces+ann=d1.example@lists.example.org', 'ann@d1.example', 'news', 'dsn', NULL),
    ('b', 0, 'lmtp', 'bounces+bob=d1.example@lists.example.org', 'bob@d1.example', 'bounces', 'dsn', NULL),
    ('p', 0, 'lmtp', 'bounces@lists.example.org', NULL, '<Sport.Lists.Example.Org>', 'dsn', '<Sport.Lists.Example.Org>');
    insert into outcomes (message, idx, address, at, class, reason, hard)
    select id, 0, coalesce(subscriber, 'cy@d1.example'), 0, 'hard', 'userunknown', 1 from messages;
    insert into addresses (address, state, first_seen, last_seen) values ('gone@d1.example', 'dead', 0, 0)"
"$REBOUND" import --db "$tmp/v9.db" "$tmp/verp.eml" >/dev/null 2>&1
is "010: migrated" "$(sqlite3 "$tmp/v9.db" 'pragma user_version')" "$latest"
is "010: each old row's list id, list address and bounce address" \
    "$(sqlite3 "$tmp/v9.db" "select digest||' '||coalesce((select text from texts where id = list_text),'-')||' '||coalesce((select text from texts where id = list_address_text),'-')||' '||coalesce((select text from texts where id = bounce_address_text),'-') from messages where length(digest) = 1 order by digest")" \
    "b - - bounces@lists.example.org
g news.lists.example.org - bounces@lists.example.org
m news.lists.example.org news@lists.example.org news-bounces@lists.example.org
p sport.lists.example.org - bounces@lists.example.org"
listed() {
	"$REBOUND" list --db "$tmp/v9.db" --format plain --list "$1" |
	    cut -f2 | sort | tr '\n' ' '
}
is "010: --list by list id" "$(listed news.lists.example.org)" \
    "ann@d1.example gone@d1.example "
is "010: --list by the list's address, any case" \
    "$(listed News@Lists.Example.org)" "ann@d1.example gone@d1.example "
is "010: --list by a List-Id's value" "$(listed '<sport.lists.example.org>')" \
    "cy@d1.example "
is "010: a generic bounce address is no list" "$(listed bounces)" ""
"$REBOUND" show --db "$tmp/v9.db" --format json gone@d1.example >"$tmp/show"
check "010: show says the list and the bounce address apart" grep -q \
    '"list":"news.lists.example.org","bounce_address":"bounces@lists.example.org"' "$tmp/show"

# 012-node.sql: each outcome records the node that took it, [store] node
# or the host name; rows from before it have none, shown empty.
is "012: an import records the host name as its node" \
    "$(q "select distinct coalesce(node, '-') from outcomes")" "$(uname -n)"
schema_sql sqlite 11 | sqlite3 "$tmp/v11.db"
sqlite3 "$tmp/v11.db" "pragma user_version = 11;
    insert into messages (id, digest, received, source, kind) values (1, 'o', 0, 'import', 'dsn');
    insert into outcomes (message, idx, address, at, class, reason, hard) values
    (1, 0, 'Alice.Nobody@example.org', 86400 * 20000, 'hard', 'userunknown', 1)"
printf '[store]\nnode = mx2.example\n' >"$tmp/node.conf"
"$REBOUND" import --config "$tmp/node.conf" --db "$tmp/v11.db" \
    "$data/postfix-user-unknown.eml" >/dev/null 2>&1
is "012: migrated from version 11" "$(sqlite3 "$tmp/v11.db" 'pragma user_version')" "$latest"
is "012: the old outcome has no node, the new one [store] node's" \
    "$(sqlite3 "$tmp/v11.db" "select coalesce(node, '-') from outcomes order by id")" \
    "-
mx2.example"
"$REBOUND" list --db "$tmp/v11.db" --format csv | tr -d '\r' | sed 's/.*,//; s/^$/(empty)/' >"$tmp/list"
is "012: list --format csv: a node column last, empty for the old outcome" \
    "$(cat "$tmp/list")" '"node"
"mx2.example"
(empty)'
"$REBOUND" list --db "$tmp/v11.db" --format json >"$tmp/list"
check "012: list --format json: the node" grep -q '"node":"mx2.example"}' "$tmp/list"
check "012: list --format json: null for the old outcome" grep -q '"node":null}' "$tmp/list"
is "012: list's plain lines as before, without the node" \
    "$("$REBOUND" list --db "$tmp/v11.db" --format plain | awk -F'\t' '{ print NF }' | sort -u)" 9
"$REBOUND" show --db "$tmp/v11.db" --format plain Alice.Nobody@example.org >"$tmp/show"
is "012: show's history ends with each outcome's node" \
    "$(grep '^20' "$tmp/show" | awk -F'\t' '{ print $1 " " $NF }')" \
    "2026-03-10 09:14:27 mx2.example
2024-10-04 00:00:00 "
"$REBOUND" show --db "$tmp/v11.db" --format json Alice.Nobody@example.org >"$tmp/show"
check "012: show --format json: each outcome's node" sh -c \
    "grep -q '\"node\":\"mx2.example\"}' '$tmp/show' && grep -q '\"node\":null}' '$tmp/show'"

# 013-leased-by.sql: each hook delivery names the node that leased or
# last tried it; rows from before it have none, shown empty.
schema_sql sqlite 12 | sqlite3 "$tmp/v12.db"
sqlite3 "$tmp/v12.db" "pragma user_version = 12;
    insert into events (id, type, time, address) values (7, 'address.dead', 0, 'gone@d1.example');
    insert into hook_deliveries (hook, event, address, state, queued, attempts, next_try, last_error)
    values ('web', 7, 'gone@d1.example', 'failed', 0, 1, 0, 'HTTP 400'),
    ('mm', 7, 'gone@d1.example', 'pending', 0, 0, 0, NULL)"
"$REBOUND" import --db "$tmp/v12.db" "$data/postfix-user-unknown.eml" >/dev/null 2>&1
is "013: migrated from version 12" "$(sqlite3 "$tmp/v12.db" 'pragma user_version')" "$latest"
is "013: the old deliveries are kept, leased by none" \
    "$(sqlite3 "$tmp/v12.db" "select hook || ' ' || state || ' ' || coalesce(leased_by, '-') from hook_deliveries order by hook")" \
    "mm pending -
web failed -"
"$REBOUND" events --failed --db "$tmp/v12.db" --format csv | tr -d '\r' >"$tmp/failed"
is "013: events --failed --format csv: a node column last, empty" \
    "$(sed 's/.*,//; s/^$/(empty)/' "$tmp/failed")" '"node"
(empty)'
is "013: events --pending: the queued one, its next try, no node" \
    "$("$REBOUND" events --pending --db "$tmp/v12.db" --format plain | cut -f1,2,8,10)" \
    "7	mm	1970-01-01 00:00:00	"

# 014-texts.sql: texts kept once, a diagnostic or evidence that names
# its recipient as a template.  Every sample recorded by this build,
# then the same rows as version 13 held them, migrated: what list and
# show print is the same bytes, and the texts are shared.
"$REBOUND" import --db "$tmp/t14.db" "$data"/*.eml "$data"/mta/*/* >/dev/null 2>&1
schema_sql sqlite 13 | sqlite3 "$tmp/v13.db"
sqlite3 "$tmp/v13.db" "pragma user_version = 13;
    attach '$tmp/t14.db' as n;
    insert into incidents select * from n.incidents;
    create temp view x as select id, text from n.texts;
    insert into messages select m.id, lower(hex(digest)), received,
	(select text from x where id = source_text), (select text from x where id = envelope_to_text),
	subscriber, (select text from x where id = list_text), (select text from x where id = kind_text),
	(select text from x where id = subject_text), (select text from x where id = sender_text),
	returned_id, (select text from x where id = returned_subject_text),
	(select text from x where id = list_id_text), (select text from x where id = reporting_mta_text),
	arrival_date, (select text from x where id = bounce_address_text),
	(select text from x where id = list_address_text) from n.messages m;
    insert into outcomes select o.id, message, idx, address, coalesce(recipient, address), original,
	at, class, reason, hard, (select text from x where id = action_text), status, replycode,
	(select case when diagnostic_text % 2 = 1 then replace(text, char(1), coalesce(recipient, address)) else text end from x where id = diagnostic_text / 2),
	(select text from x where id = remote_mta_text),
	(select case when decided_text % 2 = 1 then replace(text, char(1), coalesce(recipient, address)) else text end from x where id = decided_text / 2),
	confidence, (select text from x where id = provider_text), incident, probe, node from n.outcomes o;
    insert into addresses select * from n.addresses"
sqlite3 "$tmp/v13.db" 'select count(*) from outcomes where diagnostic is not null' >"$tmp/v13.diag"
# An import of a message recorded already migrates and adds nothing.
"$REBOUND" import --db "$tmp/v13.db" "$data/postfix-user-unknown.eml" >/dev/null 2>&1
is "014: migrated from version 13" "$(sqlite3 "$tmp/v13.db" 'pragma user_version')" "$latest"
is "014: integrity" "$(sqlite3 "$tmp/v13.db" 'pragma integrity_check')" ok
is "014: no diagnostic lost" "$(sqlite3 "$tmp/v13.db" 'select count(*) from outcomes where diagnostic_text is not null')" "$(cat "$tmp/v13.diag")"
check "014: some diagnostics kept as templates" test \
    "$(sqlite3 "$tmp/v13.db" 'select count(*) from outcomes where diagnostic_text % 2 = 1')" -gt 10
# same_bytes N CMD NEW OLD: "rebound CMD" in each format prints the
# same bytes on the database this build wrote and on the migrated one.
same_bytes() {
	for f in json csv plain; do
		"$REBOUND" $2 --db "$3" --format $f >"$tmp/$2.new"
		"$REBOUND" $2 --db "$4" --format $f >"$tmp/$2.old"
		check "$1: $2 --format $f the same bytes after the migration" \
		    cmp -s "$tmp/$2.new" "$tmp/$2.old"
	done
}
# shows DB: show of every address of DB, in JSON.
shows() {
	sqlite3 "$1" 'select distinct address from outcomes order by address' |
	while read -r a; do
		"$REBOUND" show --db "$1" --format json "$a"
	done
}
same_bytes 014 list "$tmp/t14.db" "$tmp/v13.db"
shows "$tmp/t14.db" >"$tmp/show.new"
shows "$tmp/v13.db" >"$tmp/show.old"
check "014: show of every address the same bytes after the migration" \
    cmp -s "$tmp/show.new" "$tmp/show.old"
is "014: the samples' texts kept once" \
    "$(sqlite3 "$tmp/t14.db" 'select count(*) - count(distinct text) from texts')" 0
# 015-digest-bytes.sql: a message's digest is its 32 bytes, not 64 hex
# characters, and an outcome's provider an id of texts.  The same rows
# as version 14 held them, migrated: list, show, events and the history
# view print the same bytes, and an import of a message recorded before
# the migration still finds it.
schema_sql sqlite 14 | sqlite3 "$tmp/v14.db"
sqlite3 "$tmp/v14.db" "pragma user_version = 14;
    attach '$tmp/t14.db' as n;
    insert into texts select * from n.texts;
    insert into incidents select * from n.incidents;
    insert into messages select * from n.messages;
    update messages set digest = lower(hex(digest));
    insert into outcomes select id, message, idx, address, recipient, original,
	at, class, reason, hard, status, replycode, confidence,
	(select text from n.texts where id = provider_text), incident, probe,
	node, action_text, diagnostic_text, decided_text, remote_mta_text
	from n.outcomes;
    insert into addresses select * from n.addresses;
    insert into events select * from n.events;
    insert into events_pending select * from n.events_pending;
    update events set digest = lower(hex(digest)) where digest is not null;
    update events_pending set digest = lower(hex(digest)) where digest is not null"
"$REBOUND" import --db "$tmp/v14.db" "$data/postfix-user-unknown.eml" >"$tmp/out" 2>&1
is "015: migrated from version 14" "$(sqlite3 "$tmp/v14.db" 'pragma user_version')" "$latest"
check "015: a message recorded before is found by its digest" grep -q " 0 recorded" "$tmp/out"
is "015: integrity" "$(sqlite3 "$tmp/v14.db" 'pragma integrity_check')" ok
is "015: every digest 32 bytes" \
    "$(sqlite3 "$tmp/v14.db" "select count(*) from messages where typeof(digest) <> 'blob' or length(digest) <> 32")" 0
is "015: every event's digest too" \
    "$(sqlite3 "$tmp/v14.db" "select count(*) from events where typeof(digest) not in ('blob', 'null') or length(digest) <> 32")" 0
is "015: the history view's digests as before" \
    "$(sqlite3 "$tmp/v14.db" 'select digest from history order by digest' | md5sum)" \
    "$(sqlite3 "$tmp/t14.db" 'select digest from history order by digest' | md5sum)"
same_bytes 015 list "$tmp/t14.db" "$tmp/v14.db"
same_bytes 015 events "$tmp/t14.db" "$tmp/v14.db"
shows "$tmp/v14.db" >"$tmp/show.old"
check "015: show of every address the same bytes after the migration" \
    cmp -s "$tmp/show.new" "$tmp/show.old"
sqlite3 "$tmp/v14.db" "insert into events (type, time) values ('incident.opened', 0)"
"$REBOUND" events --db "$tmp/v14.db" --format json | tail -1 >"$tmp/events.old"
check "015: an event of no message: its digest null, as before" \
    grep -q '"incident.opened",.*"digest":null' "$tmp/events.old"
providers="select o.id || ' ' || t.text from outcomes o join texts t on t.id = o.provider_text order by o.id"
check "015: some outcomes name their provider" test \
    "$(sqlite3 "$tmp/t14.db" "$providers" | wc -l)" -gt 5
is "015: each outcome's provider as before" \
    "$(sqlite3 "$tmp/v14.db" "$providers")" "$(sqlite3 "$tmp/t14.db" "$providers")"
check "015: the samples' events name their message" test \
    "$(sqlite3 "$tmp/t14.db" 'select count(*) from events e join messages m on m.digest = e.digest')" -gt 0

is "014: forget leaves no text that names the address" \
    "$("$REBOUND" forget --db "$tmp/t14.db" Alice.Nobody@example.org >/dev/null; sqlite3 "$tmp/t14.db" "select count(*) from texts where text like '%alice.nobody@example.org%'")" 0

# A newer database is refused and left alone.
sqlite3 "$tmp/new.db" "create table t(x); pragma user_version = 99"
"$REBOUND" import --db "$tmp/new.db" "$data" >/dev/null 2>"$tmp/err"; rc=$?
is "newer database: exit 3" "$rc" 3
check "newer database: says so" grep -q "version 99 is newer" "$tmp/err"
is "newer database: untouched" "$(sqlite3 "$tmp/new.db" 'pragma user_version')" 99

# A corrupt file: clear error, never overwritten.
head -c 8192 /dev/urandom >"$tmp/corrupt.db"
sum=$(cksum <"$tmp/corrupt.db")
"$REBOUND" import --db "$tmp/corrupt.db" "$data" >/dev/null 2>"$tmp/err"; rc=$?
is "corrupt database: exit 3" "$rc" 3
check "corrupt database: named" grep -q "corrupt.db" "$tmp/err"
is "corrupt database: not overwritten" "$(cksum <"$tmp/corrupt.db")" "$sum"

# A database in a directory that does not exist.
"$REBOUND" import --db "$tmp/nowhere/x.db" "$data" >/dev/null 2>"$tmp/err"; rc=$?
is "missing directory: exit 3" "$rc" 3
check "missing directory: named" grep -q "directory $tmp/nowhere does not exist" "$tmp/err"

# A bad config key: file, line and key.
printf '[store]\npath = %s\n\n[policy]\nsoft_treshold = 3\n' "$tmp/db" >"$tmp/bad.conf"
"$REBOUND" import --config "$tmp/bad.conf" "$data" >/dev/null 2>"$tmp/err"; rc=$?
is "bad config key: exit 3" "$rc" 3
check "bad config key: file, line and key" \
    grep -q "bad.conf:5: \[policy\] soft_treshold: unknown key" "$tmp/err"

# A reader during a write (WAL): a write transaction that deleted every
# outcome holds the write lock; a reader meanwhile still reads the last
# committed state, at once.
count=$(q 'select count(*) from outcomes')
lock_db "$tmp/db" 'begin immediate; delete from outcomes' rollback
is "reader sees committed rows while a write is open" "$(q 'select count(*) from outcomes')" "$count"
if sqlite3 "$tmp/db" "pragma busy_timeout = 0; begin immediate; rollback" >/dev/null 2>&1; then
	not_ok "meanwhile the write lock is held (a second writer got it)"
else
	ok "meanwhile the write lock is held (a second writer is refused)"
fi
unlock_db
is "the uncommitted write is gone" "$(q 'select count(*) from outcomes')" "$count"

done_testing
