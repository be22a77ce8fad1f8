/*
 * test_conf.c: rebound.conf parsing, policy values and VERP decoding.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "policy.h"
#include "provider.h"
#include "revent.h"
#include "store.h"
#include "verp.h"
#include "vocab.h"

static char *
write_conf(const char *text)
{
	char *path = NULL;
	int fd = g_file_open_tmp("rebound-conf-XXXXXX", &path, NULL);

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void
test_defaults_and_overrides(void)
{
	g_autofree char *path = write_conf("# comment\n[store]\n"
	    "path = /tmp/x.db\nsynchronous = normal\nnode = mx2.example\n"
	    "\n[policy]\n"
	    "soft_threshold = 3\nsoft_window = 10d\n[verp]\ndelimiter = -\n"
	    "[limits]\nrecipients = 50\nheader_bytes = 4096\n");
	g_autoptr(GError) error = NULL;
	struct conf c;

	conf_defaults(&c);
	g_assert_cmpint(c.policy.hard_threshold, ==, 1);
	g_assert_cmpstr(c.store.node, ==, g_get_host_name());
	g_assert_true(conf_load(&c, path, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(c.store.path, ==, "/tmp/x.db");
	g_assert_cmpint(c.store.sync_full, ==, 0);
	g_assert_cmpstr(c.store.node, ==, "mx2.example");
	g_assert_cmpint(c.policy.soft_threshold, ==, 3);
	g_assert_cmpint(c.policy.soft_window, ==, 10);
	g_assert_cmpint(c.policy.soft_stale, ==, 7);
	g_assert_cmpint(c.verp.delimiter, ==, '-');
	g_assert_null(c.maildir.done);
	g_assert_cmpint(c.lmtp.reply_timeout, ==, 60);
	g_assert_cmpint(c.lmtp.data_timeout, ==, 600);
	g_assert_cmpuint(c.lmtp.max_buffered, ==, 256 * 1024 * 1024);
	g_assert_cmpint(c.maildir.max_size, ==, 10 * 1024 * 1024);
	g_assert_cmpuint(c.limits.recipients, ==, 50);
	g_assert_cmpuint(c.limits.header_bytes, ==, 4096);
	g_assert_cmpuint(c.limits.parts, ==, 1000);
	g_assert_cmpuint(c.limits.depth, ==, 100);
	g_assert_cmpint(c.intake.dating, ==, DATING_BOUNCE);
	g_assert_cmpint(c.policy.guard.late, ==, 7 * 3600);
	conf_clear(&c);
	g_unlink(path);
}

/* [intake] dating: its three values; [guard] late, a duration. */
static void
test_dating(void)
{
	static const struct { const char *value; enum conf_dating want; }
	    cases[] = {
		{ "bounce", DATING_BOUNCE },
		{ "arrival", DATING_ARRIVAL },
		{ "date", DATING_DATE },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf("[intake]\ndating = %s\n"
		    "[guard]\nlate = 2h\n", cases[i].value);
		g_autofree char *path = write_conf(text);
		g_autoptr(GError) error = NULL;
		struct conf c;

		conf_defaults(&c);
		g_assert_true(conf_load(&c, path, &error));
		g_assert_cmpint(c.intake.dating, ==, cases[i].want);
		g_assert_cmpint(c.policy.guard.late, ==, 7200);
		conf_clear(&c);
		g_unlink(path);
	}
}

/*
 * [guard] late is the baseline period with [intake] dating = date (an
 * archive's order says nothing of its times), unless the file sets it.
 */
