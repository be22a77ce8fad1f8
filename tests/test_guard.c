/*
 * test_guard.c: the incident guard's edges (guard.c), fed by hand.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "guard.h"
#include "provider.h"

#define T0	1764547200	/* 2025-12-01 00:00:00 UTC */

/* What the calls saw. */
struct seen {
	int		 opened, closed, grown;
	GHashTable	*held;		/* every outcome held, as gint64 */
	gint64		 next_id;
	GArray		*earlier;	/* of the last opening */
	gint64		 closed_at;
	char		 group[64];
};

static void
seen_opened(struct guard_incident *inc, const GArray *earlier, void *data)
{
	struct seen *s = data;

	guint i;

	inc->id = ++s->next_id;
	s->opened++;
	g_strlcpy(s->group, inc->group, sizeof s->group);
	g_array_set_size(s->earlier, 0);
	g_array_append_vals(s->earlier, earlier->data, earlier->len);
	for (i = 0; i < earlier->len; i++)
		g_hash_table_add(s->held, GSIZE_TO_POINTER(
		    g_array_index(earlier, gint64, i)));
}

static void
seen_grown(const struct guard_incident *inc, const GArray *added, void *data)
{
	struct seen *s = data;
	guint i;

	s->grown++;
	for (i = 0; i < added->len; i++)
		g_hash_table_add(s->held, GSIZE_TO_POINTER(
		    g_array_index(added, gint64, i)));
}

static void
seen_closed(const struct guard_incident *inc, void *data)
{
	struct seen *s = data;

	s->closed++;
	s->closed_at = inc->closed;
}

/* The seen of the guard at work, for hit_as() to note what it holds. */
static struct seen *seen_now;

static const struct guard_calls calls = {
	seen_opened, seen_closed, seen_grown
};

static struct guard *
new_guard(struct seen *s, struct guard_conf *c)
{
	memset(s, 0, sizeof *s);
	s->earlier = g_array_new(FALSE, FALSE, sizeof(gint64));
	s->held = g_hash_table_new(g_direct_hash, g_direct_equal);
	seen_now = s;
	if (c->window == 0)
		guard_defaults(c);
	return guard_new(c, &calls, s);
}

static void
seen_clear(struct seen *s)
{
	g_array_free(s->earlier, TRUE);
	g_hash_table_unref(s->held);
}

/* Hard outcome n for user u at domain, answered by provider, at t. */
static struct guard_incident *
hit_as(struct guard *g, gint64 n, gint64 u, const char *domain,
    const char *provider, gint64 t)
{
	g_autofree char *address = g_strdup_printf("user%" G_GINT64_FORMAT
	    "@%s", u, domain);
	struct guard_hit h = { .outcome = n, .address = address,
	    .provider = provider, .at = t, .diagnostic = "550 5.1.1 unknown" };
	struct guard_incident *inc = guard_hard(g, &h);

	if (inc != NULL)
		g_hash_table_add(seen_now->held, GSIZE_TO_POINTER(n));
	return inc;
}

static struct guard_incident *
hit(struct guard *g, gint64 n, const char *domain, const char *provider,
    gint64 t)
{
	return hit_as(g, n, n, domain, provider, t);
}

/* min_addresses distinct addresses is not a burst; one more is. */
static void
test_threshold_exactly(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	int i;

	for (i = 1; i <= 20; i++)
		g_assert_null(hit(g, i, "big.example", NULL, T0 + i * 60));
	g_assert_cmpint(s.opened, ==, 0);
	/* The same address again is not a new one. */
	g_assert_null(hit_as(g, 100, 5, "big.example", NULL, T0 + 1300));
	g_assert_nonnull(hit(g, 21, "big.example", NULL, T0 + 21 * 60));
	g_assert_cmpint(s.opened, ==, 1);
	/* Every earlier hard outcome of the window is held too. */
	g_assert_cmpuint(s.earlier->len, ==, 21);
	g_assert_cmpstr(s.group, ==, "big.example");
	/* Later ones join it. */
	g_assert_nonnull(hit(g, 22, "big.example", NULL, T0 + 3000));
	g_assert_cmpint(s.opened, ==, 1);
	guard_free(&g);
	seen_clear(&s);
}

