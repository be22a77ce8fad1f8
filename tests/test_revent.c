/*
 * test_revent.c: an event's renderings (revent.c): the JSON schema of
 * "rebound events" and of webhook bodies, field by field; plain lines
 * for "while read"; the values CSV prints; type and list names.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "revent.h"

/* An address.dead as a bounce makes it. */
static const struct revent dead = {
	.id = 42,
	.type = "address.dead",
	.time = 1796197500,		/* 2026-12-02T07:45:00Z */
	.address = "alice@example.org",
	.list = "weekly.lists.example.com",
	.state = "dead",
	.previous = "suspect",
	.reason = "userunknown",
	.class = "hard",
	.status = "5.1.1",
	.confidence = "certain",
	.evidence = "remote \"user unknown\"",
	.digest = "9f3a",
};

static void
test_json(void)
{
	GString *out = g_string_new(NULL);

	revent_json(&dead, out);
	g_assert_cmpstr(out->str, ==, "{\"version\":1,\"id\":42,"
	    "\"type\":\"address.dead\",\"time\":\"2026-12-02T07:45:00Z\","
	    "\"address\":\"alice@example.org\","
	    "\"list\":\"weekly.lists.example.com\",\"state\":\"dead\","
	    "\"previous\":\"suspect\",\"reason\":\"userunknown\","
	    "\"class\":\"hard\",\"status\":\"5.1.1\","
	    "\"confidence\":\"certain\",\"digest\":\"9f3a\","
	    "\"incident\":null,\"evidence\":\"remote \\\"user unknown\\\"\"}");
	g_string_free(out, TRUE);
}

/* What is not there is null; text is escaped; an incident a number. */
static void
test_json_sparse(void)
{
	struct revent ev = {
		.id = 7,
		.type = "incident.opened",
		.time = 0,
		.reason = "line1\nline2\t\x01",
		.incident = 3,
	};
	GString *out = g_string_new(NULL);

	revent_json(&ev, out);
	g_assert_cmpstr(out->str, ==, "{\"version\":1,\"id\":7,"
	    "\"type\":\"incident.opened\",\"time\":\"1970-01-01T00:00:00Z\","
	    "\"address\":null,\"list\":null,\"state\":null,\"previous\":null,"
	    "\"reason\":\"line1\\nline2\\t\\u0001\",\"class\":null,"
	    "\"status\":null,\"confidence\":null,\"digest\":null,"
	    "\"incident\":3,\"evidence\":null}");
	g_string_free(out, TRUE);
}

/* Tab-separated, "-" for nothing, no control characters, evidence last. */
static void
test_plain(void)
{
	struct revent ev = dead;
	GString *out = g_string_new(NULL);

	ev.list = NULL;
	ev.address = "bob\t@example.org";
	revent_plain(&ev, out);
	g_assert_cmpstr(out->str, ==, "42\taddress.dead\t2026-12-02T07:45:00Z"
	    "\tbob @example.org\t-\tdead\tsuspect\tuserunknown\thard\t5.1.1"
	    "\tcertain\t9f3a\t-\tremote \"user unknown\"\n");
	g_string_free(out, TRUE);
}

/* The values a CSV row prints, in the order of the columns. */
static void
test_values(void)
{
	const char *const *columns = revent_columns();
	struct revent_values v;
	guint i;

	revent_values(&dead, &v);
	g_assert_cmpuint(g_strv_length((char **)columns), ==, REVENT_NFIELDS);
	for (i = 0; columns[i] != NULL; i++)
		if (strcmp(columns[i], "#id") == 0)
			g_assert_cmpstr(v.v[i], ==, "42");
		else if (strcmp(columns[i], "time") == 0)
			g_assert_cmpstr(v.v[i], ==, "2026-12-02T07:45:00Z");
		else if (strcmp(columns[i], "#incident") == 0)
			g_assert_null(v.v[i]);
		else if (strcmp(columns[i], "evidence") == 0)
			g_assert_cmpstr(v.v[i], ==, dead.evidence);
	g_assert_null(v.v[REVENT_NFIELDS]);
}

static void
test_types(void)
{
	guint i;

	for (i = 0; i < REVENT_NTYPES; i++)
		g_assert_true(revent_type_known(revent_type_name(i)));
	g_assert_false(revent_type_known("address.gone"));
	g_assert_cmpstr(revent_type_of_state("dead"), ==, "address.dead");
	g_assert_cmpstr(revent_type_of_state("complained"), ==,
	    "address.complained");
	g_assert_cmpstr(revent_type_of_state("suspect"), ==, "address.suspect");
	g_assert_cmpstr(revent_type_of_state("alive"), ==, "address.alive");
	g_assert_null(revent_type_of_state("opened"));
	g_assert_null(revent_type_of_state("held"));
}

static void
test_list_id(void)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "Example Weekly <weekly.lists.example.com>",
		  "weekly.lists.example.com" },
		{ "<news.lists.example.org>", "news.lists.example.org" },
		{ " news.lists.example.org ", "news.lists.example.org" },
		{ "weekly", "weekly" },		/* a VERP list's name */
		{ "broken <no end", "broken <no end" },
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = revent_list_id(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
	g_assert_null(revent_list_id(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/revent/json", test_json);
	g_test_add_func("/revent/json-sparse", test_json_sparse);
	g_test_add_func("/revent/plain", test_plain);
	g_test_add_func("/revent/values", test_values);
	g_test_add_func("/revent/types", test_types);
	g_test_add_func("/revent/list-id", test_list_id);
	return g_test_run();
}
