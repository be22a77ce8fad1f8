/*
 * cmd_hooks.c: what the operator does about deliveries to hooks that
 * were refused for good, and about hooks that max_actions_per_hour
 * paused (store_hooks.c):
 *
 *   rebound events --failed [--format F]     the parked ones: event,
 *                                             hook, attempts, error, node
 *   rebound events --pending [--format F]    the queue: event, hook,
 *                                             attempts, next try (a
 *                                             lease's end), node
 *   rebound events retry ID [--hook NAME]    pending again: reboundd
 *                                             sends it on its next poll
 *   rebound events resume [--hook NAME]      the paused hooks (or that
 *                                             one) deliver again, with a
 *                                             new hour's allowance
 *
 * "rebound events" itself (cmd_events.c) hands these forms here.  retry
 * exits 1 when no failed delivery of that event was found, resume when
 * no hook (or not that one) was paused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "revent.h"
#include "output.h"

static int	 cmd_hooks(int, char **);
static int	 cmd_hooks_wanted(int, char **);
const struct cmd_entry cmd_hooks_entry = {
	.name = "events", .run = cmd_hooks,
	.usage = "--failed | --pending | retry ID | resume - "
	    "deliveries to hooks refused for good or queued, hooks paused",
	.match = cmd_hooks_wanted,
};

/* The node: who leased or last tried the delivery ([store] node). */
static const char *const hooks_columns[] = {
	"#event", "hook", "type", "address", "list", "#attempts", "queued",
	"error", "node", NULL
};
/* next: when it may go, or on PostgreSQL when its lease runs out. */
static const char *const hooks_pending_columns[] = {
	"#event", "hook", "type", "address", "list", "#attempts", "queued",
	"next", "error", "node", NULL
};

/* One delivery, as a row: with its next try when it is pending. */
static int
hooks_row(const struct store_delivery *d, void *arg)
{
	struct output *out = arg;
	g_autofree char *event = g_strdup_printf("%" G_GINT64_FORMAT, d->event);
	g_autofree char *attempts = g_strdup_printf("%d", d->attempts);
	g_autofree char *queued = cli_time(d->queued);
	g_autofree char *next = cli_time(d->next_try);
	const char *row[] = {
		event, d->hook, d->ev->type, d->ev->address, d->ev->list,
		attempts, queued, next, d->last_error, d->leased_by, NULL
	};

	if (d->state == DELIVERY_FAILED)
		memmove(&row[7], &row[8], 3 * sizeof row[0]);
	output_row(out, row);
	return 1;
}

/* The deliveries in state: failed (parked) or pending (the queue). */
static int
hooks_list(struct cli_db *d, enum store_delivery_state state)
{
	g_autoptr(GError) error = NULL;
	struct output *out;
	struct store *s;
	int ok;

	if ((out = cli_output("events", d->format, state == DELIVERY_FAILED ?
	    hooks_columns : hooks_pending_columns)) == NULL)
		return CLI_EXIT_USAGE;
	if ((s = cli_store(d, STORE_READ)) == NULL) {
		output_finish(&out);
		return CLI_EXIT_DB;
	}
	ok = store_hook_list(s, state, hooks_row, out, &error);
	output_finish(&out);
	store_close(&s);
	return ok ? CLI_EXIT_OK : cli_failed("events", error);
}

static int
hooks_retry(struct cli_db *d, const char *arg, const char *hook)
{
	g_autoptr(GError) error = NULL;
	struct store *s;
	guint64 id;
	guint n;
	int ok;

	if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXINT64, &id, NULL)) {
		g_printerr("rebound events retry: '%s' is not an event id\n",
		    arg);
		return CLI_EXIT_USAGE;
	}
	if ((s = cli_store(d, STORE_WRITE)) == NULL)
		return CLI_EXIT_DB;
	ok = store_hook_requeue(s, (gint64)id, hook,
	    g_get_real_time() / G_USEC_PER_SEC, &n, &error);
	store_close(&s);
	if (!ok) {
		g_printerr("rebound events retry: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	if (n == 0) {
		g_printerr("rebound events retry: no failed delivery of event "
		    "%s%s%s\n", arg, hook ? " to hook " : "", hook ? hook : "");
		return CLI_EXIT_INPUT;
	}
	printf("event %s: %u deliveries queued again\n", arg, n);
	return CLI_EXIT_OK;
}

