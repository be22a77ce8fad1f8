/*
 * cmd_mail.c: the entries of the commands that read mail, parse and
 * import.  Both programs list them: rebound prints them in its help and
 * executes rebound-mail in their place; rebound-mail runs them.  Their
 * code (cmd_parse.c, cmd_import.c) is rebound-mail's alone, so that
 * rebound links no GMime: there the references to it are weak, and
 * NULL.
 */
#include "config.h"

#include "cli.h"

#pragma weak cmd_parse
#pragma weak cmd_import

const struct cmd_entry cmd_parse_entry = {
	.name = "parse", .run = cmd_parse,
	.usage = "PATH... - parse returned messages",
	.help = "parse returned messages and print what they say",
	.mail = 1,
};

const struct cmd_entry cmd_import_entry = {
	.name = "import", .run = cmd_import,
	.usage = "PATH... - record returned messages",
	.help = "parse messages and record them in the database",
	.mail = 1,
};