static void
test_late_settled(void)
{
	static const struct { const char *text; gint64 want; } cases[] = {
		{ "[intake]\ndating = bounce\n", 7 * 3600 },
		{ "[intake]\ndating = arrival\n", 7 * 3600 },
		{ "[intake]\ndating = date\n", 30 * 86400 },
		{ "[intake]\ndating = date\n[guard]\nbaseline = 60d\n",
		    60 * 86400 },
		{ "[guard]\nlate = 3h\n[intake]\ndating = date\n", 3 * 3600 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = write_conf(cases[i].text);
		g_autoptr(GError) error = NULL;
		struct conf c;

		conf_defaults(&c);
		g_assert_true(conf_load(&c, path, &error));
		conf_settle(&c);
		g_assert_cmpint(c.policy.guard.late, ==, cases[i].want);
		conf_clear(&c);
		g_unlink(path);
	}
}

/* [lmtp] max_buffered takes bytes past 4 GiB; data_timeout seconds. */
static void
test_lmtp_limits(void)
{
	g_autofree char *path = write_conf("[lmtp]\nmax_buffered = 8589934592\n"
	    "data_timeout = 2\n");
	g_autoptr(GError) error = NULL;
	struct conf c;

	conf_defaults(&c);
	g_assert_true(conf_load(&c, path, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(c.lmtp.max_buffered, ==,
	    G_GUINT64_CONSTANT(8589934592));
	g_assert_cmpint(c.lmtp.data_timeout, ==, 2);
	conf_clear(&c);
	g_unlink(path);
}

/* [maildir] done: cur, delete, or a folder; the last one given wins. */
static void
test_maildir_done(void)
{
	g_autofree char *path = write_conf("[maildir]\ndone = .Processed\n");
	g_autofree char *path2 = write_conf("[maildir]\ndone = delete\n");
	g_autoptr(GError) error = NULL;
	struct conf c;

	conf_defaults(&c);
	g_assert_true(conf_load(&c, path, &error));
	g_assert_cmpstr(c.maildir.done, ==, ".Processed");
	g_assert_false(c.maildir.delete);
	g_assert_true(conf_load(&c, path2, &error));
	g_assert_null(c.maildir.done);
	g_assert_true(c.maildir.delete);
	conf_clear(&c);
	g_unlink(path);
	g_unlink(path2);
}

/* Bad keys and values are refused with the file, the line and the key. */
static void
test_refusals(void)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "[store]\npath = x\nsynchronus = full\n", ":3: [store] synchronus: unknown key" },
		{ "[stor]\npath = x\n", ":1: [stor]: unknown group" },
		{ "[limits]\nmime_depth = 5000\n", ":2: [limits] mime_depth: '5000' is not a number from 1 to 1000" },
		{ "[policy]\n\nsoft_window = soon\n", ":3: [policy] soft_window: policy soft_window: 'soon' is not a number of days" },
		{ "[store]\nsynchronous = sometimes\n", ":2: [store] synchronous: 'sometimes' is not full or normal" },
		{ "[store]\nbatch = 0\n", ":2: [store] batch: '0' is not a number from 1" },
		{ "[store]\nnode = mx 2\n", ":2: [store] node: want a name of 1 to 255 printable characters, no space, not 'mx 2'" },
		{ "[intake]\ndating = sent\n", ":2: [intake] dating: 'sent' is not bounce, arrival or date" },
		{ "[guard]\nlate = soon\n", ":2: [guard] late: guard late: 'soon' is not a duration" },
		{ "[maildir]\ndone = ../elsewhere\n", ":2: [maildir] done: not cur, delete or a folder: '../elsewhere' is not a folder name" },
		{ "[lmtp]\nreply_timeout = 0\n", ":2: [lmtp] reply_timeout: '0' is not a number from 1" },
		{ "[maildir]\nmax_message_size = 1000\n", ":2: [maildir] max_message_size: '1000' is not a number from 1024" },
		{ "[lmtp]\ndata_timeout = 0\n", ":2: [lmtp] data_timeout: '0' is not a number from 1 to 86400" },
		{ "[lmtp]\ndata_timeout = 10m\n", ":2: [lmtp] data_timeout: '10m' is not a number" },
		{ "[lmtp]\nmax_buffered = 256M\n", ":2: [lmtp] max_buffered: '256M' is not a number of bytes from 1024 to " },
		{ "[lmtp]\nmax_buffered = 1023\n", ":2: [lmtp] max_buffered: '1023' is not a number of bytes" },
		{ "[lmtp]\nmax_buffered = -1\n", ":2: [lmtp] max_buffered: '-1' is not a number of bytes" },
		{ "[lmtp]\nmax_buffered = 99999999999999999999\n", ":2: [lmtp] max_buffered: '99999999999999999999' is not" },
		{ "[store]\npath = a\\zb\n", ":2: [store] path: Key file contains" },
		{ "[daemon]\nuser = \xff\xfe\n", ":2: [daemon] user: Key file contains" },
		{ "[lmtp]\nlisten = unix:/a, localhost\n", ":2: [lmtp] listen: 'localhost' is neither" },
		/* A list manager never gets a suspect address, nor "all". */
		{ "[hook m]\nkind = mailman3\ntypes = address.dead,address.suspect\n", ":3: [hook m] types: a mailman3 hook acts on address.dead,address.complained only, not on address.suspect" },
		{ "[hook l]\nkind = listmonk\ntypes = all\n", ":3: [hook l] types: a listmonk hook acts on address.dead,address.complained only, not on all" },
		{ "[hook w]\nkind = webhook\ntypes = hook.paused,address.gone\n", ":3: [hook w] types: 'address.gone' is not an event type (address.dead, " },
		{ "[hook w]\nkind = webhook\nmax_actions_per_hour = -1\n", ":3: [hook w] max_actions_per_hour: '-1' is not a number from 0 (no limit) to 1000000" },
		/* [hook NAME] and [webhook NAME]: one reader, the key named. */
		{ "[hook a b]\nkind = webhook\n", ":1: [hook a b]: 'a b' is not a hook name" },
		{ "[hook x]\nurl = http://a\n", ":0: [hook x] kind: missing (webhook, mailman3 or listmonk)" },
		{ "[hook x]\nkind = webhook\nurl = http://a\nsecret = s\nbogus = 1\n", ":5: [hook x] bogus: unknown key" },
		{ "[hook x]\nkind = webhook\nurl = http://a\n", ":1: [hook x]: secret: missing (a webhook hook needs one)" },
		{ "[hook x]\nkind = webhook\nurl = http://a\nsecret = s\n[hook x ]\nkind = webhook\nurl = http://a\nsecret = s\n", ":5: [hook x ]: hook x twice" },
		{ "[webhook m]\npath = /m\n", ":0: [webhook m] kind: missing (mailgun, postmark, sparkpost, sendgrid or ses)" },
		/*
		 * SES's lists are read after the group, each of their lines:
		 * the key and the bad item named (the line, the key's first).
		 */
		{ "[webhook s]\nkind = ses\npath = /s\ntopic_arn = arn:aws:sns:us-east-1:1:t\ntopic_arn = nope\n", ":4: [webhook s] topic_arn: 'nope' is not an SNS topic's ARN" },
		{ "[webhook s]\nkind = ses\npath = /s\n", ":1: [webhook s]: topic_arn: missing (a ses webhook needs one)" },
		{ "[webhook m]\nkind = mailgun\npath = /m\nsigning_key = k\nzzz = 1\n", ":5: [webhook m] zzz: unknown key" },
		{ "[webhook m]\nkind = mailgun\npath = /m\nsigning_key =\n", ":4: [webhook m] signing_key: empty" },
		{ "[webhook m]\nkind = mailgun\npath = /m\nsigning_key = k\n[webhook n]\nkind = mailgun\npath = /m\nsigning_key = k\n", ":5: [webhook n]: path: another webhook has it" },
		{ "[webhook m]\nkind = postmark\npath = /m\nuser = \xff\n", ":4: [webhook m] user: Key file contains" },
		/* A probe nobody can answer, or anyone could, is refused. */
		{ "[probe]\nrelay = smtp://127.0.0.1:25\naddress = b+probe-{token}@l.example\nfrom = l@l.example\n", "[probe] relay is set but not secret" },
		{ "[probe]\nrelay = smtp://127.0.0.1:25\nsecret = 0123456789abcdef\naddress = bounces@l.example\nfrom = l@l.example\n", "[probe] relay is set but not address" },
		{ "[probe]\nrelay = smtp://127.0.0.1:25\nsecret = 0123456789abcdef\naddress = b+probe-{token}@l.example\n", "[probe] relay is set but not from" },
		{ "[probe]\nwhen = sometimes\n", ":2: [probe] when: 'sometimes' is not never, doubtful or always" },
		/* A comment after a URL is not taken as its fragment. */
		{ "[probe]\nrelay = smtp://127.0.0.1:25  # the relay\n", ":2: [probe] relay: 'smtp://127.0.0.1:25  # the relay': a URL has no blanks" },
		{ "[probe]\nrelay = http://127.0.0.1:25\n", ":2: [probe] relay: 'http://127.0.0.1:25' is not an smtp:// or smtps:// URL" },
		{ "[hook h]\nkind = webhook\nurl = http://127.0.0.1:8001/3.1  # REST\n", ":3: [hook h] url: 'http://127.0.0.1:8001/3.1  # REST': a URL has no blanks" },
		{ "[probe]\nwait = 0\n", ":2: [probe] wait: '0' is not a duration" },
		{ "[probe]\nmax_per_hour = 0\n", ":2: [probe] max_per_hour: '0' is not a number from 1" },
		{ "not an ini file\n", "" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = write_conf(cases[i].text);
		g_autoptr(GError) error = NULL;
		struct conf c;

		conf_defaults(&c);
		g_assert_false(conf_load(&c, path, &error));
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_true(g_str_has_prefix(error->message, path));
		g_assert_nonnull(strstr(error->message, cases[i].want));
		conf_clear(&c);
		g_unlink(path);
	}
}

/*
 * [guard] providers: the site's lines, in providers.tab's format, come
 * before its lines; a bad line is refused with its file and line, and
 * the running table stays.
 */
static void
test_guard_providers(void)
{
	g_autofree char *tab = write_conf("# our domains are at Google\n"
	    "corp.example\tgoogle.com\n\n  Shop.Example   google.com  # too\n"
	    "gmail.com mail.example\n");
	g_autofree char *bad = write_conf("corp.example google.com\n"
	    "lost.example\n");
	g_autofree char *text = g_strdup_printf("[guard]\nproviders = %s\n",
	    tab);
	g_autofree char *path = write_conf(text);
	g_autofree char *text2 = g_strdup_printf("[guard]\nproviders = %s\n",
	    bad);
	g_autofree char *path2 = write_conf(text2);
	g_autoptr(GError) error = NULL;
	struct conf c;

	g_assert_null(provider_of_domain("corp.example"));
	conf_defaults(&c);
	g_assert_true(conf_load(&c, path, &error));
	provider_use(c.guard.providers);
	conf_clear(&c);
	g_assert_cmpstr(provider_of_domain("corp.example"), ==, "google.com");
	g_assert_cmpstr(provider_of_domain("shop.example"), ==, "google.com");
	g_assert_cmpstr(provider_of_domain("gmail.com"), ==, "mail.example");
	g_assert_cmpstr(provider_of_domain("hotmail.com"), ==, "outlook.com");

	conf_defaults(&c);
	g_assert_false(conf_load(&c, path2, &error));
	g_test_message("%s", error->message);
	g_assert_true(g_str_has_prefix(error->message, path2));
	g_assert_nonnull(strstr(error->message, ":2: [guard] providers: "));
	g_assert_nonnull(strstr(error->message, ":2: not \"DOMAIN PROVIDER\""));
	conf_clear(&c);
	g_assert_cmpstr(provider_of_domain("corp.example"), ==, "google.com");

	provider_use(NULL);
	g_assert_null(provider_of_domain("corp.example"));
	g_assert_cmpstr(provider_of_domain("gmail.com"), ==, "google.com");
	g_unlink(tab);
	g_unlink(bad);
	g_unlink(path);
	g_unlink(path2);
}

/* [hook NAME]: each kind's defaults, durations, several hooks. */
static void
test_hooks(void)
{
	g_autofree char *path = write_conf("[hooks]\nmax_age = 5m\n"
	    "timeout = 1h\nlease = 2m\n[hook web]\nkind = webhook\n"
	    "url = https://example.org/h\nsecret = s\n[hook mm]\n"
	    "kind = mailman3\nurl = http://127.0.0.1:8001/3.1\nuser = u\n"
	    "password = p\naction = disable\ndry_run = yes\n[hook lm]\n"
	    "kind = listmonk\nurl = http://h/\nuser = u\npassword = p\n"
	    "types = address.dead\nmax_actions_per_hour = 0\n");
	g_autoptr(GError) error = NULL;
	struct conf_hook *h;
	struct conf c;

	conf_defaults(&c);
	g_assert_cmpint(c.hooks.max_age, ==, 3 * 86400);
	g_assert_cmpint(c.hooks.connect_timeout, ==, 10);
	g_assert_cmpint(c.hooks.lease, ==, 60);
	g_assert_true(conf_load(&c, path, &error));
	g_assert_no_error(error);
	g_assert_cmpint(c.hooks.max_age, ==, 300);
	g_assert_cmpint(c.hooks.timeout, ==, 3600);
	g_assert_cmpint(c.hooks.lease, ==, 120);
	g_assert_cmpuint(c.hooks.list->len, ==, 3);
	h = c.hooks.list->pdata[0];
	g_assert_cmpstr(h->name, ==, "web");
	g_assert_null(h->types);	/* a webhook: every type */
	h = c.hooks.list->pdata[1];
	g_assert_cmpint(h->kind, ==, CONF_HOOK_MAILMAN3);
	g_assert_cmpint(h->action, ==, CONF_HOOK_DISABLE);
	g_assert_true(h->dry_run);
	g_assert_cmpint(h->max_actions, ==, 100);
	h = c.hooks.list->pdata[2];
	g_assert_cmpint(h->max_actions, ==, 0);
	conf_clear(&c);
	g_unlink(path);
}

static void
test_verp(void)
{
	static const struct { const char *env, *sub, *bounce; } cases[] = {
		{ "list-bounces+alice=example.org@lists.example.net",
		  "alice@example.org", "list-bounces@lists.example.net" },
		{ "<news+bob=Mail.Example.COM@example.net>", "bob@mail.example.com",
		  "news@example.net" },
		{ "bounces+a=b=example.org@x.example", "a=b@example.org",
		  "bounces@x.example" },
		{ "bounces@lists.example.net", NULL, NULL },
		{ "bounces+nodomain@lists.example.net", NULL, NULL },
		{ "bounces+nosuchuser=localhost@bounces.test", "nosuchuser@localhost",
		  "bounces@bounces.test" },
		{ "bounces+a=b_c@lists.example.net", NULL, NULL },
		{ "+alice=example.org@x.example", NULL, NULL },
		/* A VERP that decodes to the list itself names no subscriber. */
		{ "list-bounces+list=lists.example.net@lists.example.net",
		  NULL, NULL },
		{ "news-bounces+news-bounces=example.net@example.net", NULL, NULL },
		{ "news-bounces+News=Example.NET@example.net", NULL, NULL },
		{ "list-bounces+list=other.example@lists.example.net",
		  "list@other.example", "list-bounces@lists.example.net" },
		{ "bounces+gone=D1.Example@Lists.Example.ORG",
		  "gone@d1.example", "bounces@lists.example.org" },
		/* The list that a -owner bounce address names, itself. */
		{ "news-owner+news=lists.example.org@lists.example.org",
		  NULL, NULL },
		{ NULL, NULL, NULL },
	};
	struct verp v;
	size_t i;

	verp_defaults(&v);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *sub = NULL, *bounce = NULL;

		verp_decode(&v, cases[i].env, &sub, &bounce);
		g_assert_cmpstr(sub, ==, cases[i].sub);
		if (sub != NULL)
			g_assert_cmpstr(bounce, ==, cases[i].bounce);
	}
}

