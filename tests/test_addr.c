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
		/* An RFC 5321 source route: the mailbox at its end. */
		{ "rfc822; @relay.example.net:ann@example.org",
		  "ann@example.org" },
		{ "<@a.example,@b.example:Ann@Example.ORG>", "Ann@example.org" },
		/* An X.400 O/R address carrying an RFC 822 one (RFC 2156). */
		{ "x400; /C=US/ADMD= /PRMD=Example/RFC-822=ann(a)Example.ORG/",
		  "ann@example.org" },
		{ "c=US;a= ;p=Example;o=Mail;rfc-822=first(u)last(a)example.net;",
		  "first_last@example.net" },
		{ "/RFC-822=a(p)b(a)example.org/", "a%b@example.org" },
		{ "/RFC-822=o(q)brien(q)(a)example.org/", "o\"brien\"@example.org" },
		{ "/RFC-822=x(045)y(a)example.org/", "x-y@example.org" },
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

/* Fields that hold several addresses: one each, with the field's type. */
static void
test_split(void)
{
	static const struct { const char *in; const char *want[4]; } cases[] = {
		{ "rfc822; a@example.org, b@example.net",
		  { "a@example.org", "b@example.net" } },
		{ "rfc822; <a@Example.ORG>; <b@example.net>;",
		  { "a@example.org", "b@example.net" } },
		{ "a@example.org,b@example.net, c@example.com",
		  { "a@example.org", "b@example.net", "c@example.com" } },
		{ "utf-8; j\\x{00F6}rg@example.de, ann@example.org",
		  { "j\xc3\xb6rg@example.de", "ann@example.org" } },
		/* One address: as addr_normalise() gives it. */
		{ "rfc822; ann@example.org", { "ann@example.org" } },
		{ "\"Doe, Ann\" <ann@example.org>", { "ann@example.org" } },
		{ "Doe, Ann <ann@example.org>", { "ann@example.org" } },
		{ "\"a;b\"@example.org", { "\"a;b\"@example.org" } },
		{ "x400; c=US;a= ;p=Ex;RFC-822=ann(a)example.org;",
		  { "ann@example.org" } },
		{ "", { NULL } },
		{ NULL, { NULL } },
	};
	size_t i, j;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) got = addr_split(cases[i].in);

		for (j = 0; cases[i].want[j] != NULL; j++) {
			g_assert_cmpuint(j, <, got->len);
			g_assert_cmpstr(g_ptr_array_index(got, j), ==,
			    cases[i].want[j]);
		}
		g_assert_cmpuint(got->len, ==, j);
	}
}

static void
test_list_id(void)
{
	static const struct { const char *addr, *id; int want; } cases[] = {
		{ "list@lists.example.com", "Example <list.lists.example.com>", 1 },
		{ "List@Lists.Example.com", "<list.lists.example.com>", 1 },
		{ "list@lists.example.com", "list.lists.example.com", 1 },
		{ "ann@lists.example.com", "<list.lists.example.com>", 0 },
		{ "list@example.com", "<list.lists.example.com>", 0 },
		/* The convention cannot tell where the '@' was. */
		{ "list.lists@example.com", "<list.lists.example.com>", 1 },
		{ "list@lists.example.com", NULL, 0 },
		{ "nobody", "<nobody>", 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(addr_is_list_id(cases[i].addr, cases[i].id), ==,
		    cases[i].want);
}

static void
test_mailto(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "<mailto:list@Lists.Example.com>", "list@lists.example.com" },
		{ "<mailto:list@example.org?subject=post>", "list@example.org" },
		{ "<https://example.org/post>, <MAILTO:list@example.org>",
		  "list@example.org" },
		{ "NO (posting not allowed on this list)", NULL },
		{ "<mailto:nobody>", NULL },
		{ NULL, NULL },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = addr_mailto(cases[i].in);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/addr/normalise", test_normalise);
	g_test_add_func("/addr/xtext", test_xtext);
	g_test_add_func("/addr/unitext", test_unitext);
	g_test_add_func("/addr/strip-type", test_strip_type);
	g_test_add_func("/addr/split", test_split);
	g_test_add_func("/addr/list-id", test_list_id);
	g_test_add_func("/addr/mailto", test_mailto);
	return g_test_run();
}
