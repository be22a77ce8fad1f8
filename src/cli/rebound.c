/*
 * rebound.c: the rebound command-line tool: dispatch to a subcommand.
 *
 * The commands that read mail (parse, import) run in a program of their
 * own, rebound-mail (rebound_mail.c), which this one executes in its
 * place: only they need GMime, whose libraries (GIO, GPGME, ...) take
 * longer to load than "rebound show" takes to answer.  This program
 * links SQLite and GLib alone.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

#define REBOUND_MAIL	"rebound-mail"

/*
 * Every command, in the order of rebound --help.  The deliveries to
 * hooks (events --failed, retry, resume) come before events, whose name
 * they share.
 */
static const struct cmd_entry *const rebound_commands[] = {
	&cmd_parse_entry,
	&cmd_import_entry,
	&cmd_list_entry,
	&cmd_show_entry,
	&cmd_stats_entry,
	&cmd_prune_entry,
	&cmd_forget_entry,
	&cmd_expire_entry,
	&cmd_incidents_entry,
	&cmd_explain_entry,
	&cmd_hooks_entry,
	&cmd_events_entry,
	&cmd_migrate_entry,
};

static void
rebound_usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: rebound [--help] [--version] COMMAND [ARG...]\n\n"
	    "Commands:\n");
	for (i = 0; i < G_N_ELEMENTS(rebound_commands); i++)
		if (rebound_commands[i]->help != NULL)
			fprintf(out, "  %-10s %s\n", rebound_commands[i]->name,
			    rebound_commands[i]->help);
	fprintf(out, "\n'rebound COMMAND --help' describes a command; "
	    "see also rebound(1).\n");
}

/*
 * rebound-mail: beside this program (the build tree), else where "make
 * install" puts it.
 */
static char *
rebound_mail_path(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self != NULL ? g_path_get_dirname(self) : NULL;
	char *path;

	if (dir != NULL) {
		path = g_build_filename(dir, REBOUND_MAIL, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
			return path;
		g_free(path);
	}
	return g_strdup(PKGLIBEXECDIR "/" REBOUND_MAIL);
}

/*
 * GMime makes and frees a few dozen objects of a handful of sizes for
 * each message.  glibc's per-thread cache keeps 7 free chunks of a size
 * by default; the rest go through its fast bins, which it consolidates
 * again and again.  Keeping 128 spares rebound-mail about 8% of its
 * instructions over many messages (bench/RESULTS.md).  glibc reads its
 * tunables only as a program starts, hence here, before the exec; a
 * GLIBC_TUNABLES of the user's own is left as it is.
 */
#define REBOUND_MAIL_TUNABLES	"glibc.malloc.tcache_count=128"

/* Run rebound-mail in this process's place, with the same arguments. */
static int
rebound_exec_mail(char **argv)
{
	g_autofree char *path = rebound_mail_path();

	g_setenv("GLIBC_TUNABLES", REBOUND_MAIL_TUNABLES, FALSE);
	fflush(NULL);
	execv(path, argv - 1);
	g_printerr("rebound %s: cannot run %s: %s\n", argv[0], path,
	    g_strerror(errno));
	return CLI_EXIT_USAGE;
}

static int
rebound_run(int argc, char **argv)
{
	const struct cmd_entry *e;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(rebound_commands); i++) {
		e = rebound_commands[i];
		if (strcmp(argv[0], e->name) != 0 ||
		    (e->match != NULL && !e->match(argc, argv)))
			continue;
		if (e->mail)
			return rebound_exec_mail(argv);
		g_set_prgname(argv[0]);
		return e->run(argc, argv);
	}
	g_printerr("rebound: unknown command '%s'\n", argv[0]);
	rebound_usage(stderr);
	return CLI_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	log_init(LOG_STDERR);
	cli_hide_passwords(argc, argv);
	if (argc < 2) {
		rebound_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		rebound_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("rebound %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	return rebound_run(argc - 1, argv + 1);
}