/*
 * Resume hook (NULL: every paused one); reboundd sees it on its next
 * poll, and each resumed hook gets a hook.resumed event.
 */
static int
hooks_resume(struct cli_db *d, const char *hook)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) names = NULL;
	struct store *s;
	int ok;
	guint i;

	if ((s = cli_store(d, STORE_WRITE)) == NULL)
		return CLI_EXIT_DB;
	ok = store_hook_resume(s, hook, g_get_real_time() / G_USEC_PER_SEC,
	    &names, &error);
	store_close(&s);
	if (!ok) {
		g_printerr("rebound events resume: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	if (names[0] == NULL) {
		if (hook != NULL)
			g_printerr("rebound events resume: hook %s is not "
			    "paused\n", hook);
		else
			g_printerr("rebound events resume: no hook is paused\n");
		return CLI_EXIT_INPUT;
	}
	for (i = 0; names[i] != NULL; i++)
		printf("hook %s: resumed\n", names[i]);
	return CLI_EXIT_OK;
}

/* Whether "rebound events" was given --failed, retry or resume: ours. */
static int
cmd_hooks_wanted(int argc, char **argv)
{
	int i;

	if (argc > 1 && (strcmp(argv[1], "retry") == 0 ||
	    strcmp(argv[1], "resume") == 0))
		return 1;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--failed") == 0 ||
		    strcmp(argv[i], "--pending") == 0)
			return 1;
	return 0;
}

/*
 * rebound events --failed, rebound events retry ID, rebound events
 * resume: argv as given to "rebound events" (argv[0] is "events").
 */
static int
cmd_hooks(int argc, char **argv)
{
	struct cli_db d = { 0 };
	gboolean failed = FALSE, pending = FALSE;
	char *hook = NULL;
	GOptionEntry entries[] = {
		{ "failed", 0, 0, G_OPTION_ARG_NONE, &failed,
		  "List the deliveries to hooks parked as failed", NULL },
		{ "pending", 0, 0, G_OPTION_ARG_NONE, &pending,
		  "List the deliveries to hooks queued, and who holds them",
		  NULL },
		{ "hook", 0, 0, G_OPTION_ARG_STRING, &hook,
		  "retry, resume: only the delivery to, or the pause of, this "
		  "hook", "NAME" },
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, &cmd_hooks_entry,
	    "--failed lists the deliveries a hook refused for good (a 4xx\n"
	    "answer, or [hooks] max_age passed): event, hook, attempts, the\n"
	    "last error and the node that tried it last.  --pending lists\n"
	    "the queue: the next try (on PostgreSQL, while a daemon holds\n"
	    "a delivery, its lease's end) and the node that took it last.\n"
	    "retry ID makes failed ones pending again; reboundd\n"
	    "sends them on its next poll.  resume lets the hooks that\n"
	    "max_actions_per_hour paused (or the one --hook names) deliver\n"
	    "again, with a new hour's allowance.", entries))
		goto done;
	if (failed + pending == 1 && argc == 1)
		rc = hooks_list(&d, failed ? DELIVERY_FAILED : DELIVERY_PENDING);
	else if (!failed && !pending && argc == 3 && strcmp(argv[1], "retry") == 0)
		rc = hooks_retry(&d, argv[2], hook);
	else if (!failed && !pending && argc == 2 &&
	    strcmp(argv[1], "resume") == 0)
		rc = hooks_resume(&d, hook);
	else
		g_printerr("rebound events: give --failed, --pending, retry ID "
		    "or resume "
		    "(see --help)\n");
done:
	g_free(hook);
	cli_db_clear(&d);
	return rc;
}
