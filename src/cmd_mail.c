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
	.name = "parse",
	.summary = "parse returned messages and print what they say",
	.usage = "PATH... - parse returned messages",
	.help =
	    "Prints one row per recipient of each message file, directory or\n"
	    "maildir.  No database is read or written.",
	.run = cmd_parse,
	.mail = 1,
	.tables = 1,
};

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.summary = "parse messages and record them in the database",
	.usage = "PATH... - record returned messages",
	.help =
	    "Parses each message file, directory, maildir or mbox file and\n"
	    "records every outcome in the database, in the order of the\n"
	    "bounces' dates (Date, else the DSN's, else Received, else a\n"
	    "file's mtime), whatever the order of the files.  A message\n"
	    "recorded before (same bytes) is not recorded again.",
	.run = cmd_import,
	.mail = 1,
	.tables = 1,
};
