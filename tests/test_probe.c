/*
 * test_probe.c: probes' pure part (probe.c) and what the policy makes
 * of them (policy.c): tokens made, verified and refused; the return
 * path; and the probing state, case by case.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "policy.h"
#include "probe.h"

#define SECRET	"a secret of the tests, long enough"
#define T0	1764547200	/* 2025-12-01 00:00:00 UTC */
#define DAY	86400

static void
test_token(void)
{
	g_autofree char *t = probe_token(SECRET, "Ann@Example.org", 42, T0);
	g_autofree char *other = probe_token(SECRET, "bob@example.org", 42, T0);
	g_autofree char *bad = g_strdup(t);
	gint64 id, at;

	g_assert_true(probe_token_parse(t, &id, &at));
	g_assert_cmpint(id, ==, 42);
	g_assert_cmpint(at, ==, T0);
	g_assert_cmpuint(strlen(t), <=, 64 - strlen("bounces+probe-"));
	g_assert_true(probe_token_verify(SECRET, t, "Ann@Example.org"));
	/* A DSN may spell the address in another case. */
	g_assert_true(probe_token_verify(SECRET, t, "ann@example.org"));
	g_assert_false(probe_token_verify(SECRET, t, "bob@example.org"));
	g_assert_false(probe_token_verify("another secret", t,
	    "ann@example.org"));
	g_assert_cmpstr(t, !=, other);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	g_assert_false(probe_token_verify(SECRET, bad, "ann@example.org"));
	g_assert_false(probe_token_verify(NULL, t, "ann@example.org"));
}

static void
test_token_parse(void)
{
	static const char *const junk[] = {
		"", "42", "42-", "42-5f000000", "42-5f000000-",
		"x-5f000000-0123456789abcdef0123",
		"42-zz-0123456789abcdef0123",
		"42-5f000000-0123456789abcdef012",	/* short */
		"42-5f000000-0123456789abcdef01234",	/* long */
		"42-5f000000-0123456789abcdef012g",
		"-1-5f000000-0123456789abcdef0123",
		"99999999999999999999-5f-0123456789abcdef0123",
	};
	gint64 id, t;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(junk); i++)
		if (probe_token_parse(junk[i], &id, &t))
			g_error("'%s' parsed as a token", junk[i]);
	g_assert_true(probe_token_parse("7-5f000000-0123456789abcdef0123",
	    &id, &t));
}

static void
test_token_of(void)
{
	static const struct {
		const char *envelope, *want;
	} cases[] = {
		{ "bounces+probe-1-ab-cd@lists.example.org", "1-ab-cd" },
		{ "Bounces+Probe-1-AB-cd@Lists.Example.ORG", "1-ab-cd" },
		{ "bounces+probe-@lists.example.org", NULL },
		{ "bounces+alice=example.com@lists.example.org", NULL },
		{ "bounces+probe-1@other.example.org", NULL },
		{ "bounces@lists.example.org", NULL },
	};
	const char *pattern = "bounces+probe-{token}@lists.example.org";
	g_autofree char *path = probe_return_path(pattern, "1-ab-cd");
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = probe_token_of(pattern, cases[i].envelope);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("%s: got %s, want %s", cases[i].envelope,
			    got ? got : "NULL", cases[i].want ?
			    cases[i].want : "NULL");
	}
	g_assert_null(probe_token_of(NULL, "bounces+probe-1@x.org"));
	g_assert_cmpstr(path, ==, "bounces+probe-1-ab-cd@lists.example.org");
}

static void
test_wanted(void)
{
	g_assert_false(probe_wanted(PROBE_NEVER, CONFIDENCE_WEAK));
	g_assert_false(probe_wanted(PROBE_DOUBTFUL, CONFIDENCE_CERTAIN));
	g_assert_true(probe_wanted(PROBE_DOUBTFUL, CONFIDENCE_LIKELY));
	g_assert_true(probe_wanted(PROBE_DOUBTFUL, CONFIDENCE_WEAK));
	g_assert_true(probe_wanted(PROBE_ALWAYS, CONFIDENCE_CERTAIN));
}

/* One history, step by step: class, confidence, day; the state after. */
struct step {
	const char		*class;
	enum confidence		 confidence;
	int			 day;
	enum policy_addr_state	 want;
};

