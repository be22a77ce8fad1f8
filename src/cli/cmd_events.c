/*
 * cmd_events.c: "rebound events": the changes of state the store has
 * published (store_events.c), oldest first, as JSON lines (revent.h's
 * schema), plain lines for "while read" or CSV.
 *
 * --since takes an event id (the events after it: a consumer passes the
 * last one it handled) or a time (30m, 7d, a date, RFC 3339).  --follow
 * then polls the database every EVENTS_POLL_MS for newer ones, as a
 * reader beside reboundd, flushing each line; it ends with exit 0 on
 * SIGINT or SIGTERM, or when its reader goes away (EPIPE).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "revent.h"
#include "output.h"
#include "vocab.h"

static int	 cmd_events(int, char **);
const struct cmd_entry cmd_events_entry = {
	.name = "events", .run = cmd_events,
	.usage = "- changes of state, oldest first",
	.help = "print changes of state, oldest first; --follow",
};

/* What events --help says after the options. */
static const char events_description[] =
    "Prints each published event (an address became dead, complained,\n"
    "suspect or alive; an incident opened or closed; a hook paused or\n"
    "resumed) in id order.  address.dead waits [events] delay (the\n"
    "guard's window) first.  The JSON schema is in rebound(1).\n"
    "Deliveries to hooks: rebound events --failed, rebound events retry\n"
    "ID, rebound events resume (rebound events --failed --help).";

#define EVENTS_POLL_MS	200

enum events_format { EVENTS_JSON, EVENTS_PLAIN, EVENTS_CSV };
#define EVENTS_FORMATS	(EVENTS_CSV + 1)

static const char *const events_format_names[] = {
	[EVENTS_JSON] = "json",
	[EVENTS_PLAIN] = "plain",
	[EVENTS_CSV] = "csv",
};
G_STATIC_ASSERT(G_N_ELEMENTS(events_format_names) == EVENTS_FORMATS);

struct events_cmd {
	struct store		*store;
	enum events_format	 format;
	struct output		*csv;
	GString			*buf;
	gint64			 after;		/* the last id read */
	gint64			 since;		/* time; G_MININT64: all */
	const char		*type;		/* NULL: any */
	int			 follow;
	int			 write_errno;	/* stdout failed */
};

static volatile sig_atomic_t events_stopped;

static void
events_stop(int sig)
{
	events_stopped = 1;
}

/* --since: an id (digits), else a time as list takes it, or RFC 3339. */
static int
events_since(struct events_cmd *c, const char *spec)
{
	g_autoptr(GDateTime) dt = NULL;
	guint64 id;

	c->since = G_MININT64;
	if (spec == NULL)
		return 1;
	if (g_ascii_string_to_unsigned(spec, 10, 0, G_MAXINT64, &id, NULL)) {
		c->after = (gint64)id;
		return 1;
	}
	if (cli_since(spec, g_get_real_time() / G_USEC_PER_SEC, &c->since))
		return 1;
	if ((dt = g_date_time_new_from_iso8601(spec, NULL)) != NULL) {
		c->since = g_date_time_to_unix(dt);
		return 1;
	}
	g_printerr("rebound events: --since '%s' is neither an event id nor "
	    "a time: use an id, a duration such as 30m, 12h, 7d or 2w, a date "
	    "YYYY-MM-DD or a time 2026-12-02T07:45:00Z\n", spec);
	return 0;
}

static int
events_options(struct events_cmd *c, const char *format, const char *type)
{
	int i = format == NULL ? EVENTS_JSON :
	    vocab_find(events_format_names, EVENTS_FORMATS, format);

	if (i < 0) {
		g_autofree char *known = vocab_join(events_format_names,
		    EVENTS_FORMATS, "or");

		g_printerr("rebound events: unknown format '%s' (use %s)\n",
		    format, known);
		return 0;
	}
	c->format = (enum events_format)i;
	if (type != NULL && !revent_type_known(type)) {
		g_autofree char *known = revent_type_list();

		g_printerr("rebound events: unknown type '%s' (use one of %s)\n",
		    type, known);
		return 0;
	}
	c->type = type;
	return 1;
}

