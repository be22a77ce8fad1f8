/*
 * cmd_prune.c: "rebound prune", "rebound forget", "rebound expire".
 *
 * prune prints the addresses a list should remove (state dead or
 * complained), or with --dry-run --policy KEY=VALUE what other policy
 * values would change: the store replays every address's history
 * through the same policy_apply() it keeps the addresses table with and
 * compares the two.  It only reads the database.
 *
 * forget takes everything recorded about an address out of the database
 * (a re-subscribed or erased person); expire drops messages older than
 * a cutoff and recomputes the addresses they named.  Each does its work
 * in one transaction, so a failure leaves the database as it was.  The
 * store does the work (store.c); this file reads the options and prints.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "output.h"
#include "policy.h"

static int	 cmd_prune(int, char **);
const struct cmd_entry cmd_prune_entry = {
	.name = "prune", .run = cmd_prune,
	.usage = "- the addresses to remove",
	.help = "print the addresses to remove from a list",
};

static int	 cmd_forget(int, char **);
const struct cmd_entry cmd_forget_entry = {
	.name = "forget", .run = cmd_forget,
	.usage = "ADDRESS... - erase what is recorded about addresses",
	.help = "erase what is recorded about addresses",
};

static int	 cmd_expire(int, char **);
const struct cmd_entry cmd_expire_entry = {
	.name = "expire", .run = cmd_expire,
	.usage = "--older-than AGE - drop old bounces",
	.help = "drop bounces older than a given age",
};

/*
 * Plain output is for "mailman delmembers" and the like: the address
 * alone.  output.c decides the same way when no format is given.
 */
static int
prune_plain(const char *format)
{
	return output_is_plain(format);
}

/* Rows of prune: the address alone when plain. */
struct prune_print {
	struct output	*out;
	int		 plain;
};

/* The addresses to remove now, as the addresses table has them. */
static void
prune_row(const struct store_removed *r, void *data)
{
	struct prune_print *pp = data;
	/* Plain is the address alone: no time to format, a million times. */
	g_autofree char *last = pp->plain ? NULL : cli_time(r->last_seen);
	const char *row[] = { r->address, r->state, r->reason, last, NULL };

	output_row(pp->out, row);
}

/* What a policy would change: + newly removed, - no longer removed. */
static void
prune_change_row(const struct store_removed *r, void *data)
{
	struct prune_print *pp = data;

	if (pp->plain) {
		g_autofree char *line = g_strdup_printf("%c %s", r->change,
		    r->address);
		const char *row[] = { line, NULL };

		output_row(pp->out, row);
	} else {
		const char change[] = { r->change, '\0' };
		const char *row[] = { change, r->address, r->state, r->reason,
		    NULL };

		output_row(pp->out, row);
	}
}

/*
 * Without p, the addresses to remove; with p (--dry-run), what p would
 * change, sorted by address.
 */
static int
prune_run(struct store *s, const struct policy *p, int suspects,
    int probing, const char *format)
{
	static const char *const wide[] = { "address", "state", "reason",
	    "last_seen", NULL };
	static const char *const changes[] = { "change", "address", "state",
	    "reason", NULL };
	static const char *const narrow[] = { "address", NULL };
	static const char *const narrow_changes[] = { "change", NULL };
	struct prune_print pp = { .plain = prune_plain(format) };
	const char *const *columns = p != NULL ?
	    (pp.plain ? narrow_changes : changes) : (pp.plain ? narrow : wide);
	g_autoptr(GError) error = NULL;
	int ok;

	if ((pp.out = cli_output("prune", format, columns)) == NULL)
		return CLI_EXIT_USAGE;
	if (suspects)
		ok = store_suspects(s, prune_row, &pp, &error);
	else if (probing)
		ok = store_probing(s, prune_row, &pp, &error);
	else if (p == NULL && pp.plain)
		ok = store_removed_addresses(s, prune_row, &pp, &error);
	else
		ok = store_prune(s, p, p != NULL ? prune_change_row : prune_row,
		    &pp, &error);
	output_finish(&pp.out);
	return ok ? CLI_EXIT_OK : cli_failed("prune", error);
}

