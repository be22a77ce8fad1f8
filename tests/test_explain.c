/*
 * test_explain.c: codes.tab and what "rebound explain" makes of a code:
 * the forms a code is written in, a meaning for every code status.tab
 * reads and the other way round, and the verdict of the classifier.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "classify_int.h"
#include "explain.h"

extern const char codes_tab[];

static void
test_parse(void)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*status;
		int		 reply;
	} cases[] = {
		{ "5.1.1", 1, "5.1.1", 0 },
		{ "X.1.1", 1, "X.1.1", 0 },
		{ "x.1.10", 1, "X.1.10", 0 },
		{ "550", 1, "", 550 },
		{ "550 5.1.1", 1, "5.1.1", 550 },
		{ "550-5.1.1", 1, "5.1.1", 550 },
		{ "  452 4.2.2 ", 1, "4.2.2", 452 },
		{ "5.7.606", 1, "5.7.606", 0 },
		{ "", 0, "", 0 },
		{ "550-", 0, "", 0 },
		{ "55", 0, "", 0 },
		{ "5500", 0, "", 0 },
		{ "650", 0, "", 0 },
		{ "5.1", 0, "", 0 },
		{ "5.1.1.1", 0, "", 0 },
		{ "3.1.1", 0, "", 0 },
		{ "Y.1.1", 0, "", 0 },
		{ "5.01.1", 0, "", 0 },
		{ "550 5.1.1 user unknown", 0, "", 0 },
		{ "5.1.1 550", 0, "", 0 },
		{ "user unknown", 0, "", 0 },
	};
	char status[STATUS_MAX];
	size_t i;
	int reply, ok;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		ok = explain_parse(cases[i].in, status, &reply);
		if (ok != cases[i].ok || strcmp(status, cases[i].status) != 0 ||
		    reply != cases[i].reply)
			g_test_message("explain_parse(\"%s\"): got %d \"%s\" %d, "
			    "want %d \"%s\" %d", cases[i].in, ok, status, reply,
			    cases[i].ok, cases[i].status, cases[i].reply);
		g_assert_cmpint(ok, ==, cases[i].ok);
		g_assert_cmpstr(status, ==, cases[i].status);
		g_assert_cmpint(reply, ==, cases[i].reply);
	}
}

/* The first field of each data line of a table, in order. */
static GPtrArray *
table_keys(const char *tab)
{
	g_auto(GStrv) lines = g_strsplit(tab, "\n", -1);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	guint i;

	for (i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0')
			g_ptr_array_add(keys, g_strndup(lines[i],
			    strcspn(lines[i], " \t")));
	return keys;
}

/* Is key a code (not a class line, not PowerMTA's category)? */
static int
is_code(const char *key)
{
	char status[STATUS_MAX];
	int reply;

	return explain_parse(key, status, &reply);
}

static void
test_lines(void)
{
	g_auto(GStrv) lines = g_strsplit(codes_tab, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	guint i, j;

	for (i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);
		int class_line;

		if (lines[i][0] == '\0')
			continue;
		if (g_strv_length(f) != 4)
			g_test_message("codes.tab: not four fields: %s", lines[i]);
		g_assert_cmpuint(g_strv_length(f), ==, 4);
		for (j = 0; j < 4; j++)
			g_assert_cmpstr(g_strstrip(f[j]), !=, "");
		class_line = (strlen(f[0]) == 5 && strcmp(f[0] + 1, ".X.X") == 0) ||
		    (strlen(f[0]) == 3 && strcmp(f[0] + 1, "XX") == 0);
		if (!class_line && !is_code(f[0]))
			g_test_message("codes.tab: not a code: %s", f[0]);
		g_assert_true(class_line || is_code(f[0]));
		if (g_hash_table_contains(seen, f[0]))
			g_test_message("codes.tab: %s twice", f[0]);
		g_assert_true(g_hash_table_add(seen, g_strdup(f[0])));
	}
	g_assert_cmpuint(g_hash_table_size(seen), >, 100);
}

/*
 * status.tab's table is sorted and each code once (classify.c searches
 * it in halves), and every code it gives a reason has its own line in
 * codes.tab.
 */
static void
test_status_tab_explained(void)
{
	struct explain_code *c;
	const char *key;
	guint codes = 0;
	size_t i;

	for (i = 0; i < classify_ncodes; i++) {
		key = classify_codes[i].code;
		if (i > 0)
			g_assert_cmpint(strcmp(classify_codes[i - 1].code, key),
			    <, 0);
		g_assert_cmpint(classify_codes[i].reason, !=,
		    REASON_UNDEFINED);
		if (!is_code(key))
			continue;	/* PowerMTA's categories */
		codes++;
		if ((c = explain_lookup(key)) == NULL)
			g_test_message("status.tab's %s has no line in codes.tab",
			    key);
		g_assert_nonnull(c);
		explain_code_free(&c);
	}
	g_assert_cmpuint(codes, >, 80);
}

/*
 * And every enhanced status code codes.tab explains is read by
 * status.tab, but for those that say nothing about a failure.
 */
static void
test_explained_in_status_tab(void)
{
	static const char *const no_reason[] = {
		"X.0.0",	/* the class alone: other evidence decides */
		"X.3.6",	/* a changed priority: the message was taken */
		NULL
	};
	g_autoptr(GPtrArray) keys = table_keys(codes_tab);
	char status[STATUS_MAX];
	guint i;
	int reply, weak;

	for (i = 0; i < keys->len; i++) {
		const char *key = g_ptr_array_index(keys, i);

		if (!explain_parse(key, status, &reply) || reply != 0 ||
		    g_strv_contains(no_reason, key))
			continue;
		if (classify_status(key, 0, &weak) == NULL)
			g_test_message("codes.tab's %s has no reason in "
			    "status.tab", key);
		g_assert_nonnull(classify_status(key, 0, &weak));
	}
}

static void
test_lookup(void)
{
	static const struct { const char *status; int reply; const char *key; }
	    cases[] = {
		{ "5.1.1", 0, "X.1.1" },
		{ "4.1.1", 0, "X.1.1" },
		{ "X.7.27", 0, "X.7.27" },
		{ "5.1.10", 0, "X.1.10" },
		{ "5.7.606", 0, "5.7.606" },
		{ "4.7.606", 0, NULL },
		{ "5.9.1", 0, NULL },
		{ "5.1.99", 0, NULL },
		{ NULL, 550, "550" },
		{ NULL, 556, "556" },
		{ NULL, 599, NULL },
	};
	struct explain_code *c;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		c = cases[i].status ? explain_status(cases[i].status) :
		    explain_reply(cases[i].reply);
		g_assert_cmpstr(c ? c->key : NULL, ==, cases[i].key);
		explain_code_free(&c);
	}
	c = explain_class("4.2.2", 452);
	g_assert_cmpstr(c->key, ==, "4.X.X");
	explain_code_free(&c);
	c = explain_class("", 550);
	g_assert_cmpstr(c->key, ==, "5XX");
	explain_code_free(&c);
}