/* The soft policy, day by day (the shell test replays real messages). */
static void
test_policy_days(void)
{
	static const struct { const char *days; const char *state; } cases[] = {
		{ "1 2 3 4", "alive" },
		{ "1 2 3 4 5", "dead" },
		{ "1 1 1 1 1 1", "alive" },
		{ "1 2 3 4 13", "alive" },		/* 9 quiet days: reset */
		{ "1 3 9 15 21", "dead" },		/* gaps of 6: no reset */
		{ "1 7 13 19 25 31 37", "dead" },	/* 5 within 30 days */
		{ "1 8 15 22 29", "dead" },
		{ "1 2 3 D 4 5", "alive" },		/* a delivery resets */
	};
	struct policy p;
	size_t i;

	policy_defaults(&p);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(GStrv) days = g_strsplit(cases[i].days, " ", 0);
		struct policy_state s;
		guint j;

		policy_state_init(&s, NULL);
		for (j = 0; days[j] != NULL; j++) {
			if (strcmp(days[j], "D") == 0)
				policy_apply(&p, &s, "delivered", "delivered",
				    CONFIDENCE_CERTAIN, 100 * 86400);
			else
				policy_apply(&p, &s, "soft", "mailboxfull",
				    CONFIDENCE_LIKELY,
				    (gint64)(100 + atoi(days[j])) * 86400);
		}
		if (strcmp(policy_state_name(s.state), cases[i].state) != 0)
			g_test_message("days %s: got %s want %s", cases[i].days,
			    policy_state_name(s.state), cases[i].state);
		g_assert_cmpstr(policy_state_name(s.state), ==, cases[i].state);
		policy_state_clear(&s);
	}
}

