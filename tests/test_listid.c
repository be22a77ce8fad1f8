/*
 * test_listid.c: which list a returned message belongs to (listid.c),
 * case by case: the List-Id as list managers and people write it, the
 * bounce addresses of list managers and the generic ones that name no
 * list, and what "rebound list --list" takes.
 */
#include "config.h"

#include <glib.h>

#include "listid.h"
#include "verp.h"

/* listid_parse(): a List-Id value's id, or NULL. */
static void
test_parse(void)
{
	static const struct { const char *value, *id; } cases[] = {
		{ "News <news.lists.example.org>", "news.lists.example.org" },
		{ "<news.lists.example.org>", "news.lists.example.org" },
		{ "news.lists.example.org", "news.lists.example.org" },
		{ "  news.lists.example.org \t", "news.lists.example.org" },
		{ "\"Weekly News\"\t<  News.Lists.Example.ORG >",
		  "news.lists.example.org" },
		{ "News\r\n <news.lists.example.org>", "news.lists.example.org" },
		{ "<news.lists.example.org> (the news)",
		  "news.lists.example.org" },
		{ "\"a <b>\" <news.lists.example.org>", "news.lists.example.org" },
		{ "Mailchimp <2b6f0a.list-id.mcsv.net>", "2b6f0a.list-id.mcsv.net" },
		{ "<news_and-more+x.localhost>", "news_and-more+x.localhost" },
		{ "News", NULL },
		{ "<news>", NULL },
		{ "<>", NULL },
		{ "", NULL },
		{ "news lists.example.org", NULL },
		{ "<news@lists.example.org>", NULL },
		{ "<.news.example.org>", NULL },
		{ "<news..example.org>", NULL },
		{ "<news.example.org.>", NULL },
		{ "News <news.lists.example.org", NULL },
		{ NULL, NULL },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = listid_parse(cases[i].value);

		g_test_message("case %zu: \"%s\": got %s, want %s", i,
		    cases[i].value, id, cases[i].id);
		g_assert_cmpstr(id, ==, cases[i].id);
	}
}

/*
 * listid_decide() after verp_decode(), as ingest.c calls them: the
 * envelope recipient (its bounce address when it is not VERP, as
 * ingest.c takes it), the returned message's List-Id and List-Post, and
 * the list id and posting address that come of them.
 */
static const struct {
	char		 delimiter, equals;
	const char	*envelope, *list_id, *list_post;
	const char	*id, *address;
} decide_cases[] = {
	/* The List-Id decides, whatever the VERP prefix. */
	{ '+', '=', "bounces+gone=d1.example@lists.example.org",
	  "News <news.lists.example.org>", NULL,
	  "news.lists.example.org", NULL },
	{ '+', '=', "bounces+gone=d1.example@lists.example.org",
	  "News <news.lists.example.org>", "<mailto:news@lists.example.org>",
	  "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "sport-bounces+gone=d1.example@lists.example.org",
	  "News <news.lists.example.org>", NULL,
	  "news.lists.example.org", NULL },
	{ '+', '=', "news-bounces+gone=d1.example@lists.example.org",
	  "<NEWS.lists.example.org>", NULL,
	  "news.lists.example.org", "news@lists.example.org" },
	/* A List-Post of another list is not this list's address. */
	{ '+', '=', "bounces+gone=d1.example@lists.example.org",
	  "<news.lists.example.org>", "<mailto:sport@lists.example.org>",
	  "news.lists.example.org", NULL },
	/* No List-Id: a list manager's bounce address. */
	{ '+', '=', "news-bounces+gone=d1.example@lists.example.org", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "News-Bounces+gone=d1.example@Lists.Example.ORG", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "news-bounce+gone=d1.example@lists.example.org", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "news-owner+gone=d1.example@lists.example.org", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "big-news-bounces+gone=d1.example@lists.example.org",
	  NULL, NULL, "big-news.lists.example.org",
	  "big-news@lists.example.org" },
	{ '#', '%', "news-bounces#gone%d1.example@lists.example.org", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "<news-bounces+gone=d1.example@lists.example.org>", NULL,
	  NULL, "news.lists.example.org", "news@lists.example.org" },
	/* Not VERP: the envelope recipient is the bounce address, up to
	   the delimiter (Mailman's probes: news-bounces+TOKEN@). */
	{ '+', '=', "news-bounces@lists.example.org", NULL, NULL,
	  "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "news-bounces+x7f3a9@lists.example.org", NULL, NULL,
	  "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "bounces+x7f3a9@lists.example.org", NULL, NULL,
	  NULL, NULL },
	/* A generic prefix, or a bare one, names no list. */
	{ '+', '=', "bounces+gone=d1.example@lists.example.org", NULL, NULL,
	  NULL, NULL },
	{ '+', '=', "bounce+gone=d1.example@lists.example.org", NULL, NULL,
	  NULL, NULL },
	{ '+', '=', "return+gone=d1.example@lists.example.org", NULL, NULL,
	  NULL, NULL },
	{ '+', '=', "news+gone=d1.example@lists.example.org", NULL, NULL,
	  NULL, NULL },
	{ '+', '=', "-bounces+gone=d1.example@lists.example.org", NULL, NULL,
	  NULL, NULL },
	{ '+', '=', "bounces@lists.example.org", NULL, NULL, NULL, NULL },
	{ '+', '=', NULL, NULL, NULL, NULL, NULL },
	/* A List-Id that is none: the bounce address decides. */
	{ '+', '=', "news-bounces+gone=d1.example@lists.example.org",
	  "News", NULL, "news.lists.example.org", "news@lists.example.org" },
	{ '+', '=', "bounces+gone=d1.example@lists.example.org",
	  "<news>", NULL, NULL, NULL },
};

static void
test_decide(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(decide_cases); i++) {
		struct verp v = { .delimiter = decide_cases[i].delimiter,
		    .equals = decide_cases[i].equals };
		g_autofree char *subscriber = NULL, *bounce = NULL;
		struct listid r = { 0 };

		if (decide_cases[i].envelope != NULL &&
		    !verp_decode(&v, decide_cases[i].envelope, &subscriber,
		    &bounce)) {
			g_free(bounce);
			bounce = verp_bounce(&v, decide_cases[i].envelope);
		}
		listid_decide(decide_cases[i].list_id,
		    decide_cases[i].list_post, bounce, &r);
		g_test_message("case %zu: %s, %s: got %s %s, want %s %s", i,
		    decide_cases[i].envelope, decide_cases[i].list_id, r.id,
		    r.address, decide_cases[i].id, decide_cases[i].address);
		g_assert_cmpstr(r.id, ==, decide_cases[i].id);
		g_assert_cmpstr(r.address, ==, decide_cases[i].address);
		listid_clear(&r);
		g_assert_null(r.id);
	}
}

/* What a person types after --list: one id for all of them. */
static void
test_typed(void)
{
	static const struct { const char *typed, *id; } cases[] = {
		{ "news.lists.example.org", "news.lists.example.org" },
		{ "News.Lists.Example.Org", "news.lists.example.org" },
		{ "news@lists.example.org", "news.lists.example.org" },
		{ " NEWS@lists.example.org ", "news.lists.example.org" },
		{ "News <news.lists.example.org>", "news.lists.example.org" },
		{ "news", "news" },
		{ "Bounces", "bounces" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = listid_typed(cases[i].typed);

		g_assert_cmpstr(id, ==, cases[i].id);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/listid/parse", test_parse);
	g_test_add_func("/listid/decide", test_decide);
	g_test_add_func("/listid/typed", test_typed);
	return g_test_run();
}