/* Spread wider than the window: never a burst. */
static void
test_slow_is_not_a_burst(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	int i;

	/* 120 addresses of a dead domain over a week: 1 every 84 min. */
	for (i = 1; i <= 120; i++)
		g_assert_null(hit(g, i, "oldcorp.example", NULL,
		    T0 + i * 5040));
	g_assert_cmpint(s.opened, ==, 0);
	guard_free(&g);
	seen_clear(&s);
}

/* A group with a high baseline needs factor times it. */
static void
test_baseline(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g;
	gint64 n = 1, t;
	int i, day;

	guard_defaults(&c);
	c.factor = 2;
	g = new_guard(&s, &c);
	/* 29 days of 15 hard an hour: over the 30 days of the baseline,
	   14.5 per window, so more than 29 distinct is a burst. */
	for (day = 0; day < 29; day++)
		for (i = 0; i < 24 * 15; i++)
			g_assert_null(hit(g, n++, "huge.example", NULL,
			    T0 + day * 86400 + i * 240));
	g_assert_cmpint(s.opened, ==, 0);
	/* An hour later (the window clear), 29 distinct: not a burst. */
	t = T0 + 29 * 86400 + 3600;
	for (i = 0; i < 29; i++)
		g_assert_null(hit(g, n++, "huge.example", NULL, t + i * 100));
	g_assert_cmpint(s.opened, ==, 0);
	/* The 30th is, though a new domain would have opened at 21. */
	g_assert_nonnull(hit(g, n++, "huge.example", NULL, t + 3000));
	g_assert_cmpint(s.opened, ==, 1);
	guard_free(&g);
	seen_clear(&s);
}

/* Quiet for [guard] quiet: it closes, at last + quiet, across midnight. */
static void
test_close_across_midnight(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	gint64 start = T0 + 86400 - 1800;	/* 23:30 */
	int i;

	for (i = 1; i <= 40; i++)
		hit(g, i, "big.example", NULL, start + i * 60);	/* to 00:10 */
	g_assert_cmpint(s.opened, ==, 1);
	g_assert_cmpuint(guard_open_count(g), ==, 1);
	guard_tick(g, start + 40 * 60 + c.quiet - 1);
	g_assert_cmpint(s.closed, ==, 0);
	guard_tick(g, start + 40 * 60 + c.quiet);
	g_assert_cmpint(s.closed, ==, 1);
	g_assert_cmpint(s.closed_at, ==, start + 40 * 60 + c.quiet);
	g_assert_cmpuint(guard_open_count(g), ==, 0);
	guard_free(&g);
	seen_clear(&s);
}

/*
 * A provider hosting many domains: no domain crosses, the provider
 * does; two providers at once open two incidents.
 */
static void
test_providers(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	g_autofree char *domain = NULL;
	int i;

	for (i = 1; i <= 21; i++) {
		g_free(domain);
		domain = g_strdup_printf("customer%d.example", i);
		hit(g, i, domain, "hostco.example", T0 + i * 30);
		hit(g, 1000 + i, "other.example", "mailco.example",
		    T0 + i * 30 + 1);
	}
	g_assert_cmpint(s.opened, ==, 2);
	g_assert_cmpuint(guard_open_count(g), ==, 2);
	/* A customer domain's next bounce is held by its provider's. */
	g_assert_nonnull(hit(g, 50, "customer3.example", "hostco.example",
	    T0 + 2000));
	/* The same provider for a domain not seen: held too. */
	g_assert_nonnull(hit(g, 51, "new.example", "hostco.example",
	    T0 + 2001));
	guard_free(&g);
	seen_clear(&s);
}

/*
 * No host known (a sending service's webhook): a large provider's domain
 * counts as that provider (providers.tab: gmail.com's mail goes to
 * google.com), one not listed as itself.
 */