/* rebound prune --help: what it prints, and the keys --policy takes. */
static char *
prune_help(void)
{
	g_autofree char *keys = policy_keys_help();

	return g_strdup_printf(
	    "Prints the addresses the policy removes (dead or complained),\n"
	    "plain: one address a line.  With --dry-run and --policy, replays\n"
	    "every address's history under other policy values and prints\n"
	    "what would change: + newly removed, - no longer removed.  With\n"
	    "--suspect, the addresses a hard bounce made suspect, with its\n"
	    "evidence, which a second hard bounce on another day would make\n"
	    "dead.  With --probing, the addresses a bounce would have made\n"
	    "dead that wait for their probe ([probe]): its bounce makes\n"
	    "them dead, no bounce within [probe] wait alive again.\n"
	    "Nothing is changed.\n\n"
	    "Policy keys, with their defaults:\n%s\n"
	    "And the incident guard's, as guard.KEY (rebound.conf(5)):\n"
	    "guard.enabled, guard.window, guard.min_addresses, guard.factor,\n"
	    "guard.baseline, guard.quiet, guard.late: the replay runs the\n"
	    "guard over every hard bounce in the order they were recorded,\n"
	    "each counted by its own time, as the daemon met them.", keys);
}

/* Whether prune's options go together; if not, it says why. */
static int
prune_check(int argc, char **argv, int dry_run, int suspects, int probing,
    char **overrides)
{
	g_autoptr(GError) error = NULL;
	struct policy scratch;

	policy_defaults(&scratch);
	if (argc > 1)
		g_printerr("rebound prune: unexpected argument '%s' (see "
		    "--help)\n", argv[1]);
	else if ((suspects || probing) && dry_run)
		g_printerr("rebound prune: --%s lists the addresses as "
		    "they are; it takes no --dry-run\n", suspects ? "suspect" :
		    "probing");
	else if (suspects && probing)
		g_printerr("rebound prune: --suspect or --probing, not both\n");
	else if (overrides != NULL && !dry_run)
		g_printerr("rebound prune: --policy needs --dry-run (change "
		    "the config to apply a policy)\n");
	else if (cli_policy(&scratch, overrides, &error))
		return 1;
	else
		g_printerr("rebound prune: %s\n", error->message);
	return 0;
}

static int
cmd_prune(int argc, char **argv)
{
	struct cli_db d = { 0 };
	gboolean dry_run = FALSE, suspects = FALSE, probing = FALSE;
	g_auto(GStrv) overrides = NULL;
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		  "Show what the policy, with --policy changes, would change",
		  NULL },
		{ "policy", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
		  "With --dry-run: try this policy value (repeatable)",
		  "KEY=VALUE" },
		{ "suspect", 's', 0, G_OPTION_ARG_NONE, &suspects,
		  "List the suspects instead: a hard bounce each, waiting for "
		  "a second to confirm it", NULL },
		{ "probing", 0, 0, G_OPTION_ARG_NONE, &probing,
		  "List the addresses waiting for their probe instead", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autofree char *help = prune_help();
	struct policy policy;
	struct store *s;
	int rc;

	if (!cli_options(&argc, &argv, &cmd_prune_entry, help, entries))
		return CLI_EXIT_USAGE;
	if (!prune_check(argc, argv, dry_run, suspects, probing, overrides)) {
		cli_db_clear(&d);
		return CLI_EXIT_USAGE;
	}
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		cli_db_clear(&d);
		return CLI_EXIT_DB;
	}
	if (dry_run) {
		/* Checked above; now on top of the configured policy. */
		policy = d.conf.policy;
		cli_policy(&policy, overrides, NULL);
		rc = prune_run(s, &policy, 0, 0, d.format);
	} else
		rc = prune_run(s, NULL, suspects, probing, d.format);
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}

/* Forget one address; say what was forgotten, once it is committed. */
static int
forget_address(struct store *s, const char *address, GString *out,
    int *nothing_r, GError **error)
{
	gint64 outcomes;
	int found;

	if (!store_forget(s, address, &outcomes, &found, error))
		return 0;
	if (!found) {
		g_string_append_printf(out, "nothing recorded for %s\n",
		    address);
		*nothing_r = 1;
	} else
		g_string_append_printf(out, "forgot %s: %" G_GINT64_FORMAT
		    " outcomes\n", address, outcomes);
	return 1;
}