static void
test_policy_kinds(void)
{
	struct policy p;
	struct policy_state s;
	int i;

	policy_defaults(&p);
	policy_state_init(&s, NULL);
	for (i = 0; i < 10; i++) {
		policy_apply(&p, &s, "sender", "blocked", CONFIDENCE_CERTAIN,
		    (gint64)i * 86400);
		policy_apply(&p, &s, "delay", "expired", CONFIDENCE_CERTAIN,
		    (gint64)i * 86400);
		policy_apply(&p, &s, "vacation", "vacation", CONFIDENCE_CERTAIN,
		    (gint64)i * 86400);
	}
	g_assert_cmpstr(policy_state_name(s.state), ==, "alive");
	policy_apply(&p, &s, "hard", "userunknown", CONFIDENCE_CERTAIN,
	    20 * 86400);
	g_assert_cmpstr(policy_state_name(s.state), ==, "dead");
	g_assert_cmpstr(s.state_reason, ==, "hard bounce: userunknown");
	policy_apply(&p, &s, "delivered", "delivered", CONFIDENCE_CERTAIN,
	    21 * 86400);
	g_assert_cmpstr(policy_state_name(s.state), ==, "dead");
	policy_state_clear(&s);
}

/*
 * Confirmation: a hard bounce at or below confirm_hard makes a suspect;
 * a second on another day within soft_window makes it dead.  Each case
 * is a run of "DAY:CONFIDENCE" hard bounces ("D" a delivery), under
 * confirm_hard, and the state it ends in.
 */