static void
test_no_host(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	int i;

	for (i = 1; i <= 21; i++)
		hit(g, i, "gmail.com", "google.com", T0 + i * 30);
	g_assert_cmpint(s.opened, ==, 1);
	g_assert_nonnull(hit(g, 50, "gmail.com", NULL, T0 + 1000));
	g_assert_nonnull(hit(g, 51, "GoogleMail.com", NULL, T0 + 1001));
	g_assert_cmpint(s.opened, ==, 1);
	/* A domain not listed: its own group, not held. */
	g_assert_null(hit(g, 52, "quiet.example", NULL, T0 + 1002));
	guard_free(&g);
	seen_clear(&s);
}

/*
 * The incident a burst of outcomes with no host opens at domain, on a
 * guard that first saw provider answer for another domain a week before
 * (or nothing, provider NULL): "KIND GROUP", or "" for none.
 */
static char *
no_host_burst(const char *domain, const char *provider)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	struct guard_incident *inc = NULL;
	char *got;
	int i;

	if (provider != NULL)
		hit(g, 1000, "customer.example", provider, T0 - 7 * 86400);
	for (i = 1; i <= 25; i++)
		inc = hit(g, i, domain, NULL, T0 + i * 30);
	got = inc == NULL ? g_strdup("") : g_strdup_printf("%d %s",
	    (int)inc->kind, inc->group);
	guard_free(&g);
	seen_clear(&s);
	return got;
}

/*
 * With no host, the groups follow from the outcome and providers.tab,
 * whatever groups the guard saw before: another daemon, or this one
 * after a restart or an import in another order, opens the same
 * incident.
 */
static void
test_no_host_any_order(void)
{
	g_autofree char *fresh = no_host_burst("bigmail.example", NULL);
	g_autofree char *seen = no_host_burst("bigmail.example",
	    "bigmail.example");
	g_autofree char *listed = no_host_burst("gmail.com", NULL);
	g_autofree char *listed_seen = no_host_burst("gmail.com",
	    "gmail.com");
	g_autofree char *want_listed = g_strdup_printf("%d google.com",
	    GUARD_PROVIDER);

	g_assert_cmpstr(fresh, !=, "");
	g_assert_cmpstr(seen, ==, fresh);
	g_assert_cmpstr(listed, ==, want_listed);
	g_assert_cmpstr(listed_seen, ==, want_listed);
}

/* A burst: 40 addresses a minute apart, among a quiet domain's bounces. */
#define BURST_N	60

static void
burst_at(gint64 *at, const char **domain, int i)
{
	*domain = i % 3 == 0 ? "quiet.example" : "big.example";
	*at = T0 + 7200 + i * 60 + (i % 3 == 0 ? 5000 * (i % 2) : 0);
}

/* What a guard fed the burst in the order of perm[] decided. */
struct verdict {
	int		 opened, grown;
	gint64		 inc_opened, first, last;
	guint		 outcomes, addresses;
	GHashTable	*held;
};

static void
feed(const int *perm, struct verdict *v)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	struct guard_incident *inc, *any = NULL;
	const char *domain;
	gint64 at;
	int i;

	for (i = 0; i < BURST_N; i++) {
		burst_at(&at, &domain, perm[i]);
		if ((inc = hit(g, perm[i] + 1, domain, NULL, at)) != NULL)
			any = inc;
	}
	g_assert_nonnull(any);
	v->opened = s.opened;
	v->grown = s.grown;
	v->inc_opened = any->opened;
	v->first = any->first;
	v->last = any->last;
	v->outcomes = any->outcomes;
	v->addresses = g_hash_table_size(any->addresses);
	v->held = g_hash_table_ref(s.held);
	guard_free(&g);
	seen_clear(&s);
}

static int
same_set(GHashTable *a, GHashTable *b)
{
	GHashTableIter it;
	gpointer k;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return 0;
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(b, k))
			return 0;
	return 1;
}

/*
 * The order within the late time decides nothing: in time order,
 * reversed, and shuffled, one incident, opened at the same time, holding
 * the same outcomes.
 */