/* All the addresses in one transaction; report once it is committed. */
static int
forget_run(struct store *s, GPtrArray *addresses, int *nothing_r)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	guint i;

	if (!store_begin(s, &error))
		goto fail;
	for (i = 0; i < addresses->len; i++)
		if (!forget_address(s, g_ptr_array_index(addresses, i), out,
		    nothing_r, &error)) {
			store_rollback(s);
			goto fail;
		}
	if (!store_commit(s, &error))
		goto fail;
	fputs(out->str, stdout);
	return CLI_EXIT_OK;
fail:
	g_printerr("rebound forget: %s\n", error->message);
	return CLI_EXIT_DB;
}

static int
cmd_forget(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	struct store *s;
	char *address;
	int i, nothing = 0, rc;

	if (!cli_db_options(&argc, &argv, &cmd_forget_entry,
	    "Deletes every outcome of each ADDRESS, the messages that name\n"
	    "no other address, and its state: for a person who subscribes\n"
	    "again or asks to be erased.", &d))
		return CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++) {
		if ((address = addr_normalise(argv[i])) == NULL) {
			g_printerr("rebound forget: '%s' is not an address\n",
			    argv[i]);
			cli_db_clear(&d);
			return CLI_EXIT_USAGE;
		}
		g_ptr_array_add(addresses, address);
	}
	if (addresses->len == 0) {
		g_printerr("rebound forget: no ADDRESS given (see --help)\n");
		cli_db_clear(&d);
		return CLI_EXIT_USAGE;
	}
	if ((s = cli_store(&d, STORE_WRITE)) == NULL) {
		cli_db_clear(&d);
		return CLI_EXIT_DB;
	}
	rc = forget_run(s, addresses, &nothing);
	if (rc == CLI_EXIT_OK && nothing)
		rc = CLI_EXIT_INPUT;
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}

/* One transaction: expire, recompute, commit; then say so. */
static int
expire_run(struct store *s, gint64 cutoff, GError **error)
{
	gint64 messages, outcomes;
	guint addresses;

	if (!store_begin(s, error))
		return 0;
	if (!store_expire(s, cutoff, &messages, &outcomes, &addresses,
	    error)) {
		store_rollback(s);
		return 0;
	}
	if (!store_commit(s, error))
		return 0;
	printf("expired %" G_GINT64_FORMAT " messages, %" G_GINT64_FORMAT
	    " outcomes; %u addresses updated\n", messages, outcomes,
	    addresses);
	return 1;
}

/* The cutoff of --older-than; 0 (after saying why) if there is none. */
static int
expire_cutoff(int argc, char **argv, const char *older, gint64 *cutoff_r)
{
	if (argc > 1)
		g_printerr("rebound expire: unexpected argument '%s' (see "
		    "--help)\n", argv[1]);
	else if (older == NULL)
		g_printerr("rebound expire: --older-than is required (e.g. "
		    "--older-than 180d)\n");
	else if (!cli_since(older, g_get_real_time() / G_USEC_PER_SEC,
	    cutoff_r))
		g_printerr("rebound expire: --older-than '%s': not an age "
		    "(180d, 12h, 30m, 2w) or a date (2026-05-01)\n", older);
	else
		return 1;
	return 0;
}

static int
cmd_expire(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autofree char *older = NULL;
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		{ "older-than", 'o', 0, G_OPTION_ARG_STRING, &older,
		  "Expire bounces older than AGE (180d, 12h, 2w, 2026-05-01)",
		  "AGE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GError) error = NULL;
	struct store *s;
	gint64 cutoff = 0;
	int rc = CLI_EXIT_OK;

	if (!cli_options(&argc, &argv, &cmd_expire_entry,
	    "Deletes the messages (and their outcomes) dated before AGE ago,\n"
	    "by the bounce's Date, and recomputes the addresses they named.", entries))
		return CLI_EXIT_USAGE;
	if (!expire_cutoff(argc, argv, older, &cutoff)) {
		cli_db_clear(&d);
		return CLI_EXIT_USAGE;
	}
	if ((s = cli_store(&d, STORE_WRITE)) == NULL) {
		cli_db_clear(&d);
		return CLI_EXIT_DB;
	}
	if (!expire_run(s, cutoff, &error)) {
		g_printerr("rebound expire: %s\n", error->message);
		rc = CLI_EXIT_DB;
	}
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}