static void
test_policy_confirm(void)
{
	static const struct {
		const char	*confirm, *events, *state;
	} cases[] = {
		{ "likely", "1:certain", "dead" },
		{ "likely", "1:likely", "suspect" },
		{ "likely", "1:weak", "suspect" },
		{ "likely", "1:likely 1:likely", "suspect" },
		{ "likely", "1:likely 2:weak", "dead" },
		{ "likely", "1:likely 29:likely", "dead" },
		{ "likely", "1:likely 31:likely", "suspect" },
		{ "likely", "1:likely 31:likely 32:weak", "dead" },
		{ "likely", "1:likely D 2:likely", "suspect" },
		{ "likely", "1:likely 1:certain", "dead" },
		{ "weak", "1:likely", "dead" },
		{ "weak", "1:weak", "suspect" },
		{ "none", "1:weak", "dead" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(GStrv) events = g_strsplit(cases[i].events, " ", 0);
		g_autoptr(GError) error = NULL;
		struct policy_state s;
		struct policy p;
		guint j;

		policy_defaults(&p);
		g_assert_true(policy_set(&p, "confirm_hard", cases[i].confirm,
		    &error));
		policy_state_init(&s, NULL);
		for (j = 0; events[j] != NULL; j++) {
			const char *colon = strchr(events[j], ':');
			gint64 at = (gint64)(1000 + atoi(events[j])) * 86400;

			if (colon == NULL)
				policy_apply(&p, &s, "delivered", "delivered",
				    CONFIDENCE_CERTAIN, at);
			else
				policy_apply(&p, &s, "hard", "userunknown",
				    strcmp(colon + 1, "certain") == 0 ?
				    CONFIDENCE_CERTAIN : strcmp(colon + 1,
				    "likely") == 0 ? CONFIDENCE_LIKELY :
				    CONFIDENCE_WEAK, at);
		}
		if (strcmp(policy_state_name(s.state), cases[i].state) != 0)
			g_test_message("%s, %s: got %s want %s", cases[i].confirm,
			    cases[i].events, policy_state_name(s.state),
			    cases[i].state);
		g_assert_cmpstr(policy_state_name(s.state), ==, cases[i].state);
		policy_state_clear(&s);
	}
}

static void
test_policy_confirm_refused(void)
{
	g_autoptr(GError) error = NULL;
	struct policy p;

	policy_defaults(&p);
	g_assert_cmpint(p.confirm_hard, ==, POLICY_CONFIRM_LIKELY);
	g_assert_false(policy_set(&p, "confirm_hard", "certain", &error));
	g_assert_nonnull(strstr(error->message, "none, weak or likely"));
}

/* store_hook_due()'s callback: the types handed to a hook, in order. */
static int
hook_due_type(const struct store_delivery *d, void *arg)
{
	GString *types = arg;

	g_string_append_printf(types, "%s%s", types->len ? "," : "",
	    d->ev->type);
	return 1;
}

/*
 * Which events each hook gets, as reboundd picks them: the types of its
 * [hook NAME] (conf_hook_types()) filter the events in SQL when they are
 * queued (store_hook_queue()).  One event of every type is published;
 * a webhook takes them all, a list manager address.dead and
 * address.complained only, or what its types narrow that to.
 */
static void
test_hook_types(void)
{
	static const struct { const char *hook, *want; } cases[] = {
		{ "web", "address.dead,address.complained,address.suspect,"
		  "address.alive,incident.opened,incident.closed,hook.paused,"
		  "hook.resumed,address.probing" },
		{ "mm", "address.dead,address.complained" },
		{ "lm", "address.dead" },
		{ "audit", "address.suspect,incident.opened" },
	};
	const char *text = "[hook web]\nkind = webhook\nurl = http://h/\n"
	    "secret = s\n[hook mm]\nkind = mailman3\nurl = http://h/\n"
	    "user = u\npassword = p\n[hook lm]\nkind = listmonk\n"
	    "url = http://h/\nuser = u\npassword = p\ntypes = address.dead\n"
	    "[hook audit]\nkind = webhook\nurl = http://h/\nsecret = s\n"
	    "types = address.suspect, incident.opened\n";
	g_autofree char *dir = g_dir_make_tmp("rebound-hooks-XXXXXX", NULL);
	g_autofree char *db = g_build_filename(dir, "rebound.db", NULL);
	g_autoptr(GError) error = NULL;
	struct revent ev = { .time = 1796197500 };
	struct store *s;
	struct conf c;
	guint i, queued;

	conf_defaults(&c);
	g_assert_true(conf_load_data(&c, "hooks.conf", text, strlen(text),
	    &error));
	g_assert_no_error(error);
	g_free(c.store.path);
	c.store.path = g_strdup(db);
	s = store_open(&c.store, STORE_WRITE, &error);
	g_assert_no_error(error);
	for (i = 0; i < c.hooks.list->len; i++)
		g_assert_true(store_hook_start(s, ((struct conf_hook *)
		    c.hooks.list->pdata[i])->name, &error));
	g_assert_true(store_begin(s, &error));
	/* An address each: a hook gets an address's events one by one. */
	for (i = 0; i < REVENT_NTYPES; i++) {
		g_autofree char *address = g_strdup_printf("a%u@example.org",
		    i);

		ev.type = revent_type_name(i);
		ev.address = address;
		g_assert_true(store_event_add(s, &ev, ev.time, &error));
	}
	g_assert_true(store_commit(s, &error));
	g_assert_no_error(error);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct conf_hook *h = c.hooks.list->pdata[i];
		g_autofree char *types = conf_hook_types(h);
		g_autoptr(GString) got = g_string_new(NULL);

		g_assert_cmpstr(h->name, ==, cases[i].hook);
		g_assert_true(store_hook_queue(s, h->name, types, ev.time + 1,
		    &queued, &error));
		g_assert_true(store_hook_due(s, h->name, ev.time + 1, 60, 0, 100,
		    hook_due_type, got, &error));
		g_assert_no_error(error);
		g_test_message("hook %s, types %s: %s", h->name,
		    types ? types : "(all)", got->str);
		g_assert_cmpstr(got->str, ==, cases[i].want);
		g_assert_cmpuint(queued, ==, i == 0 ? REVENT_NTYPES :
		    g_strv_length(h->types));
	}
	store_close(&s);
	conf_clear(&c);
	g_unlink(db);
	g_rmdir(dir);
}

