/*
 * cmd_incidents.c: "rebound incidents": the bursts the incident guard
 * held (guard.c), and an operator's word on one.
 *
 *   rebound incidents [--format F]          every incident, oldest first
 *   rebound incidents close ID --confirm    its held outcomes count hard
 *   rebound incidents close ID --discard    they do not count at all
 *
 * An incident closes by itself after [guard] quiet without another hard
 * bounce of its group, its held outcomes counting as soft; closing it
 * by hand says what they were.  The store does the work.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static int	 cmd_incidents(int, char **);
const struct cmd_entry cmd_incidents_entry = {
	.name = "incidents", .run = cmd_incidents,
	.usage = "[close ID --confirm|--discard] - the "
	    "incident guard's incidents",
	.help = "list the bursts the incident guard held",
};

static void
incidents_row(const struct store_incident *i, void *data)
{
	struct output *out = data;
	g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, i->id);
	g_autofree char *opened = cli_time(i->opened);
	g_autofree char *first = cli_time(i->first);
	g_autofree char *last = cli_time(i->last);
	g_autofree char *closed = i->closed ? cli_time(i->closed) : NULL;
	g_autofree char *addresses = g_strdup_printf("%" G_GINT64_FORMAT,
	    i->addresses);
	g_autofree char *outcomes = g_strdup_printf("%" G_GINT64_FORMAT,
	    i->outcomes);
	const char *row[] = { id, guard_kind_name(i->kind), i->group,
	    guard_state_names[i->state], opened, first,
	    last, closed, addresses, outcomes, i->sample, NULL };

	output_row(out, row);
}

static int
incidents_list(struct store *s, const char *format)
{
	static const char *const columns[] = { "#id", "kind", "group",
	    "state", "opened", "first", "last", "closed", "#addresses",
	    "#outcomes", "sample", NULL };
	g_autoptr(GError) error = NULL;
	struct output *out;
	int ok;

	if ((out = cli_output("incidents", format, columns)) == NULL)
		return CLI_EXIT_USAGE;
	ok = store_incidents(s, incidents_row, out, &error);
	output_finish(&out);
	return ok ? CLI_EXIT_OK : cli_failed("incidents", error);
}

/* close ID: one transaction, reported once committed. */
static int
incidents_close(struct store *s, gint64 id, enum guard_state state)
{
	g_autoptr(GError) error = NULL;
	int found = 0;

	if (!store_begin(s, &error) ||
	    !store_incident_decide(s, id, state, g_get_real_time() /
	    G_USEC_PER_SEC, &found, &error) ||
	    !store_commit(s, &error)) {
		store_rollback(s);
		g_printerr("rebound incidents: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	if (!found) {
		g_printerr("rebound incidents: no incident %" G_GINT64_FORMAT
		    "\n", id);
		return CLI_EXIT_INPUT;
	}
	printf("incident %" G_GINT64_FORMAT " %s: its held bounces %s\n", id,
	    guard_state_names[state], state == GUARD_CONFIRMED ? "count as hard" :
	    "no longer count");
	return CLI_EXIT_OK;
}

/* "close ID": the incident's id, or 0 with a message. */
static gint64
incidents_id(int argc, char **argv)
{
	char *end;
	gint64 id;

	if (argc != 3 || strcmp(argv[1], "close") != 0) {
		g_printerr("rebound incidents: expected no argument, or "
		    "'close ID' (see --help)\n");
		return 0;
	}
	id = g_ascii_strtoll(argv[2], &end, 10);
	if (end == argv[2] || *end != '\0' || id < 1) {
		g_printerr("rebound incidents: '%s' is not an incident id\n",
		    argv[2]);
		return 0;
	}
	return id;
}

static int
cmd_incidents(int argc, char **argv)
{
	struct cli_db d = { 0 };
	gboolean confirm = FALSE, discard = FALSE;
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ "confirm", 0, 0, G_OPTION_ARG_NONE, &confirm,
		  "With close: the held bounces were real, count them as hard",
		  NULL },
		{ "discard", 0, 0, G_OPTION_ARG_NONE, &discard,
		  "With close: the held bounces were the provider's fault, "
		  "count them not at all", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct store *s = NULL;
	gint64 id = 0;
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, &cmd_incidents_entry,
	    "Lists the incidents: a burst of hard bounces for one domain or\n"
	    "provider that the guard held (counted as soft) instead of\n"
	    "removing the addresses.  'close ID --confirm' makes its held\n"
	    "bounces count as hard (the addresses were dead); 'close ID\n"
	    "--discard' makes them count not at all (the provider's bad\n"
	    "hour).", entries))
		goto done;
	if (argc > 1 && (id = incidents_id(argc, argv)) == 0)
		goto done;
	if (id != 0 && confirm == discard) {
		g_printerr("rebound incidents: close needs --confirm or "
		    "--discard\n");
		goto done;
	}
	if (id == 0 && (confirm || discard)) {
		g_printerr("rebound incidents: --confirm and --discard go with "
		    "'close ID'\n");
		goto done;
	}
	if ((s = cli_store(&d, id != 0 ? STORE_WRITE : STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	rc = id != 0 ? incidents_close(s, id, confirm ? GUARD_CONFIRMED :
	    GUARD_DISCARDED) : incidents_list(s, d.format);
done:
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}
