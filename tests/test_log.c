/*
 * test_log.c: what log_escape() makes of text from outside.
 */
#include "config.h"

#include <glib.h>

#include "log.h"

static void
test_escape(void)
{
	static const struct { const char *in; gssize len; const char *want; }
	    cases[] = {
		{ "plain text, <a@example.org>", -1,
		  "plain text, <a@example.org>" },
		{ "two\r\nlines", -1, "two\\r\\nlines" },
		{ "tab\there", -1, "tab\\there" },
		{ "\x1b[31mred\x1b[0m", -1, "\\x1b[31mred\\x1b[0m" },
		{ "bell\a del\x7f", -1, "bell\\x07 del\\x7f" },
		{ "back\\slash", -1, "back\\\\slash" },
		{ "nul\0inside", 10, "nul\\x00inside" },
		{ "len 3 of more", 3, "len" },
		/* C1 CSI as UTF-8, a bare C1 byte, a cut sequence. */
		{ "c1 \xc2\x9b" "2J", -1, "c1 \\xc2\\x9b2J" },
		{ "latin-1 \x9b" "2J \xe9t\xe9", -1,
		  "latin-1 \\x9b2J \\xe9t\\xe9" },
		{ "cut \xe2\x82", -1, "cut \\xe2\\x82" },
		/* Right-to-left override, line separator; other text stays. */
		{ "rtl \xe2\x80\xae" "gpj.exe", -1,
		  "rtl \\xe2\\x80\\xaegpj.exe" },
		{ "ls \xe2\x80\xa8", -1, "ls \\xe2\\x80\\xa8" },
		{ "j\xc3\xb6rg \xe7\x94\xb0\xe4\xb8\xad \xf0\x9f\x98\x80", -1,
		  "j\xc3\xb6rg \xe7\x94\xb0\xe4\xb8\xad \xf0\x9f\x98\x80" },
		{ "", -1, "" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = log_escape(cases[i].in, cases[i].len);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/escape", test_escape);
	return g_test_run();
}
