/*
 * cmd_prune.c: "rebound prune", "rebound forget", "rebound expire".
 *
 * prune prints the addresses a list should remove (state dead or
 * complained), or with --dry-run --policy KEY=VALUE what other policy
 * values would change: every address's history is replayed through the
 * same policy_apply() the store uses and compared with the addresses
 * table.  It only reads the database.
 *
 * forget takes everything recorded about an address out of the database
 * (a re-subscribed or erased person); expire drops messages older than
 * a cutoff and recomputes the addresses they named.  Each does its work
 * in one transaction, so a failure leaves the database as it was.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "output.h"
#include "policy.h"

#define SQL_PRUNE \
	"SELECT address, state, state_reason, last_seen FROM addresses " \
	"WHERE state IN ('dead', 'complained') ORDER BY address"
#define SQL_HISTORY_ALL \
	"SELECT address, class, reason, at FROM outcomes " \
	"ORDER BY address, at, id"

#define SQL_FORGET_COUNT \
	"SELECT count(*) FROM outcomes WHERE address = ?1"
#define SQL_FORGET_MESSAGES \
	"DELETE FROM messages WHERE id IN (SELECT message FROM outcomes " \
	"WHERE address = ?1) AND NOT EXISTS (SELECT 1 FROM outcomes o " \
	"WHERE o.message = messages.id AND o.address <> ?1)"
#define SQL_FORGET_OUTCOMES \
	"DELETE FROM outcomes WHERE address = ?1"
#define SQL_FORGET_ADDRESS \
	"DELETE FROM addresses WHERE address = ?1"

/*
 * A message is as old as the bounce it holds (its outcomes' date, which
 * the policy counts by), else as when it was recorded: an archive
 * imported today is still as old as its bounces.
 */
#define SQL_EXPIRED \
	"SELECT m.id FROM messages m WHERE coalesce((SELECT max(o.at) " \
	"FROM outcomes o WHERE o.message = m.id), m.received) < ?1"
#define SQL_EXPIRE_ADDRESSES \
	"SELECT DISTINCT address FROM outcomes WHERE message IN (" \
	SQL_EXPIRED ")"
#define SQL_EXPIRE_COUNT \
	"SELECT count(*) FROM outcomes WHERE message IN (" SQL_EXPIRED ")"
#define SQL_EXPIRE_DELETE \
	"DELETE FROM messages WHERE id IN (" SQL_EXPIRED ")"

/* A difference between the addresses table and a replay. */
struct prune_change {
	char	 change;	/* '+' newly removed, '-' no longer removed */
	char	*address;
	char	*state;
	char	*reason;
};

static void
prune_change_free(gpointer p)
{
	struct prune_change *c = p;

	g_free(c->address);
	g_free(c->state);
	g_free(c->reason);
	g_free(c);
}

static struct prune_change *
prune_change_new(char change, const char *address, const char *state,
    const char *reason)
{
	struct prune_change *c = g_new0(struct prune_change, 1);

	c->change = change;
	c->address = g_strdup(address);
	c->state = g_strdup(state);
	c->reason = g_strdup(reason);
	return c;
}

static int
prune_change_cmp(gconstpointer a, gconstpointer b)
{
	const struct prune_change *ca = *(struct prune_change *const *)a;
	const struct prune_change *cb = *(struct prune_change *const *)b;

	return strcmp(ca->address, cb->address);
}

/*
 * Plain output is for "mailman delmembers" and the like: the address
 * alone.  output.c decides the same way when no format is given.
 */
static int
prune_plain(const char *format)
{
	return output_is_plain(format);
}

static const char *
prune_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static struct output *
prune_output(const char *cmd, const char *format, const char *const *columns)
{
	g_autoptr(GError) error = NULL;
	struct output *o = output_new(format, columns, &error);

	if (o == NULL)
		g_printerr("rebound %s: %s\n", cmd, error->message);
	return o;
}

