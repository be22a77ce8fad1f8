/*
 * log.c: where the daemon's and the CLI's log lines go, and the one place
 * that makes them safe to read.
 *
 * Log lines carry text from outside: LMTP commands, addresses,
 * Message-IDs, maildir file names, the diagnostic text of a bounce.
 * Written as it came, a CR or LF in it would start a forged line of its
 * own and an ESC would drive the terminal of whoever reads the log.  So
 * every message on its way out, g_log() lines (to stderr or the journal)
 * and g_printerr() lines alike, goes through log_escape(): a backslash,
 * every control character (C0, DEL, C1), the Unicode line separators
 * and bidirectional overrides, and every byte that is not UTF-8 become
 * a visible escape (\n, \r, \t, \\, else \xHH per byte); all other text
 * is left as it is.  Callers log what they have and escape nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* A byte that stands for itself, whatever follows: printable ASCII. */
#define LOG_PLAIN(b)	((b) >= 0x20 && (b) < 0x7f && (b) != '\\')

/* A character that must not reach a terminal or a log reader raw. */
static int
log_unsafe(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) ||
	    c == 0x2028 || c == 0x2029 ||		/* line, paragraph sep. */
	    (c >= 0x202a && c <= 0x202e) ||		/* bidi embed, override */
	    (c >= 0x2066 && c <= 0x2069);		/* bidi isolates */
}

/* One character, or one byte of what is not UTF-8, as an escape. */
static void
log_escape_char(GString *out, const char *s, const char *next, gunichar c)
{
	static const char plain[] = "\\\n\r\t", named[] = "\\nrt";
	const char *k;

	if (c != 0 && c < 0x80 && (k = strchr(plain, (int)c)) != NULL) {
		g_string_append_c(out, '\\');
		g_string_append_c(out, named[k - plain]);
		return;
	}
	for (; s < next; s++)
		g_string_append_printf(out, "\\x%02x", (guchar)*s);
}

/* A copy of len bytes of s (len -1: up to its NUL) fit for a log line. */
char *
log_escape(const char *s, gssize len)
{
	const char *end = s + (len < 0 ? strlen(s) : (size_t)len), *next;
	GString *out = g_string_sized_new(end - s);
	gunichar c;

	for (; s < end; s = next) {
		/* Most of a line is printable ASCII: copied a run at a time. */
		for (next = s; next < end && LOG_PLAIN(*next); next++)
			;
		if (next > s) {
			g_string_append_len(out, s, next - s);
			continue;
		}
		c = g_utf8_get_char_validated(s, end - s);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			next = s + 1;		/* not UTF-8 (or a NUL) */
			log_escape_char(out, s, next, c);
		} else {
			next = g_utf8_next_char(s);
			if (c == '\\' || log_unsafe(c))
				log_escape_char(out, s, next, c);
			else
				g_string_append_len(out, s, next - s);
		}
	}
	return g_string_free(out, FALSE);
}

/* Debug lines are wanted: G_MESSAGES_DEBUG, read once. */
int
log_debugging(void)
{
	static gsize once;
	static int on;

	if (g_once_init_enter(&once)) {
		on = g_getenv("G_MESSAGES_DEBUG") != NULL;
		g_once_init_leave(&once, 1);
	}
	return on;
}

/*
 * Every line to stderr (GLib would send info lines to stdout), or to the
 * journal; debug lines only with G_MESSAGES_DEBUG.  The MESSAGE field
 * is the only one with text from outside in it.
 */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer to)
{
	g_autofree GLogField *safe = NULL;
	g_autofree char *message = NULL, *line = NULL;
	gsize i;

	if ((level & G_LOG_LEVEL_DEBUG) && !log_debugging())
		return G_LOG_WRITER_HANDLED;
	safe = g_memdup2(fields, n * sizeof *fields);
	for (i = 0; i < n; i++)
		if (message == NULL && strcmp(safe[i].key, "MESSAGE") == 0) {
			message = log_escape(safe[i].value, safe[i].length);
			safe[i].value = message;
			safe[i].length = -1;
		}
	if (GPOINTER_TO_INT(to) == LOG_JOURNAL &&
	    g_log_writer_journald(level, safe, n, NULL) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;
	line = g_log_writer_format_fields(level, safe, n, FALSE);
	fprintf(stderr, "%s\n", line);
	return G_LOG_WRITER_HANDLED;
}

/*
 * g_printerr(): the newlines it starts and ends with are the caller's
 * line breaks; everything between is escaped.
 */
static void
log_printerr(const char *s)
{
	size_t len = strlen(s), lead = strspn(s, "\n"), trail = 0;
	g_autofree char *middle = NULL;

	while (trail < len - lead && s[len - 1 - trail] == '\n')
		trail++;
	middle = log_escape(s + lead, len - lead - trail);
	fprintf(stderr, "%.*s%s%.*s", (int)lead, s, middle, (int)trail,
	    s + len - trail);
}

void
log_init(enum log_to to)
{
	g_log_set_writer_func(log_writer, GINT_TO_POINTER(to), NULL);
	g_set_printerr_handler(log_printerr);
}
