/*
 * test_status.c: RFC 3463 validation and code extraction, table-driven.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "status.h"

static void
test_valid(void)
{
	static const struct { const char *code; int valid; } cases[] = {
		{ "5.1.1", 1 }, { "4.4.7", 1 }, { "2.0.0", 1 },
		{ "5.1.10", 1 }, { "5.7.606", 1 }, { "5.0.911", 1 },
		{ "3.1.1", 0 }, { "5.1", 0 }, { "5.1.1.1", 0 },
		{ "5.1234.1", 0 }, { "5..1", 0 }, { "", 0 }, { "x.1.1", 0 },
		{ "5.01.1", 0 }, { "55.1.1", 0 }, { "5.1.1 ", 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		int got = status_valid(cases[i].code, strlen(cases[i].code));

		if (got != cases[i].valid)
			g_test_message("status_valid(\"%s\"): got %d want %d",
			    cases[i].code, got, cases[i].valid);
		g_assert_cmpint(got, ==, cases[i].valid);
	}
}

static void
test_parse_field(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "5.1.1", "5.1.1" },
		{ " 4.2.2 (mailbox full)", "4.2.2" },
		{ "5.0.0", "5.0.0" },
		{ "550 5.1.1", "" },
		{ "5.1.1.4", "" },
		{ "", "" },
	};
	char out[STATUS_MAX];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		status_parse(cases[i].in, out);
		g_assert_cmpstr(out, ==, cases[i].want);
	}
}

static void
test_find(void)
{
	static const struct { const char *in, *status; int reply; } cases[] = {
		{ "550 5.1.1 <a@b>: user unknown", "5.1.1", 550 },
		{ "smtp; 550-5.2.2 The email account is over quota", "5.2.2", 550 },
		{ "host mx[192.0.2.5] said: 452 4.2.2 full", "4.2.2", 452 },
		{ "#550 5.1.1 RESOLVER.ADR.RecipNotFound", "5.1.1", 550 },
		{ "Connection timed out after 2021 seconds", "", 0 },
		{ "relay 10.5.1.1 refused", "", 0 },
		{ "554 Transaction failed", "", 554 },
		{ "code 650 is not smtp", "", 0 },
	};
	char out[STATUS_MAX];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		status_find(cases[i].in, out);
		g_assert_cmpstr(out, ==, cases[i].status);
		g_assert_cmpint(replycode_find(cases[i].in, 2), ==, cases[i].reply);
	}
}

static void
test_generic(void)
{
	g_assert_true(status_is_generic("5.0.0"));
	g_assert_true(status_is_generic("4.0.0"));
	g_assert_true(status_is_generic(""));
	g_assert_false(status_is_generic("5.1.0"));
	g_assert_cmpint(status_class("4.4.1"), ==, 4);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/status/valid", test_valid);
	g_test_add_func("/status/parse-field", test_parse_field);
	g_test_add_func("/status/find", test_find);
	g_test_add_func("/status/generic", test_generic);
	return g_test_run();
}