/* Following, each line goes out at once; stop once nobody reads. */
static int
events_flush(struct events_cmd *c)
{
	if (fflush(stdout) == 0)
		return 1;
	c->write_errno = errno;
	return 0;
}

static int
events_print(const struct revent *ev, void *data)
{
	struct events_cmd *c = data;
	struct revent_values v;

	c->after = ev->id;
	g_string_truncate(c->buf, 0);
	switch (c->format) {
	case EVENTS_JSON:
		revent_json(ev, c->buf);
		g_string_append_c(c->buf, '\n');
		break;
	case EVENTS_PLAIN:
		revent_plain(ev, c->buf);
		break;
	case EVENTS_CSV:
		revent_values(ev, &v);
		output_row(c->csv, v.v);
		break;
	}
	fwrite(c->buf->str, 1, c->buf->len, stdout);
	return !c->follow || events_flush(c);
}

/*
 * The events after c->after.  Every id up to the last one seen before
 * the query was read by it (ids are given at commit, in order), so the
 * next read can start past them even when the filters printed none.
 */
static int
events_read(struct events_cmd *c, GError **error)
{
	gint64 last = store_events_last(c->store);

	if (!store_events(c->store, c->after, c->since, c->type, -1,
	    events_print, c, error))
		return 0;
	if (c->write_errno == 0 && last > c->after)
		c->after = last;
	return 1;
}

static void
events_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = events_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
events_run(struct events_cmd *c)
{
	g_autoptr(GError) error = NULL;
	int ok;

	if (c->format == EVENTS_CSV)
		c->csv = output_new("csv", revent_columns(), NULL);
	if (c->follow)
		events_signals();
	ok = events_read(c, &error);
	while (ok && c->follow && !events_stopped && c->write_errno == 0 &&
	    events_flush(c)) {
		g_usleep(EVENTS_POLL_MS * 1000);
		ok = events_stopped || events_read(c, &error);
	}
	output_finish(&c->csv);
	if (!ok) {
		g_printerr("rebound events: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	if (c->write_errno == 0 && fflush(stdout) != 0)
		c->write_errno = errno;
	if (c->write_errno == 0 || c->write_errno == EPIPE)
		return CLI_EXIT_OK;
	g_printerr("rebound events: standard output: %s\n",
	    g_strerror(c->write_errno));
	return CLI_EXIT_INPUT;
}

static int
cmd_events(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autofree char *since = NULL, *type = NULL;
	gboolean follow = FALSE;
	GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &since,
		  "Only events after event ID, or since WHEN: 7d, 12h, 30m, "
		  "2w ago, a date YYYY-MM-DD or 2026-12-02T07:45:00Z",
		  "ID|WHEN" },
		{ "follow", 'F', 0, G_OPTION_ARG_NONE, &follow,
		  "Then wait for new events and print them as they come", NULL },
		{ "type", 't', 0, G_OPTION_ARG_STRING, &type,
		  "Only events of this type (address.dead, ...)", "TYPE" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &d.format,
		  "json (the default: one object a line), plain or csv",
		  "FORMAT" },
		CLI_DB_ENTRIES(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct events_cmd c = { 0 };
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, &cmd_events_entry,
	    events_description, entries))
		goto done;
	if (argc > 1) {
		g_printerr("rebound events: unexpected argument '%s' (see "
		    "--help)\n", argv[1]);
		goto done;
	}
	if (!events_options(&c, d.format, type) || !events_since(&c, since))
		goto done;
	if ((c.store = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	c.follow = follow;
	c.buf = g_string_new(NULL);
	rc = events_run(&c);
	g_string_free(c.buf, TRUE);
done:
	store_close(&c.store);
	cli_db_clear(&d);
	return rc;
}
