/*
 * cmd_query.c: "rebound list", "rebound show ADDRESS" and "rebound
 * stats": questions to the database, which is opened read-only.  The
 * store answers them (store.c); this file reads the options and prints.
 *
 * list prints outcomes newest first, narrowed by optional filters that
 * all must match; show prints what the policy made of one address and
 * every outcome behind it, with its evidence; stats counts outcomes by
 * class, reason, receiving domain and day.  Rows go through output.c,
 * so every command speaks table, plain, csv and json.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "explain.h"
#include "json.h"
#include "listid.h"
#include "output.h"

static int	 cmd_list(int, char **);
static int	 cmd_show(int, char **);
static int	 cmd_stats(int, char **);

const struct cmd_entry cmd_list_entry = {
	.name = "list", .run = cmd_list,
	.usage = "- recorded outcomes, newest first",
	.help = "print recorded outcomes, newest first, filtered",
};

const struct cmd_entry cmd_show_entry = {
	.name = "show", .run = cmd_show,
	.usage = "ADDRESS - one address and its history",
	.help = "print one address's state and its whole history",
};

const struct cmd_entry cmd_stats_entry = {
	.name = "stats", .run = cmd_stats,
	.usage = "- outcomes counted",
	.help = "count outcomes by class, reason, domain and day",
};

#define QUERY_SINCE_FORMS \
	"use a duration such as 30m, 12h, 7d or 2w, or a date YYYY-MM-DD (UTC)"

/*
 * Refuse an unknown --format before the database is opened: output_new()
 * would say the same, but only once a csv header could be on stdout.
 */
static int
query_format(const char *cmd, const char *format)
{
	g_autoptr(GError) error = NULL;
	enum output_format f;

	if (output_format_parse(format, &f, &error))
		return 1;
	g_printerr("rebound %s: %s\n", cmd, error->message);
	return 0;
}

/* --since SPEC as a Unix time; without SPEC, the beginning of time. */
static int
query_since(const char *cmd, const char *spec, gint64 *cutoff_r)
{
	*cutoff_r = G_MININT64;
	if (spec == NULL || cli_since(spec, g_get_real_time() / G_USEC_PER_SEC,
	    cutoff_r))
		return 1;
	g_printerr("rebound %s: --since '%s' is not a time: " QUERY_SINCE_FORMS
	    "\n", cmd, spec);
	return 0;
}

/* Any positional argument beyond the wanted ones is a usage error. */
static int
query_args(const char *cmd, int argc, char **argv, int wanted)
{
	if (argc == wanted + 1)
		return 1;
	if (argc <= wanted)
		g_printerr("rebound %s: missing argument (see --help)\n", cmd);
	else
		g_printerr("rebound %s: unexpected argument '%s' "
		    "(see --help)\n", cmd, argv[wanted + 1]);
	return 0;
}

/*
 * How list, show and stats begin: their options, then wanted arguments
 * after the name and --format checked before any database is opened.
 */
static int
query_start(int *argc, char ***argv, const struct cmd_entry *e,
    const char *description, const GOptionEntry *entries,
    const struct cli_db *d, int wanted)
{
	return cli_options(argc, argv, e, description, entries) &&
	    query_args(e->name, *argc, *argv, wanted) &&
	    query_format(e->name, d->format);
}

/* list: the filters as typed, owned by cmd_list(). */
struct list_filter {
	const char	*since;
	const char	*class;
	const char	*reason;
	const char	*domain;
	const char	*list;
	int		 limit;
};

