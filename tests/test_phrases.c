/*
 * test_phrases.c: the phrase matcher: case, white space, priority, and
 * linear time on hostile text.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "phrases.h"

static void
test_match(void)
{
	static const struct { const char *section, *text; int match; } cases[] = {
		{ "autoreply-subject", "Out of Office: back Monday", 1 },
		{ "autoreply-subject", "OUT   OF\n OFFICE", 1 },
		{ "autoreply-subject", "Automatic reply: hello", 1 },
		{ "autoreply-subject", "Meeting notes", 0 },
		{ "bounce-subject", "Undelivered Mail Returned to Sender", 1 },
		{ "daemon-address", "MAILER-DAEMON@mx.example.org", 1 },
		{ "no-such-section", "anything", 0 },
		/* Phrases match from a word start: "locked" is not in "blocked". */
		{ "diagnostic", "IP 192.0.2.1 is blocked", 1 },
		{ "autoreply-subject", "about our office", 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *got = phrases_find(cases[i].section, cases[i].text,
		    NULL);

		if ((got != NULL) != cases[i].match)
			g_test_message("%s / \"%s\": got %s", cases[i].section,
			    cases[i].text, got ? "match" : "no match");
		g_assert_cmpint(got != NULL, ==, cases[i].match);
	}
	g_assert_null(phrases_find("autoreply-subject", NULL, NULL));
}

/* Word starts, and the longest phrase where several end together. */
static void
test_words(void)
{
	const char *phrase = NULL;

	g_assert_cmpstr(phrases_find("diagnostic", "Ip frequency limited Blocked",
	    &phrase), ==, "toomanyconn");
	g_assert_cmpstr(phrase, ==, "frequency limited");
	g_assert_cmpstr(phrases_find("diagnostic", "User not listed in "
	    "Domino Directory", &phrase), ==, "userunknown");
	g_assert_cmpstr(phrase, ==, "not listed in domino directory");
	g_assert_cmpstr(phrases_find("diagnostic", "Your IP is not listed in "
	    "our allowed senders", &phrase), ==, "blocked");
	g_assert_cmpstr(phrase, ==, "listed in");
}

static void
test_phrase_returned(void)
{
	const char *phrase = NULL;

	g_assert_nonnull(phrases_find("autoreply-subject",
	    "Re: Automatic Reply", &phrase));
	g_assert_cmpstr(phrase, ==, "automatic reply");
}

/* 8 MB of near-misses: one pass, no backtracking. */
static void
test_linear(void)
{
	size_t len = 8 * 1024 * 1024, i;
	char *text = g_malloc(len + 1);
	gint64 start;

	for (i = 0; i < len; i++)
		text[i] = "out of offic"[i % 12];
	text[len] = '\0';
	start = g_get_monotonic_time();
	g_assert_null(phrases_find("autoreply-subject", text, NULL));
	g_test_message("8 MB scanned in %.1f ms",
	    (g_get_monotonic_time() - start) / 1000.0);
	g_free(text);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/phrases/match", test_match);
	g_test_add_func("/phrases/phrase-returned", test_phrase_returned);
	g_test_add_func("/phrases/words", test_words);
	g_test_add_func("/phrases/linear", test_linear);
	return g_test_run();
}