/*
 * The text of a file that sets key of group to value on line 2 ([guard])
 * or 5 (a [hook NAME], after what its kind needs).
 */
static char *
bool_conf_text(const struct conf_bool_key *k, const char *value)
{
	if (strcmp(k->group, "hook") == 0)
		return g_strdup_printf("[hook t]\nkind = webhook\n"
		    "url = http://127.0.0.1/\nsecret = s\n%s =\t%s \n", k->key,
		    value);
	return g_strdup_printf("[%s]\n%s =\t%s \n", k->group, k->key, value);
}

/* Where a boolean key's int lies once c is loaded. */
static int *
bool_slot(struct conf *c, const struct conf_bool_key *k)
{
	if (strcmp(k->group, "hook") == 0)
		return G_STRUCT_MEMBER_P(c->hooks.list->pdata[0], k->offset);
	return G_STRUCT_MEMBER_P(c, k->offset);
}

/* One spelling of a boolean on one key, in rebound.conf and --policy. */
static void
bool_try(const struct conf_bool_key *k, const char *spelling, int truth)
{
	g_autofree char *text = bool_conf_text(k, spelling);
	g_autofree char *path = write_conf(text);
	g_autofree char *spec = NULL;
	g_autoptr(GError) error = NULL;
	struct policy p;
	struct conf c;

	conf_defaults(&c);
	if (strcmp(k->group, "hook") != 0)	/* so that a no-op fails */
		*bool_slot(&c, k) = !truth;
	g_test_message("[%s] %s = %s", k->group, k->key, spelling);
	g_assert_true(conf_load(&c, path, &error));
	g_assert_no_error(error);
	g_assert_cmpint(*bool_slot(&c, k), ==, truth);
	conf_clear(&c);
	g_unlink(path);
	if (strcmp(k->group, "guard") != 0)
		return;
	/* rebound prune --dry-run --policy guard.KEY=VALUE */
	policy_defaults(&p);
	G_STRUCT_MEMBER(int, &p.guard, k->offset - G_STRUCT_OFFSET(struct conf,
	    policy.guard)) = !truth;
	spec = g_strdup_printf("guard.%s= %s", k->key, spelling);
	g_assert_true(policy_override(&p, spec, &error));
	g_assert_no_error(error);
	g_assert_cmpint(G_STRUCT_MEMBER(int, &p.guard, k->offset -
	    G_STRUCT_OFFSET(struct conf, policy.guard)), ==, truth);
}