/* The addresses to remove now, as the addresses table has them. */
static int
prune_list(struct store *s, const char *format)
{
	static const char *const wide[] = { "address", "state", "reason",
	    "last_seen", NULL };
	static const char *const narrow[] = { "address", NULL };
	g_autoptr(GError) error = NULL;
	struct output *o;
	sqlite3_stmt *st;
	int rc;

	if ((o = prune_output("prune", format, prune_plain(format) ? narrow :
	    wide)) == NULL)
		return CLI_EXIT_USAGE;
	if (sqlite3_prepare_v2(store_db(s), SQL_PRUNE, -1, &st, NULL) !=
	    SQLITE_OK) {
		output_finish(&o);
		store_error(s, &error, "listing addresses");
		g_printerr("rebound prune: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_autofree char *last = cli_time(sqlite3_column_int64(st, 3));
		const char *row[] = { prune_text(st, 0), prune_text(st, 1),
		    prune_text(st, 2), last, NULL };

		output_row(o, row);
	}
	if (rc != SQLITE_DONE)
		store_error(s, &error, "listing addresses");
	sqlite3_finalize(st);
	output_finish(&o);
	if (error != NULL) {
		g_printerr("rebound prune: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	return CLI_EXIT_OK;
}

/* Apply each "KEY=VALUE" of --policy to p; policy_set() judges them. */
static int
prune_overrides(struct policy *p, char **specs, GError **error)
{
	guint i;

	for (i = 0; specs != NULL && specs[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(specs[i], "=", 2);

		if (kv[0] == NULL || kv[1] == NULL) {
			g_set_error(error, G_OPTION_ERROR,
			    G_OPTION_ERROR_BAD_VALUE, "--policy '%s': not "
			    "KEY=VALUE (e.g. soft_threshold=3)", specs[i]);
			return 0;
		}
		if (!policy_set(p, g_strstrip(kv[0]), g_strstrip(kv[1]), error))
			return 0;
	}
	return 1;
}

/*
 * The current removed addresses, each as a '-' change: the replay takes
 * out those it still removes, and what is left is no longer removed.
 */
static int
prune_load_current(struct store *s, GHashTable *current, GError **error)
{
	sqlite3_stmt *st;
	struct prune_change *c;
	int rc;

	if (sqlite3_prepare_v2(store_db(s), SQL_PRUNE, -1, &st, NULL) !=
	    SQLITE_OK)
		return store_error(s, error, "listing addresses");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c = prune_change_new('-', prune_text(st, 0), prune_text(st, 1),
		    prune_text(st, 2));
		g_hash_table_replace(current, c->address, c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, error, "listing addresses");
	return 1;
}

/* One address replayed: compare its new state with the current one. */
static void
prune_settle(GHashTable *current, GPtrArray *changes, const char *address,
    const struct policy_state *ps)
{
	int removed = strcmp(ps->state, "alive") != 0;

	if (g_hash_table_contains(current, address)) {
		if (removed)
			g_hash_table_remove(current, address);
	} else if (removed)
		g_ptr_array_add(changes, prune_change_new('+', address,
		    ps->state, ps->state_reason));
}

/* Replay every address's outcomes under p, in one pass over them. */
static int
prune_replay(struct store *s, const struct policy *p, GHashTable *current,
    GPtrArray *changes, GError **error)
{
	g_autofree char *address = NULL;
	struct policy_state ps;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(store_db(s), SQL_HISTORY_ALL, -1, &st, NULL) !=
	    SQLITE_OK)
		return store_error(s, error, "reading the history");
	policy_state_init(&ps, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (address == NULL || strcmp(address, prune_text(st, 0)) != 0) {
			if (address != NULL)
				prune_settle(current, changes, address, &ps);
			policy_state_clear(&ps);
			policy_state_init(&ps, NULL);
			g_free(address);
			address = g_strdup(prune_text(st, 0));
		}
		policy_apply(p, &ps, prune_text(st, 1), prune_text(st, 2),
		    sqlite3_column_int64(st, 3));
	}
	if (rc == SQLITE_DONE && address != NULL)
		prune_settle(current, changes, address, &ps);
	policy_state_clear(&ps);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, error, "reading the history");
	return 1;
}

static void
prune_print_changes(struct output *o, GPtrArray *changes, int plain)
{
	struct prune_change *c;
	guint i;

	for (i = 0; i < changes->len; i++) {
		c = g_ptr_array_index(changes, i);
		if (plain) {
			g_autofree char *line = g_strdup_printf("%c %s",
			    c->change, c->address);
			const char *row[] = { line, NULL };

			output_row(o, row);
		} else {
			const char change[] = { c->change, '\0' };
			const char *row[] = { change, c->address, c->state,
			    c->reason, NULL };

			output_row(o, row);
		}
	}
}

/* --dry-run: what p would change, printed sorted by address. */
static int
prune_dry_run(struct store *s, const struct policy *p, const char *format)
{
	static const char *const wide[] = { "change", "address", "state",
	    "reason", NULL };
	static const char *const narrow[] = { "change", NULL };
	g_autoptr(GHashTable) current = g_hash_table_new_full(g_str_hash,
	    g_str_equal, NULL, prune_change_free);
	g_autoptr(GPtrArray) changes =
	    g_ptr_array_new_with_free_func(prune_change_free);
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	gpointer value;
	struct output *o;
	int plain = prune_plain(format);

	/* One read transaction: both passes see the same snapshot. */
	if (sqlite3_exec(store_db(s), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		store_error(s, &error, "starting to read");
	else if (!prune_load_current(s, current, &error) ||
	    !prune_replay(s, p, current, changes, &error))
		store_rollback(s);
	else
		sqlite3_exec(store_db(s), "COMMIT", NULL, NULL, NULL);
	if (error != NULL) {
		g_printerr("rebound prune: %s\n", error->message);
		return CLI_EXIT_DB;
	}
	g_hash_table_iter_init(&iter, current);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		g_hash_table_iter_steal(&iter);
		g_ptr_array_add(changes, value);
	}
	g_ptr_array_sort(changes, prune_change_cmp);
	if ((o = prune_output("prune", format, plain ? narrow : wide)) == NULL)
		return CLI_EXIT_USAGE;
	prune_print_changes(o, changes, plain);
	output_finish(&o);
	return CLI_EXIT_OK;
}

int
cmd_prune(int argc, char **argv)
{
	struct cli_db d = { 0 };
	gboolean dry_run = FALSE;
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
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GError) error = NULL;
	struct policy scratch, policy;
	struct store *s;
	int rc;

	if (!cli_options(&argc, &argv, "- the addresses to remove",
	    "Prints the addresses the policy removes (dead or complained),\n"
	    "plain: one address a line.  With --dry-run and --policy, replays\n"
	    "every address's history under other policy values and prints\n"
	    "what would change: + newly removed, - no longer removed.\n"
	    "Policy keys: hard_threshold, soft_threshold, soft_window,\n"
	    "soft_stale, complaint_threshold.  Nothing is changed.", entries))
		return CLI_EXIT_USAGE;
	rc = CLI_EXIT_USAGE;
	policy_defaults(&scratch);
	if (argc > 1)
		g_printerr("rebound prune: unexpected argument '%s' (see "
		    "--help)\n", argv[1]);
	else if (overrides != NULL && !dry_run)
		g_printerr("rebound prune: --policy needs --dry-run (change "
		    "the config to apply a policy)\n");
	else if (!prune_overrides(&scratch, overrides, &error))
		g_printerr("rebound prune: %s\n", error->message);
	else
		rc = CLI_EXIT_OK;
	if (rc != CLI_EXIT_OK) {
		cli_db_clear(&d);
		return rc;
	}
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		cli_db_clear(&d);
		return CLI_EXIT_DB;
	}
	if (dry_run) {
		/* Checked above; now on top of the configured policy. */
		policy = d.conf.policy;
		prune_overrides(&policy, overrides, NULL);
		rc = prune_dry_run(s, &policy, d.format);
	} else
		rc = prune_list(s, d.format);
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}

/* Prepare sql, bind ?1 to text, else to number. */
static sqlite3_stmt *
prune_prepare(struct store *s, const char *sql, const char *text,
    gint64 number, GError **error)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		store_error(s, error, "preparing a statement");
		return NULL;
	}
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, number);
	return st;
}

