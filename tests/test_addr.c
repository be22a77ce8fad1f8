/*
 * test_addr.c: address normalisation, xtext and unitext decoding.
 */
#include "config.h"

#include <glib.h>

#include "addr.h"

static void
test_normalise(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "rfc822; Alice@Example.ORG", "Alice@example.org" },
		{ "rfc822;<bob@EXAMPLE.net>", "bob@example.net" },
		{ "<carol@example.com>", "carol@example.com" },
		{ "  dave@example.com  ", "dave@example.com" },
		{ "RFC822; \"Eve\" <eve@Mail.Example.COM>", "eve@mail.example.com" },
		{ "utf-8; j\\x{00F6}rg@B\\x{00DC}CHER.example",
		  "j\xc3\xb6rg@b\xc3\xbc" "cher.example" },
		{ "utf-8; \xe7\x94\xb0\xe4\xb8\xad@example.jp",
		  "\xe7\x94\xb0\xe4\xb8\xad@example.jp" },
		{ "rfc822; list-bounces+a=b.org@Lists.Example.NET",
		  "list-bounces+a=b.org@lists.example.net" },
		{ "rfc822; bad\xff@Example.ORG", "bad\xef\xbf\xbd@example.org" },
		{ "rfc822; bad\xff@example.org", "bad\xef\xbf\xbd@example.org" },
		{ "rfc822;", NULL },
		{ "", NULL },
		/* A quoted local part may hold a ';': no type there. */
		{ "\"a;b\"@Example.org", "\"a;b\"@example.org" },
		{ "rfc822; \"a;b\"@example.org", "\"a;b\"@example.org" },
		/* Control bytes: no address at all, not a near-copy. */
		{ "rfc822; al\x01ice@example.org", NULL },
		{ "bob\x7f@example.org", NULL },
		{ "rfc822; carol@exa\tmple.org", NULL },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = addr_normalise(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

static void
test_xtext(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "a+2Bb@example.org", "a+b@example.org" },
		{ "a+3Db@example.org", "a=b@example.org" },
		{ "list+bounces@example.org", "list+bounces@example.org" },
		{ "x+2", "x+2" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = addr_xtext_decode(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

static void
test_unitext(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "\\x{41}b", "Ab" },
		{ "\\x{1F600}", "\xf0\x9f\x98\x80" },
		{ "\\x{D800}", "\\x{D800}" },		/* a surrogate: kept as is */
		{ "\\x{}", "\\x{}" },
		{ "\\x{41", "\\x{41" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = addr_unitext_decode(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

static void
test_strip_type(void)
{
	g_autofree char *a = addr_strip_type("dns; mx.example.org");
	g_autofree char *b = addr_strip_type("550 user unknown; sorry");

	g_assert_cmpstr(a, ==, "mx.example.org");
	g_assert_cmpstr(b, ==, "550 user unknown; sorry");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/addr/normalise", test_normalise);
	g_test_add_func("/addr/xtext", test_xtext);
	g_test_add_func("/addr/unitext", test_unitext);
	g_test_add_func("/addr/strip-type", test_strip_type);
	return g_test_run();
}