/* A value that is no boolean: the file, the line, the key, the spellings. */
static void
bool_refused(const struct conf_bool_key *k, const char *want_list)
{
	g_autofree char *text = bool_conf_text(k, "maybe");
	g_autofree char *path = write_conf(text);
	g_autofree char *want = g_strdup_printf("%s:%d: [%s] %s: ", path,
	    strcmp(k->group, "hook") == 0 ? 5 : 2,
	    strcmp(k->group, "hook") == 0 ? "hook t" : k->group, k->key);
	g_autofree char *list = g_strdup_printf("'maybe' is not a boolean "
	    "(%s)", want_list);
	g_autoptr(GError) error = NULL;
	struct conf c;

	conf_defaults(&c);
	g_assert_false(conf_load(&c, path, &error));
	g_test_message("%s", error->message);
	g_assert_true(g_str_has_prefix(error->message, want));
	g_assert_true(g_str_has_suffix(error->message, list));
	conf_clear(&c);
	g_unlink(path);
}

/*
 * Every boolean key of every group (conf_bool_keys(): a new one is tried
 * too) takes every spelling of vocab.c's table, in any case, with white
 * space around; anything else is refused, naming them all.
 */
static void
test_bools(void)
{
	GArray *keys = conf_bool_keys();
	g_autoptr(GString) list = g_string_new(NULL);
	const char *s;
	int truth, seen_guard = 0, seen_hook = 0;
	guint i;
	size_t n;

	for (n = 0; (s = vocab_bool_spelling(n, NULL)) != NULL; n++)
		g_string_append_printf(list, "%s%s", n == 0 ? "" :
		    vocab_bool_spelling(n + 1, NULL) == NULL ? " or " : ", ", s);
	g_assert_cmpstr(list->str, ==, "yes, no, true, false, on, off, 1 or 0");
	for (i = 0; i < keys->len; i++) {
		const struct conf_bool_key *k = &g_array_index(keys,
		    struct conf_bool_key, i);

		seen_guard |= strcmp(k->key, "enabled") == 0;
		seen_hook |= strcmp(k->key, "dry_run") == 0;
		for (n = 0; (s = vocab_bool_spelling(n, &truth)) != NULL; n++) {
			g_autofree char *upper = g_ascii_strup(s, -1);
			g_autofree char *title = g_strdup(s);

			title[0] = g_ascii_toupper(title[0]);
			bool_try(k, s, truth);
			bool_try(k, upper, truth);
			bool_try(k, title, truth);
		}
		bool_refused(k, list->str);
	}
	g_assert_true(seen_guard && seen_hook);
	g_array_unref(keys);
	g_assert_true(vocab_bool(" On\t", &truth, NULL) && truth == 1);
	g_assert_false(vocab_bool("", &truth, NULL));
	g_assert_false(vocab_bool("yess", &truth, NULL));
}

