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
	int		 opened, closed;
	gint64		 next_id;
	GArray		*earlier;	/* of the last opening */
	gint64		 closed_at;
	char		 group[64];
};

static void
seen_opened(struct guard_incident *inc, const GArray *earlier, void *data)
{
	struct seen *s = data;

	inc->id = ++s->next_id;
	s->opened++;
	g_strlcpy(s->group, inc->group, sizeof s->group);
	g_array_set_size(s->earlier, 0);
	g_array_append_vals(s->earlier, earlier->data, earlier->len);
}

static void
seen_closed(const struct guard_incident *inc, void *data)
{
	struct seen *s = data;

	s->closed++;
	s->closed_at = inc->closed;
}

static const struct guard_calls calls = { seen_opened, seen_closed };

static struct guard *
new_guard(struct seen *s, struct guard_conf *c)
{
	memset(s, 0, sizeof *s);
	s->earlier = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (c->window == 0)
		guard_defaults(c);
	return guard_new(c, &calls, s);
}

static void
seen_clear(struct seen *s)
{
	g_array_free(s->earlier, TRUE);
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

	return guard_hard(g, &h);
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

/* Held outcomes count as soft; an operator's word changes that. */
static void
test_counts_as(void)
{
	g_assert_cmpstr(guard_counts_as("hard", NULL), ==, "hard");
	g_assert_cmpstr(guard_counts_as("hard", "open"), ==, "soft");
	g_assert_cmpstr(guard_counts_as("hard", "closed"), ==, "soft");
	g_assert_cmpstr(guard_counts_as("hard", "confirmed"), ==, "hard");
	g_assert_null(guard_counts_as("hard", "discarded"));
	g_assert_cmpstr(guard_counts_as("soft", "open"), ==, "soft");
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
	g_test_add_func("/guard/counts_as", test_counts_as);
	g_test_add_func("/guard/keys", test_keys);
	g_test_add_func("/guard/provider_of", test_provider_of);
	return g_test_run();
}