/*
 * Run a statement that returns one count or changes rows; *n_r gets the
 * count or the rows changed (not counting those a cascade removed).
 */
static int
prune_run(struct store *s, const char *sql, const char *text, gint64 number,
    gint64 *n_r, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prune_prepare(s, sql, text, number, error)) == NULL)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n_r = sqlite3_column_int64(st, 0);
	else
		*n_r = sqlite3_changes(store_db(s));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s, error, "updating the database");
	return 1;
}

/*
 * Everything about one address: the messages that name no one else
 * (their outcomes go with them), its other outcomes, its row.
 */
static int
forget_address(struct store *s, const char *address, GString *out,
    int *nothing_r, GError **error)
{
	gint64 outcomes, n, row;

	if (!prune_run(s, SQL_FORGET_COUNT, address, 0, &outcomes, error) ||
	    !prune_run(s, SQL_FORGET_MESSAGES, address, 0, &n, error) ||
	    !prune_run(s, SQL_FORGET_OUTCOMES, address, 0, &n, error) ||
	    !prune_run(s, SQL_FORGET_ADDRESS, address, 0, &row, error))
		return 0;
	if (outcomes == 0 && row == 0) {
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

int
cmd_forget(int argc, char **argv)
{
	struct cli_db d = { 0 };
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	struct store *s;
	char *address;
	int i, nothing = 0, rc;

	if (!cli_options(&argc, &argv, "ADDRESS... - erase what is recorded "
	    "about addresses",
	    "Deletes every outcome of each ADDRESS, the messages that name\n"
	    "no other address, and its state: for a person who subscribes\n"
	    "again or asks to be erased.", entries))
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

/* The addresses the expiring messages name: to recompute afterwards. */
static int
expire_addresses(struct store *s, gint64 cutoff, GPtrArray *addresses,
    GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prune_prepare(s, SQL_EXPIRE_ADDRESSES, NULL, cutoff,
	    error)) == NULL)
		return 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(addresses, g_strdup(prune_text(st, 0)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, error, "finding expired outcomes");
	return 1;
}

static int
expire_run(struct store *s, gint64 cutoff, GError **error)
{
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	gint64 messages, outcomes;
	guint i;

	if (!store_begin(s, error))
		return 0;
	if (!expire_addresses(s, cutoff, addresses, error) ||
	    !prune_run(s, SQL_EXPIRE_COUNT, NULL, cutoff, &outcomes, error) ||
	    !prune_run(s, SQL_EXPIRE_DELETE, NULL, cutoff, &messages, error))
		goto fail;
	for (i = 0; i < addresses->len; i++) {
		const char *address = g_ptr_array_index(addresses, i);

		if (!store_replay(s, address, error))
			goto fail;
	}
	if (!store_commit(s, error))
		return 0;
	printf("expired %" G_GINT64_FORMAT " messages, %" G_GINT64_FORMAT
	    " outcomes; %u addresses updated\n", messages, outcomes,
	    addresses->len);
	return 1;
fail:
	store_rollback(s);
	return 0;
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

int
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

	if (!cli_options(&argc, &argv, "--older-than AGE - drop old bounces",
	    "Deletes the messages (and their outcomes) dated before AGE ago,\n"
	    "by the bounce's Date, and recomputes the addresses they named.",
	    entries))
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