/* The policy's keys: one table gives the defaults, the check, the help. */
static void
test_policy_keys(void)
{
	g_autofree char *help = policy_keys_help();
	g_autoptr(GError) error = NULL;
	enum policy_addr_state state;
	struct policy p;
	int i;

	policy_defaults(&p);
	g_assert_cmpint(p.soft_window, ==, 30);
	g_assert_cmpint(p.confirm_hard, ==, POLICY_CONFIRM_LIKELY);
	g_assert_true(policy_is_key("soft_stale"));
	g_assert_false(policy_is_key("soft_treshold"));
	g_assert_false(policy_set(&p, "soft_treshold", "3", &error));
	g_assert_nonnull(strstr(error->message, "confirm_hard"));
	g_assert_nonnull(strstr(help, "soft_window=30d"));
	for (i = 0; i < STATE_COUNT; i++) {
		g_assert_true(policy_state_parse(policy_state_name(i), &state));
		g_assert_cmpint(state, ==, i);
	}
	g_assert_false(policy_state_parse("daed", &state));
}

/* [store] url as logs show it: never its password. */
static void
test_store_shown(void)
{
	static const struct { const char *where, *shown; } cases[] = {
		{ "/var/lib/rebound/rebound.db", "/var/lib/rebound/rebound.db" },
		{ "postgresql://db.example.org/rebound",
		  "postgresql://db.example.org/rebound" },
		{ "postgresql://rebound:s3cr@t@db.example.org:5432/rebound",
		  "postgresql://rebound:***@db.example.org:5432/rebound" },
		{ "postgresql://rebound@db/rebound?password=x&sslmode=require",
		  "postgresql://rebound@db/rebound?password=***&sslmode=require" },
		{ "postgresql:///rebound?host=/run/postgresql&password=x",
		  "postgresql:///rebound?host=/run/postgresql&password=***" },
		/* Unencoded (refused, conf_store_check()), and still hidden. */
		{ "postgresql://op:p@ss/w0rd@/opdb?host=/tmp",
		  "postgresql://op:***@/opdb?host=/tmp" },
		{ "postgresql://op:se?cr@/opdb?host=/tmp",
		  "postgresql://op:***@/opdb?host=/tmp" },
		{ "host=/run/postgresql user=op password=s3cr dbname=rebound",
		  "host=/run/postgresql user=op password=*** dbname=rebound" },
		{ "host=/tmp password = 'a b\\' c' dbname=x",
		  "host=/tmp password = *** dbname=x" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = conf_store_shown(cases[i].where);

		g_assert_cmpstr(got, ==, cases[i].shown);
	}
}

/* What [store] url and --db refuse before libpq reads it. */
static void
test_store_check(void)
{
	static const char *const good[] = {
		"postgresql://op:p%40ss%2Fw%3F%23%25@/db?host=/tmp",
		"postgres:///rebound?host=/run/postgresql&sslmode=disable",
		"host=/run/postgresql dbname=rebound", "service=rebound",
	};
	static const char *const bad[] = {
		"\"postgresql:///rebound\"", "postgersql:///rebound",
		"postgresql://op:p@ss@/db", "postgresql://op:pw/x@/db",
		"postgresql://op:100%@/db", "postgresql:///db   # a comment",
		"/var/lib/rebound/rebound.db",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(conf_store_check(good[i], 1, NULL));
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(conf_store_check(bad[i], 1, NULL));
	g_assert_true(conf_store_check("/var/lib/rebound/rebound.db", 0,
	    NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/defaults-and-overrides", test_defaults_and_overrides);
	g_test_add_func("/conf/refusals", test_refusals);
	g_test_add_func("/conf/dating", test_dating);
	g_test_add_func("/conf/late-settled", test_late_settled);
	g_test_add_func("/conf/maildir-done", test_maildir_done);
	g_test_add_func("/conf/lmtp-limits", test_lmtp_limits);
	g_test_add_func("/conf/hooks", test_hooks);
	g_test_add_func("/conf/guard-providers", test_guard_providers);
	g_test_add_func("/conf/bools", test_bools);
	g_test_add_func("/conf/hook-types", test_hook_types);
	g_test_add_func("/verp/decode", test_verp);
	g_test_add_func("/policy/days", test_policy_days);
	g_test_add_func("/policy/kinds", test_policy_kinds);
	g_test_add_func("/policy/confirm", test_policy_confirm);
	g_test_add_func("/policy/confirm-refused", test_policy_confirm_refused);
	g_test_add_func("/policy/keys", test_policy_keys);
	g_test_add_func("/store/shown", test_store_shown);
	g_test_add_func("/store/check", test_store_check);
	return g_test_run();
}
