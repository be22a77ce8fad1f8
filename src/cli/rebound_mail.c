/*
 * rebound_mail.c: rebound-mail, the commands of rebound that read mail
 * (parse, import).  rebound executes it in its own place with the same
 * arguments ("rebound parse ..."), so that only these link GMime
 * (rebound.c says why); run by hand it takes them too.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "parse.h"

static const struct cmd_entry *const rebound_mail_commands[] = {
	&cmd_parse_entry,
	&cmd_import_entry,
};

int
main(int argc, char **argv)
{
	size_t i;
	int rc;

	setlocale(LC_ALL, "");
	log_init(LOG_STDERR);
	cli_hide_passwords(argc, argv);
	for (i = 0; argc > 1 && i < G_N_ELEMENTS(rebound_mail_commands); i++) {
		if (strcmp(argv[1], rebound_mail_commands[i]->name) != 0)
			continue;
		g_set_prgname(argv[1]);
		parse_init();
		rc = rebound_mail_commands[i]->run(argc - 1, argv + 1);
		parse_shutdown();
		return rc;
	}
	g_printerr("rebound-mail: use rebound parse or rebound import\n");
	return CLI_EXIT_USAGE;
}