static int
list_check(struct list_filter *f, gint64 *cutoff_r)
{
	enum report_class class;
	enum report_reason reason;
	g_autofree char *classes = NULL, *reasons = NULL;

	if (!query_since("list", f->since, cutoff_r))
		return 0;
	if (f->class != NULL && !report_class_parse(f->class, &class)) {
		classes = report_class_list();
		g_printerr("rebound list: unknown class '%s' (use %s)\n",
		    f->class, classes);
		return 0;
	}
	if (f->reason != NULL && !report_reason_parse(f->reason, &reason)) {
		reasons = report_reason_list();
		g_printerr("rebound list: unknown reason '%s' (use %s)\n",
		    f->reason, reasons);
		return 0;
	}
	/* G_MININT stands for "not given": a negative count is an error. */
	if (f->limit == G_MININT)
		f->limit = -1;
	else if (f->limit < 0) {
		g_printerr("rebound list: --limit %d is negative\n", f->limit);
		return 0;
	}
	return 1;
}

static void
list_row(const struct store_outcome *o, void *data)
{
	struct output *out = data;
	g_autofree char *time = cli_time(o->at);
	const char *row[] = { time, o->address, o->class, o->reason,
	    o->status, o->replycode, o->confidence, o->list, o->diagnostic,
	    o->node, NULL };

	output_row(out, row);
}

/*
 * The node that recorded an outcome is for programs (csv, json): the
 * table and plain lines an operator reads and pipes stay as they were.
 */
static int
list_run(struct store *s, const char *format, const struct list_filter *f,
    gint64 cutoff)
{
	const char *columns[] = { "time", "address", "class", "reason",
	    "status", "#replycode", "confidence", "list", "diagnostic",
	    "node", NULL };
	enum output_format of;
	/* Domains are stored lower-cased (addr.c), in UTF-8 as well. */
	g_autofree char *domain = f->domain ? g_utf8_strdown(f->domain, -1) :
	    NULL;
	/* A list as its id, whether typed so or as NAME@DOMAIN. */
	g_autofree char *list = f->list ? listid_typed(f->list) : NULL;
	struct store_filter sf = { .since = cutoff, .class = f->class,
	    .reason = f->reason, .domain = domain, .list = list,
	    .limit = f->limit };
	g_autoptr(GError) error = NULL;
	struct output *out;
	int ok;

	if (!output_format_parse(format, &of, NULL) ||
	    (of != OUTPUT_CSV && of != OUTPUT_JSON))
		columns[G_N_ELEMENTS(columns) - 2] = NULL;
	if ((out = cli_output("list", format, columns)) == NULL)
		return CLI_EXIT_USAGE;
	ok = store_list(s, &sf, list_row, out, &error);
	output_finish(&out);
	return ok ? CLI_EXIT_OK : cli_failed("list", error);
}

static int
cmd_list(int argc, char **argv)
{
	struct cli_db d = { 0 };
	struct list_filter f;
	g_autofree char *since = NULL, *class = NULL, *reason = NULL;
	g_autofree char *domain = NULL, *list = NULL;
	int limit = G_MININT;
	g_autofree char *classes = report_class_list();
	g_autofree char *class_help = g_strdup_printf("Only this class: %s",
	    classes);
	GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &since,
		  "Only outcomes since WHEN: 7d, 12h, 30m, 2w ago or a date "
		  "YYYY-MM-DD (default: all)", "WHEN" },
		{ "class", 'C', 0, G_OPTION_ARG_STRING, &class,
		  class_help, "CLASS" },
		{ "reason", 'r', 0, G_OPTION_ARG_STRING, &reason,
		  "Only this reason (userunknown, mailboxfull, ...)",
		  "REASON" },
		{ "domain", 'D', 0, G_OPTION_ARG_STRING, &domain,
		  "Only addresses at this domain (any case)", "DOMAIN" },
		{ "list", 'l', 0, G_OPTION_ARG_STRING, &list,
		  "Only bounces of mail from this list: its list id "
		  "(news.lists.example.org) or address (news@lists.example.org)",
		  "LIST" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
		  "At most N outcomes (default: all)", "N" },
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct store *s = NULL;
	gint64 cutoff;
	int rc = CLI_EXIT_USAGE;

	if (!query_start(&argc, &argv, &cmd_list_entry,
	    "Prints one row per recorded outcome: time (UTC), address, class,\n"
	    "reason, status, reply code, list and diagnostic, and with\n"
	    "--format csv or json the node that took it.  The filters\n"
	    "combine: every one given must match.", entries, &d, 0))
		goto done;
	f = (struct list_filter){ since, class, reason, domain, list, limit };
	if (!list_check(&f, &cutoff))
		goto done;
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	rc = list_run(s, d.format, &f, cutoff);
done:
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}

