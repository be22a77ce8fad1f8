/*
 * test_hook_mailman3.c: Mailman 3's REST answers as JSON, not as text
 * (hook_mailman3.c): table-driven, each case an answer the old scan for
 * "member_id" (strstr, then up to the next quote) got wrong, and the
 * plain ones it got right.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hook_int.h"

struct mm3_case {
	const char	*name;
	const char	*body;
	const char	*want;		/* NULL: none */
};

static const struct mm3_case member_cases[] = {
	{ "plain", "{\"entries\": [{\"member_id\": \"9b1f\"}], "
	    "\"total_size\": 1}", "9b1f" },
	{ "not a member", "{\"start\": 0, \"total_size\": 0}", NULL },
	/* Mailman sorts keys: display_name comes first. */
	{ "the key as a string value", "{\"entries\": [{\"display_name\": "
	    "\"member_id\", \"member_id\": \"9b1f\"}], \"total_size\": 1}",
	    "9b1f" },
	{ "an escaped quote", "{\"entries\": [{\"member_id\": \"9b\\\"1f\"}]}",
	    "9b\"1f" },
	{ "an escaped character", "{\"entries\": [{\"member_id\": "
	    "\"9b\\u0031f\"}]}", "9b1f" },
	{ "a nested object of the same name", "{\"self\": {\"member_id\": "
	    "\"other\"}, \"entries\": [{\"user\": {\"member_id\": \"nope\"}, "
	    "\"member_id\": \"9b1f\"}]}", "9b1f" },
	{ "API 3.0's integer id", "{\"entries\": [{\"member_id\": 42}]}",
	    "42" },
	{ "no entries, a member_id elsewhere", "{\"member_id\": \"9b1f\", "
	    "\"total_size\": 0}", NULL },
	{ "not JSON", "<html>502 Bad Gateway</html>", NULL },
	{ "cut short", "{\"entries\": [{\"member_id\": \"9b1f\"", NULL },
	{ "an array", "[{\"member_id\": \"9b1f\"}]", NULL },
};

static const struct mm3_case list_cases[] = {
	{ "plain", "{\"fqdn_listname\": \"news@lists.example.org\", "
	    "\"list_id\": \"news.lists.example.org\"}", "news.lists.example.org" },
	{ "a nested object of the same name", "{\"a\": {\"list_id\": "
	    "\"wrong.example\"}, \"list_id\": \"news.lists.example.org\"}",
	    "news.lists.example.org" },
	{ "the key inside a string value", "{\"description\": "
	    "\"\\\"list_id\\\": \\\"wrong\\\" and list_id\", \"display_name\": "
	    "\"list_id\", \"list_id\": \"news.lists.example.org\"}",
	    "news.lists.example.org" },
	{ "an escaped character", "{\"list_id\": "
	    "\"news\\u002elists.example.org\"}", "news.lists.example.org" },
	{ "none", "{\"fqdn_listname\": \"news@lists.example.org\"}", NULL },
};

static void
run(const struct mm3_case *cases, gsize n, char *(*fn)(const char *, gsize))
{
	gsize i;

	for (i = 0; i < n; i++) {
		g_autofree char *got = fn(cases[i].body,
		    strlen(cases[i].body));

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("%s: got %s, want %s", cases[i].name,
			    got ? got : "(none)",
			    cases[i].want ? cases[i].want : "(none)");
	}
}

static void
test_member_id(void)
{
	run(member_cases, G_N_ELEMENTS(member_cases), hook_mailman3_member_id);
	g_assert_null(hook_mailman3_member_id(NULL, 0));
}

static void
test_list_id(void)
{
	run(list_cases, G_N_ELEMENTS(list_cases), hook_mailman3_list_id);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mailman3/member_id", test_member_id);
	g_test_add_func("/mailman3/list_id", test_list_id);
	return g_test_run();
}