static void
test_late_any_order(void)
{
	int perm[BURST_N], i, j, k, tmp;
	struct verdict want, got;
	GRand *rand = g_rand_new_with_seed(20);

	for (i = 0; i < BURST_N; i++)
		perm[i] = i;
	feed(perm, &want);
	g_assert_cmpint(want.opened, ==, 1);
	g_assert_cmpint(want.grown, ==, 0);
	g_assert_cmpuint(want.addresses, ==, 40);
	for (k = 0; k < 12; k++) {
		for (i = 0; i < BURST_N; i++)
			perm[i] = k == 0 ? BURST_N - 1 - i : i;
		for (i = BURST_N - 1; k > 0 && i > 0; i--) {
			j = g_rand_int_range(rand, 0, i + 1);
			tmp = perm[i], perm[i] = perm[j], perm[j] = tmp;
		}
		feed(perm, &got);
		g_assert_cmpint(got.opened, ==, 1);
		g_assert_cmpint(got.inc_opened, ==, want.inc_opened);
		g_assert_cmpint(got.first, ==, want.first);
		g_assert_cmpint(got.last, ==, want.last);
		g_assert_cmpuint(got.outcomes, ==, want.outcomes);
		g_assert_cmpuint(got.addresses, ==, want.addresses);
		g_assert_true(same_set(got.held, want.held));
		g_hash_table_unref(got.held);
	}
	g_hash_table_unref(want.held);
	g_rand_free(rand);
}

/* A bounce dated before the crossing, come late: the incident opens then. */
static void
test_late_opens_earlier(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	struct guard_incident *inc = NULL;
	int i;

	for (i = 1; i <= 21; i++)
		inc = hit(g, i, "big.example", NULL, T0 + 1000 + i * 10);
	g_assert_nonnull(inc);
	g_assert_cmpint(inc->opened, ==, T0 + 1210);
	/* The 21st distinct address was there at T0 + 1200 already. */
	g_assert_true(hit(g, 22, "big.example", NULL, T0 + 900) == inc);
	g_assert_cmpint(inc->opened, ==, T0 + 1200);
	g_assert_cmpint(inc->first, ==, T0 + 900);
	g_assert_cmpint(s.opened, ==, 1);
	g_assert_cmpint(s.grown, ==, 1);
	guard_free(&g);
	seen_clear(&s);
}

/*
 * An incident closed by the clock still takes a bounce dated within it
 * that comes late; one dated after it, or past the late time, is not.
 */
static void
test_late_after_close(void)
{
	struct guard_conf c = { 0 };
	struct seen s;
	struct guard *g = new_guard(&s, &c);
	struct guard_incident *inc = NULL;
	gint64 last = T0 + 21 * 60, closed = last + 6 * 3600;
	int i;

	for (i = 1; i <= 21; i++)
		inc = hit(g, i, "big.example", NULL, T0 + i * 60);
	g_assert_nonnull(inc);
	guard_tick(g, closed + 60);
	g_assert_cmpint(s.closed, ==, 1);
	/* Dated in its window: held, and its close moves with it. */
	inc = hit(g, 30, "big.example", NULL, last + 600);
	g_assert_nonnull(inc);
	g_assert_cmpint(inc->closed, ==, last + 600 + 6 * 3600);
	g_assert_cmpint(s.opened, ==, 1);
	/* Dated after it: not held, and alone no burst. */
	g_assert_null(hit(g, 31, "big.example", NULL, closed + 3600));
	/* Past the late time: 21 addresses at once open nothing. */
	guard_tick(g, T0 + 3 * 86400);
	for (i = 40; i <= 61; i++)
		g_assert_null(hit(g, i, "late.example", NULL, T0 + 86400 + i));
	g_assert_cmpint(s.opened, ==, 1);
	guard_free(&g);
	seen_clear(&s);
}