static void
run(const char *name, int when, int confirm, const struct step *steps,
    guint n)
{
	struct policy p;
	struct policy_state s;
	guint i;

	policy_defaults(&p);
	p.probe = when;
	p.confirm_hard = confirm;
	policy_state_init(&s, NULL);
	for (i = 0; i < n; i++) {
		policy_apply(&p, &s, steps[i].class, "userunknown",
		    steps[i].confidence, T0 + steps[i].day * DAY);
		if (s.state != steps[i].want)
			g_error("%s, step %u (%s): got %s, want %s", name, i,
			    steps[i].class, policy_state_name(s.state),
			    policy_state_name(steps[i].want));
	}
	policy_state_clear(&s);
}

static void
test_policy(void)
{
	const struct step forged[] = {
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_PROBING },
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_PROBING },
		{ "hard", CONFIDENCE_LIKELY, 1, STATE_PROBING },	/* not suspect */
		{ "delivered", CONFIDENCE_CERTAIN, 1, STATE_PROBING },
		{ PROBE_CLASS_EXPIRED, CONFIDENCE_CERTAIN, 3, STATE_ALIVE },
		{ "hard", CONFIDENCE_CERTAIN, 4, STATE_PROBING },
	};
	const struct step dead[] = {
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_PROBING },
		{ PROBE_CLASS_BOUNCED, CONFIDENCE_CERTAIN, 0, STATE_DEAD },
		{ PROBE_CLASS_EXPIRED, CONFIDENCE_CERTAIN, 3, STATE_DEAD },
	};
	const struct step complained[] = {
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_PROBING },
		{ "complaint", CONFIDENCE_CERTAIN, 0, STATE_COMPLAINED },
	};
	const struct step doubtful[] = {
		{ "hard", CONFIDENCE_LIKELY, 0, STATE_SUSPECT },
		{ "hard", CONFIDENCE_LIKELY, 1, STATE_PROBING },
		{ PROBE_CLASS_BOUNCED, CONFIDENCE_CERTAIN, 2, STATE_DEAD },
	};
	const struct step certain[] = {
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_DEAD },
	};
	const struct step soft[] = {
		{ "soft", CONFIDENCE_CERTAIN, 0, STATE_ALIVE },
		{ "soft", CONFIDENCE_CERTAIN, 1, STATE_ALIVE },
		{ "soft", CONFIDENCE_CERTAIN, 2, STATE_ALIVE },
		{ "soft", CONFIDENCE_CERTAIN, 3, STATE_ALIVE },
		{ "soft", CONFIDENCE_CERTAIN, 4, STATE_PROBING },
		{ PROBE_CLASS_EXPIRED, CONFIDENCE_CERTAIN, 7, STATE_ALIVE },
		{ "soft", CONFIDENCE_CERTAIN, 8, STATE_ALIVE },	/* days reset */
	};
	const struct step never[] = {
		{ "hard", CONFIDENCE_CERTAIN, 0, STATE_DEAD },
	};

	run("forged", PROBE_ALWAYS, POLICY_CONFIRM_LIKELY, forged,
	    G_N_ELEMENTS(forged));
	run("dead", PROBE_ALWAYS, POLICY_CONFIRM_LIKELY, dead,
	    G_N_ELEMENTS(dead));
	run("complained", PROBE_ALWAYS, POLICY_CONFIRM_LIKELY, complained,
	    G_N_ELEMENTS(complained));
	run("doubtful", PROBE_DOUBTFUL, POLICY_CONFIRM_LIKELY, doubtful,
	    G_N_ELEMENTS(doubtful));
	run("doubtful, certain", PROBE_DOUBTFUL, POLICY_CONFIRM_LIKELY, certain,
	    G_N_ELEMENTS(certain));
	run("soft", PROBE_DOUBTFUL, POLICY_CONFIRM_LIKELY, soft,
	    G_N_ELEMENTS(soft));
	run("never", PROBE_NEVER, POLICY_CONFIRM_LIKELY, never,
	    G_N_ELEMENTS(never));
}

static void
test_when(void)
{
	int when;

	g_assert_true(probe_when_parse("doubtful", &when));
	g_assert_cmpint(when, ==, PROBE_DOUBTFUL);
	g_assert_cmpstr(probe_when_name(PROBE_ALWAYS), ==, "always");
	g_assert_false(probe_when_parse("sometimes", &when));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/probe/token", test_token);
	g_test_add_func("/probe/token_parse", test_token_parse);
	g_test_add_func("/probe/token_of", test_token_of);
	g_test_add_func("/probe/wanted", test_wanted);
	g_test_add_func("/probe/when", test_when);
	g_test_add_func("/probe/policy", test_policy);
	return g_test_run();
}