/*
 * show.  The addresses table holds what the policy decided (kept
 * current by store.c); the history is every outcome, newest first.
 */
struct show {
	struct store		*store;
	const char		*format;
	char			*address;
	struct store_address	 row;
	struct output		*out;	/* table, plain, csv */
	int			 csv;
	GString			*json;
	int			 n;	/* outcomes in json */
	gint64			 held_id;	/* the incident held_text is of */
	char			*held_text;
	char			*probe_text;	/* its newest probe, or NULL */
	gint64			 forged;	/* forged bounces naming it */
};

static void
show_clear(struct show *sh)
{
	g_free(sh->held_text);
	g_free(sh->probe_text);
	g_free(sh->address);
	store_address_clear(&sh->row);
}

/* A stored value for a terminal: control characters become spaces. */
static char *
show_clean(const char *v)
{
	char *s = g_strdup(v ? v : ""), *p;

	for (p = s; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/*
 * store_probe_last's callback: "probing since 2026-12-06 10:00:00,
 * probe id 12, sent 2026-12-06 10:00:01", or what became of the last.
 */
static int
show_probe(const struct store_probe *p, void *data)
{
	struct show *sh = data;
	g_autofree char *created = cli_time(p->created);
	g_autofree char *sent = p->sent ? cli_time(p->sent) : NULL;
	g_autofree char *decided = p->decided ? cli_time(p->decided) : NULL;
	g_autofree char *error = p->last_error ? show_clean(p->last_error) :
	    NULL;

	if (strcmp(sh->row.state, "probing") == 0)
		sh->probe_text = g_strdup_printf("probing since %s, probe id %"
		    G_GINT64_FORMAT ", %s%s%s%s", created, p->id, sent ?
		    "sent " : "not sent yet", sent ? sent : "",
		    error ? ", last attempt: " : "", error ? error : "");
	else
		sh->probe_text = g_strdup_printf("last probe id %"
		    G_GINT64_FORMAT ", made %s, %s%s%s", p->id, created,
		    p->state, decided ? " " : "", decided ? decided : "");
	return 0;
}

static void
show_summary(const struct show *sh)
{
	const struct store_address *a = &sh->row;
	g_autofree char *address = show_clean(sh->address);
	g_autofree char *reason = show_clean(a->state_reason);
	g_autofree char *first = cli_time(a->first_seen);
	g_autofree char *last = cli_time(a->last_seen);

	printf("address: %s\n", address);
	if (*reason != '\0')
		printf("state: %s (%s)\n", a->state, reason);
	else
		printf("state: %s\n", a->state);
	if (sh->probe_text != NULL)
		printf("probe: %s\n", sh->probe_text);
	else if (strcmp(a->state, "probing") == 0)
		printf("probe: probing, probe id none yet (reboundd records "
		    "one within a second)\n");
	if (sh->forged > 0)
		printf("forged: %" G_GINT64_FORMAT " bounces to a probe's "
		    "return path whose token failed, never counted\n",
		    sh->forged);
	printf("hard: %" G_GINT64_FORMAT "  soft: %" G_GINT64_FORMAT
	    "  complaints: %" G_GINT64_FORMAT "  first seen: %s  last seen: %s"
	    "\n\n", a->hard, a->soft, a->complaints, first, last);
}

static void
show_incident(const struct store_incident *i, void *data)
{
	struct show *sh = data;
	gint64 minutes = (i->last - i->first + 59) / 60;

	sh->held_text = g_strdup_printf("%s by incident %" G_GINT64_FORMAT
	    " (%s %s, %" G_GINT64_FORMAT " addresses in %" G_GINT64_FORMAT
	    " min)", i->state == GUARD_CONFIRMED ||
	    i->state == GUARD_DISCARDED ? guard_state_names[i->state] : "held",
	    i->id, guard_kind_name(i->kind), i->group, i->addresses, minutes);
}

/*
 * "held by incident 3 (provider bigmail.example, 412 addresses in 40
 * min)", or NULL: the outcome's incident, looked up once for a run of
 * outcomes it holds.
 */
static const char *
show_held(struct show *sh, const struct store_outcome *o)
{
	if (o->incident == 0)
		return NULL;
	if (o->incident != sh->held_id) {
		g_clear_pointer(&sh->held_text, g_free);
		sh->held_id = o->incident;
		store_incident(sh->store, o->incident, show_incident, sh, NULL);
	}
	return sh->held_text;
}

/*
 * An outcome's columns, in the rows and in --format json's history;
 * '#': a number.  The address is for csv only: rows of several runs
 * can then be joined.
 */
static const char *const show_columns[] = { "address", "time", "class",
    "reason", "status", "#replycode", "meaning", "diagnostic",
    "decided", "confidence", "list", "bounce_address", "source",
    "held", "node", NULL };

/* One outcome: a row of the output, or an object of the JSON history. */
static void
show_outcome(const struct store_outcome *o, void *data)
{
	struct show *sh = data;
	g_autofree char *time = cli_time(o->at);
	g_autofree char *meaning = explain_brief(o->status, o->replycode ?
	    (int)g_ascii_strtoll(o->replycode, NULL, 10) : 0);
	const char *row[] = { sh->address, time, o->class, o->reason,
	    o->status, o->replycode, meaning, o->diagnostic, o->decided,
	    o->confidence, o->list, o->bounce, o->source, show_held(sh, o),
	    o->node, NULL };

	if (sh->json == NULL) {
		output_row(sh->out, row + !sh->csv);
		return;
	}
	g_string_append(sh->json, sh->n++ == 0 ? "\n{" : ",\n{");
	json_members(sh->json, show_columns + 1, row + 1);
	g_string_append_c(sh->json, '}');
}

/* The history through output.c; csv: no summary. */
static int
show_rows(struct show *sh)
{
	g_autoptr(GError) error = NULL;
	enum output_format f;
	int ok;

	sh->csv = output_format_parse(sh->format, &f, NULL) &&
	    f == OUTPUT_CSV;
	if ((sh->out = cli_output("show", sh->format,
	    show_columns + !sh->csv)) == NULL)
		return CLI_EXIT_USAGE;
	if (!sh->csv)
		show_summary(sh);
	ok = store_history(sh->store, sh->address, show_outcome, sh, &error);
	output_finish(&sh->out);
	return ok ? CLI_EXIT_OK : cli_failed("show", error);
}

/* One object, the history an array in it: built whole, then printed. */
static int
show_json(struct show *sh)
{
	const struct store_address *a = &sh->row;
	g_autofree char *first = cli_time(a->first_seen);
	g_autofree char *last = cli_time(a->last_seen);
	g_autoptr(GError) error = NULL;
	GString *j = g_string_new("{");
	int ok;

	json_member(j, "address", sh->address);
	json_member(j, "state", a->state);
	json_member(j, "state_reason", a->state_reason);
	json_member(j, "probe", sh->probe_text);
	json_member_int(j, "forged", sh->forged);
	json_member_int(j, "hard", a->hard);
	json_member_int(j, "soft", a->soft);
	json_member_int(j, "complaints", a->complaints);
	json_member(j, "first_seen", first);
	json_member(j, "last_seen", last);
	g_string_append(j, ",\"history\":[");
	sh->json = j;
	ok = store_history(sh->store, sh->address, show_outcome, sh,
	    &error);
	g_string_append(j, sh->n > 0 ? "\n]}\n" : "]}\n");
	if (ok)
		fwrite(j->str, 1, j->len, stdout);
	g_string_free(j, TRUE);
	sh->json = NULL;
	return ok ? CLI_EXIT_OK : cli_failed("show", error);
}

/* No row: name the address that differs only in case, if there is one. */
static void
show_missing(struct show *sh)
{
	g_autofree char *address = show_clean(sh->address);
	g_autofree char *found = store_address_near(sh->store, sh->address);
	g_autofree char *near = found ? show_clean(found) : NULL;

	if (near != NULL)
		g_printerr("rebound show: no outcomes for %s (did you mean "
		    "%s? the part before the @ must match exactly)\n", address,
		    near);
	else
		g_printerr("rebound show: no outcomes for %s\n", address);
}

static int
show_run(struct show *sh)
{
	g_autoptr(GError) error = NULL;
	enum output_format f;
	int rc;

	if ((rc = store_address(sh->store, sh->address, &sh->row,
	    &error)) < 0)
		return cli_failed("show", error);
	if (rc == 0) {
		show_missing(sh);
		return CLI_EXIT_INPUT;
	}
	/* Older databases have no probes: nothing to say then. */
	store_probe_last(sh->store, sh->address, show_probe, sh, NULL);
	store_probe_forged_of(sh->store, sh->address, &sh->forged, NULL);
	if (output_format_parse(sh->format, &f, NULL) && f == OUTPUT_JSON)
		return show_json(sh);
	return show_rows(sh);
}

static int
cmd_show(int argc, char **argv)
{
	struct cli_db d = { 0 };
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct show sh = { 0 };
	int rc = CLI_EXIT_USAGE;

	if (!query_start(&argc, &argv, &cmd_show_entry,
	    "Prints the address's state (alive, suspect, probing, dead or\n"
	    "complained, and why; a probing address's probe),\n"
	    "its counts, then every outcome recorded for it, newest first,\n"
	    "with the evidence that decided each.  The domain of ADDRESS may\n"
	    "be in any case; the local part must match.", entries, &d, 1))
		goto done;
	if ((sh.address = addr_normalise(argv[1])) == NULL) {
		g_printerr("rebound show: empty ADDRESS\n");
		goto done;
	}
	if ((sh.store = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	sh.format = d.format;
	rc = show_run(&sh);
done:
	store_close(&sh.store);
	show_clear(&sh);
	cli_db_clear(&d);
	return rc;
}

/* stats: the store counts; each count is a row group, key, count. */
static void
stats_row(const char *group, const char *key, gint64 count, void *data)
{
	struct output *out = data;
	char n[24];
	const char *row[] = { group, key, n, NULL };

	g_snprintf(n, sizeof n, "%" G_GINT64_FORMAT, count);
	output_row(out, row);
}

static int
stats_run(struct store *s, const char *format, gint64 cutoff)
{
	static const char *const columns[] = { "group", "key", "#count", NULL };
	g_autoptr(GError) error = NULL;
	struct output *out;
	int ok;

	if ((out = cli_output("stats", format, columns)) == NULL)
		return CLI_EXIT_USAGE;
	ok = store_stats(s, cutoff, stats_row, out, &error);
	output_finish(&out);
	return ok ? CLI_EXIT_OK : cli_failed("stats", error);
}

static int
cmd_stats(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autofree char *since = NULL;
	struct store *s = NULL;
	gint64 cutoff;
	int rc = CLI_EXIT_USAGE;
	GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &since,
		  "Only outcomes since WHEN: 7d, 12h, 30m, 2w ago or a date "
		  "YYYY-MM-DD (default: all)", "WHEN" },
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};

	if (!query_start(&argc, &argv, &cmd_stats_entry,
	    "Counts outcomes by class, by reason, by receiving domain (the 20\n"
	    "with most outcomes) and by day (UTC), one row each: group, key,\n"
	    "count.", entries, &d, 0) || !query_since("stats", since, &cutoff))
		goto done;
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	rc = stats_run(s, d.format, cutoff);
done:
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}