/* Held outcomes count as soft; an operator's word changes that. */
static void
test_counts_as(void)
{
	static const struct {
		enum report_class class;
		enum guard_state state;
		int counted;
		enum report_class as;
	} cases[] = {
		{ CLASS_HARD, GUARD_OPEN, 1, CLASS_SOFT },
		{ CLASS_HARD, GUARD_CLOSED, 1, CLASS_SOFT },
		{ CLASS_HARD, GUARD_CONFIRMED, 1, CLASS_HARD },
		{ CLASS_HARD, GUARD_DISCARDED, 0, CLASS_HARD },
		{ CLASS_SOFT, GUARD_OPEN, 1, CLASS_SOFT },
	};
	enum report_class as;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%s held by a %s incident",
		    report_class_name(cases[i].class),
		    guard_state_names[cases[i].state]);
		g_assert_cmpint(guard_counts_as(cases[i].class,
		    cases[i].state, &as), ==, cases[i].counted);
		if (cases[i].counted)
			g_assert_cmpstr(report_class_name(as), ==,
			    report_class_name(cases[i].as));
	}
}

static void
test_keys(void)
{
	struct guard_conf c;
	g_autoptr(GError) error = NULL;

	guard_defaults(&c);
	g_assert_true(c.enabled);
	g_assert_cmpint(c.window, ==, 3600);
	g_assert_true(guard_set(&c, "window", "30s", NULL));
	g_assert_cmpint(c.window, ==, 30);
	g_assert_true(guard_set(&c, "quiet", "5m", NULL));
	g_assert_cmpint(c.quiet, ==, 300);
	g_assert_true(guard_set(&c, "baseline", "30d", NULL));
	g_assert_cmpint(c.baseline, ==, 30 * 86400);
	g_assert_cmpint(c.late, ==, 7 * 3600);
	g_assert_true(guard_set(&c, "late", "2h", NULL));
	g_assert_cmpint(c.late, ==, 7200);
	g_assert_true(guard_set(&c, "enabled", "no", NULL));
	g_assert_false(c.enabled);
	g_assert_false(guard_set(&c, "window", "1x", &error));
	g_assert_nonnull(strstr(error->message, "duration"));
	g_clear_error(&error);
	g_assert_false(guard_set(&c, "factor", "0", &error));
	g_clear_error(&error);
	g_assert_false(guard_set(&c, "windows", "1h", &error));
	g_assert_nonnull(strstr(error->message, "unknown guard key"));
}

static void
test_provider_of(void)
{
	g_autofree char *a = provider_of("dns; mx1.bigmail.example", NULL);
	g_autofree char *b = provider_of(NULL, "host mx2.bigmail.example"
	    "[192.0.2.1] said: 550 5.1.1 unknown (in reply to RCPT TO)");
	g_autofree char *c = provider_of("dns; [192.0.2.1]",
	    "SMTP error from remote mail server after RCPT TO:<a@b.example>: "
	    "host mx.hostco.co.uk [192.0.2.7]: 550 no such user");
	g_autofree char *d = provider_of("dns; 192.0.2.1", "550 unknown");
	g_autofree char *e = provider_of("dns;Outlook-Com.MAIL.protection."
	    "outlook.com", NULL);

	g_assert_cmpstr(a, ==, "bigmail.example");
	g_assert_cmpstr(b, ==, "bigmail.example");
	g_assert_cmpstr(c, ==, "hostco.co.uk");
	g_assert_null(d);
	g_assert_cmpstr(e, ==, "outlook.com");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guard/threshold", test_threshold_exactly);
	g_test_add_func("/guard/slow", test_slow_is_not_a_burst);
	g_test_add_func("/guard/baseline", test_baseline);
	g_test_add_func("/guard/midnight", test_close_across_midnight);
	g_test_add_func("/guard/providers", test_providers);
	g_test_add_func("/guard/no_host", test_no_host);
	g_test_add_func("/guard/no_host_any_order", test_no_host_any_order);
	g_test_add_func("/guard/late_any_order", test_late_any_order);
	g_test_add_func("/guard/late_opens_earlier", test_late_opens_earlier);
	g_test_add_func("/guard/late_after_close", test_late_after_close);
	g_test_add_func("/guard/counts_as", test_counts_as);
	g_test_add_func("/guard/keys", test_keys);
	g_test_add_func("/guard/provider_of", test_provider_of);
	return g_test_run();
}
