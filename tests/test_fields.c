/*
 * test_fields.c: field blocks, folding, groups, line endings, and a
 * parser fed one byte more at a time.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fields.h"

static const char dsn_lf[] =
    "Reporting-MTA: dns; mx.example.org\n"
    "Arrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
    "\n"
    "Final-Recipient: rfc822; a@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n"
    "    Recipient address rejected:\n"
    "\tUser unknown\n"
    "\n"
    "\n"
    "Final-Recipient: rfc822; b@example.org\n"
    "Action: delayed\n";

static struct field *
field_at(GPtrArray *fields, guint i)
{
	g_assert_cmpuint(i, <, fields->len);
	return g_ptr_array_index(fields, i);
}

static void
check_dsn(GPtrArray *fields)
{
	g_assert_cmpuint(fields->len, ==, 8);
	g_assert_cmpstr(field_at(fields, 0)->name, ==, "Reporting-MTA");
	g_assert_cmpint(field_at(fields, 0)->group, ==, 0);
	g_assert_cmpstr(field_at(fields, 5)->value, ==,
	    "smtp; 550 5.1.1 <a@example.org>: Recipient address rejected: "
	    "User unknown");
	g_assert_cmpint(field_at(fields, 5)->group, ==, 1);
	g_assert_cmpint(field_at(fields, 6)->group, ==, 2);
	g_assert_cmpstr(fields_get(fields, "status"), ==, "5.1.1");
	g_assert_null(fields_get(fields, "Remote-MTA"));
}

static void
test_groups(void)
{
	GPtrArray *f = fields_parse(dsn_lf, strlen(dsn_lf), 0);

	check_dsn(f);
	g_ptr_array_unref(f);
}

static char *
replace_newlines(const char *in, const char *eol)
{
	g_auto(GStrv) lines = g_strsplit(in, "\n", -1);

	return g_strjoinv(eol, lines);
}

static void
test_line_endings(void)
{
	const char *eols[] = { "\r\n", "\r" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(eols); i++) {
		g_autofree char *text = replace_newlines(dsn_lf, eols[i]);
		GPtrArray *f = fields_parse(text, strlen(text), 0);

		check_dsn(f);
		g_ptr_array_unref(f);
	}
}

static void
test_headers_only(void)
{
	const char hdr[] = "To: x@y\nSubject: hi\n there\n\nNot: a header\n";
	GPtrArray *f = fields_parse(hdr, strlen(hdr), 1);

	g_assert_cmpuint(f->len, ==, 2);
	g_assert_cmpstr(fields_get(f, "subject"), ==, "hi there");
	g_ptr_array_unref(f);
}

/* Every prefix parses without harm, as a truncated message would. */
/* Only the fields asked for; others, folded or not, leave no trace. */
static void
test_headers_some(void)
{
	static const char hdr[] =
	    "Received: from a\n\tby b\n"
	    "Subject: Hello\n"
	    "X-Other: x\n  subject: not a field\n"
	    "TO: a@example.org,\n b@example.org\n"
	    "\n"
	    "Subject: body\n";
	static const char *const only[] = { "Subject", "To", NULL };
	GPtrArray *f = fields_parse_headers(hdr, strlen(hdr), only);

	g_assert_cmpuint(f->len, ==, 2);
	g_assert_cmpstr(fields_get(f, "subject"), ==, "Hello");
	g_assert_cmpstr(fields_get(f, "To"), ==, "a@example.org, b@example.org");
	g_assert_null(fields_get(f, "Received"));
	g_ptr_array_unref(f);
}

static void
test_byte_at_a_time(void)
{
	size_t n, len = strlen(dsn_lf);

	for (n = 0; n <= len; n++) {
		GPtrArray *f = fields_parse(dsn_lf, n, 0);

		g_assert_cmpuint(f->len, <=, 8);
		g_ptr_array_unref(f);
	}
}

static void
test_value_cap(void)
{
	GString *big = g_string_new("Diagnostic-Code: smtp; ");
	GPtrArray *f;

	while (big->len < 4 * FIELDS_VALUE_MAX)
		g_string_append(big, "0123456789");
	g_string_append(big, "\nStatus: 5.1.1\n");
	f = fields_parse(big->str, big->len, 0);
	g_assert_cmpuint(f->len, ==, 2);
	g_assert_cmpuint(strlen(field_at(f, 0)->value), ==, FIELDS_VALUE_MAX);
	g_assert_cmpstr(field_at(f, 1)->value, ==, "5.1.1");
	g_ptr_array_unref(f);
	g_string_free(big, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fields/groups", test_groups);
	g_test_add_func("/fields/line-endings", test_line_endings);
	g_test_add_func("/fields/headers-only", test_headers_only);
	g_test_add_func("/fields/headers-some", test_headers_some);
	g_test_add_func("/fields/byte-at-a-time", test_byte_at_a_time);
	g_test_add_func("/fields/value-cap", test_value_cap);
	return g_test_run();
}