static void
test_brief(void)
{
	static const struct { const char *status; int reply; const char *want; }
	    cases[] = {
		{ "5.1.1", 550, "Bad destination mailbox address" },
		{ "5.0.0", 550, "Mailbox unavailable" },
		{ "", 552, "Exceeded storage allocation" },
		{ NULL, 0, NULL },
		{ "", 0, NULL },
		{ "5.9.9", 0, NULL },
		{ "5.9.9", 421, "Service not available, closing channel" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = explain_brief(cases[i].status,
		    cases[i].reply);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

/* What the classifier records for a failure with only this code. */
static void
test_verdict(void)
{
	static const struct {
		const char	*status;
		int		 reply;
		const char	*table_reason;
		int		 weak, by_reply;
		const char	*reason;
		int		 hard;
		const char	*class;
	} cases[] = {
		{ "5.1.1", 0, "userunknown", 0, 0, "userunknown", 1, "hard" },
		{ "5.1.1", 550, "userunknown", 0, 0, "userunknown", 1, "hard" },
		{ "4.1.2", 0, "hostunknown", 0, 0, "networkerror", 0, "soft" },
		{ "5.1.10", 0, "notaccept", 1, 0, "notaccept", 1, "hard" },
		{ "4.1.10", 0, "notaccept", 1, 0, "expired", 0, "soft" },
		{ "5.7.27", 0, "rejected", 1, 0, "rejected", 0, "sender" },
		{ "5.7.1", 554, "securityerror", 1, 0, "securityerror", 0,
		  "sender" },
		{ "5.2.2", 552, "mailboxfull", 0, 0, "mailboxfull", 0, "soft" },
		{ "", 550, "onhold", 1, 1, "onhold", 0, "soft" },
		{ "5.0.0", 521, "notaccept", 0, 1, "notaccept", 1, "hard" },
		{ "", 503, NULL, 0, 0, "onhold", 0, "soft" },
		{ "2.1.5", 250, "delivered", 0, 0, "delivered", 0, "delivered" },
		{ "", 250, NULL, 0, 0, "delivered", 0, "delivered" },
	};
	struct explain_verdict v;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		explain_verdict(cases[i].status, cases[i].reply, &v);
		if (g_strcmp0(v.reason, cases[i].reason) != 0 ||
		    v.hard != cases[i].hard)
			g_test_message("%s %d: got %s %d (%s), want %s %d",
			    cases[i].status, cases[i].reply, v.reason, v.hard,
			    v.decided, cases[i].reason, cases[i].hard);
		g_assert_cmpstr(v.table_reason, ==, cases[i].table_reason);
		g_assert_cmpint(v.weak, ==, cases[i].weak);
		g_assert_cmpint(v.by_reply, ==, cases[i].by_reply);
		g_assert_cmpstr(v.reason, ==, cases[i].reason);
		g_assert_cmpint(v.hard, ==, cases[i].hard);
		g_assert_cmpstr(report_class_name(v.class), ==, cases[i].class);
		g_assert_nonnull(v.decided);
		g_assert_cmpstr(explain_text_rule(&v), !=, "");
		explain_verdict_clear(&v);
	}
}

/*
 * What explain says the policy does with a hard bounce of each
 * confidence is what policy_apply() does with one, under each
 * confirm_hard and hard_threshold; certain only for 5.1.x codes.
 */
static void
test_policy_words(void)
{
	static const char *const confirms[] = { "none", "weak", "likely" };
	static const char *const codes[] = { "5.1.1", "5.4.4", "5.1.10" };
	struct explain_verdict v;
	struct explain_policy ep;
	struct policy_state st;
	struct policy p;
	size_t i, k;
	int c, t;

	for (i = 0; i < G_N_ELEMENTS(confirms); i++)
	for (t = 1; t <= 2; t++)
	for (k = 0; k < G_N_ELEMENTS(codes); k++) {
		g_autofree char *threshold = g_strdup_printf("%d", t);

		policy_defaults(&p);
		g_assert_true(policy_set(&p, "confirm_hard", confirms[i], NULL));
		g_assert_true(policy_set(&p, "hard_threshold", threshold, NULL));
		explain_verdict(codes[k], 0, &v);
		g_assert_cmpint(v.class, ==, CLASS_HARD);
		explain_policy(&p, codes[k], &v, &ep);
		g_assert_true((ep.at[CONFIDENCE_CERTAIN] != NULL) ==
		    (codes[k][2] == '1' && codes[k][3] == '.'));
		g_assert_nonnull(strstr(ep.guard, "guard.enabled = yes"));
		for (c = CONFIDENCE_WEAK; c <= CONFIDENCE_CERTAIN; c++) {
			if (ep.at[c] == NULL)
				continue;
			policy_state_init(&st, NULL);
			policy_apply(&p, &st, "hard", "userunknown", c, 86400);
			g_test_message("%s confirm_hard=%s hard_threshold=%d %s: "
			    "%s; policy_apply: %s", codes[k], confirms[i], t,
			    report_confidence_name(c), ep.at[c],
			    policy_state_name(st.state));
			g_assert_true(g_str_has_prefix(ep.at[c],
			    st.state == STATE_SUSPECT ? "suspect until" :
			    st.state == STATE_DEAD ? "dead at once" :
			    "dead once 2 hard bounces"));
			g_assert_nonnull(strstr(ep.at[c], confirms[i]));
			policy_state_clear(&st);
		}
		g_assert_true(g_str_has_prefix(ep.alone,
		    (int)v.confidence <= p.confirm_hard ? "suspect" : "dead"));
		explain_policy_clear(&ep);
		explain_verdict_clear(&v);
	}
	/* A soft code: the soft rule, with the values in force. */
	policy_defaults(&p);
	g_assert_true(policy_set(&p, "soft_threshold", "3", NULL));
	g_assert_true(guard_set(&p.guard, "enabled", "off", NULL));
	explain_verdict("4.2.2", 0, &v);
	explain_policy(&p, "4.2.2", &v, &ep);
	g_assert_nonnull(strstr(ep.alone, "on 3 distinct days within 30 days"));
	g_assert_null(ep.at[CONFIDENCE_LIKELY]);
	g_assert_null(ep.guard);
	explain_policy_clear(&ep);
	explain_verdict_clear(&v);
	explain_verdict("5.1.1", 0, &v);
	explain_policy(&p, "5.1.1", &v, &ep);
	g_assert_true(g_str_has_prefix(ep.guard, "off (guard.enabled = no)"));
	explain_policy_clear(&ep);
	explain_verdict_clear(&v);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/explain/parse", test_parse);
	g_test_add_func("/explain/lines", test_lines);
	g_test_add_func("/explain/status-tab-explained",
	    test_status_tab_explained);
	g_test_add_func("/explain/explained-in-status-tab",
	    test_explained_in_status_tab);
	g_test_add_func("/explain/lookup", test_lookup);
	g_test_add_func("/explain/brief", test_brief);
	g_test_add_func("/explain/verdict", test_verdict);
	g_test_add_func("/explain/policy-words", test_policy_words);
	return g_test_run();
}
