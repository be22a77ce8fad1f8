/*
 * fuzz_parse.c: message bytes -> parse -> classify, the path of
 * "rebound parse" (cmd_parse.c) and of the daemon's intake: an mbox is
 * split into its messages, each is parsed and classified.  The bytes
 * are not NUL-terminated, as intake's copy of a message is not.
 */
#include "config.h"

#include "classify.h"
#include "fuzz.h"
#include "mbox.h"
#include "parse.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	parse_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data;
	GArray *spans = mbox_split(bytes, size);
	struct report *rp;
	guint i;

	for (i = 0; i < spans->len; i++) {
		struct mbox_span *span = &g_array_index(spans, struct mbox_span, i);

		rp = parse_message(bytes + span->offset, span->length);
		classify_report(rp);
		report_free(&rp);
	}
	g_array_unref(spans);
	return 0;
}
