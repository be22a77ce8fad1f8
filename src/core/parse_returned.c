/*
 * parse_returned.c: the headers of the returned original message.
 *
 * They come as message/rfc822 or message/global (a parsed GMimeMessage)
 * or as text/rfc822-headers or message/global-headers (a header block).
 * Only Message-ID, Subject, From, To, List-Id, List-Post and Return-Path
 * are kept, decoded from RFC 2047 to UTF-8.  The returned body is never read.  The first
 * returned message wins: a bounce of a bounce nests more of them.
 */
#include "config.h"

#include <gmime/gmime.h>

#include "fields.h"
#include "parse_int.h"

typedef const char *(*returned_get)(void *, const char *);

/*
 * Does RFC 2047 decoding leave text as it is?  It does for 7-bit text
 * without an encoded word ("=?"), most headers: then a copy will do.
 */
static int
returned_is_plain(const char *text)
{
	const char *p;

	for (p = text; *p != '\0'; p++)
		if ((*p & 0x80) != 0 || (p[0] == '=' && p[1] == '?'))
			return 0;
	return 1;
}

static char *
returned_value(returned_get get, void *src, const char *name, int decode)
{
	const char *raw = get(src, name);
	char *value;

	if (raw == NULL)
		return NULL;
	value = decode && !returned_is_plain(raw) ?
	    g_mime_utils_header_decode_text(NULL, raw) : g_strdup(raw);
	g_strstrip(value);
	if (!g_utf8_validate(value, -1, NULL)) {
		char *valid = g_utf8_make_valid(value, -1);

		g_free(value);
		value = valid;
	}
	return value;
}

/* The fields kept, in the order of returned_fill()'s slots. */
static const char *const returned_names[] = {
	"Message-ID", "Subject", "From", "To", "List-Id", "List-Post",
	"Return-Path", NULL
};

/*
 * Fill the slots from a source; encoded says its values are still as
 * written (a header block), not decoded already (a message GMime parsed,
 * whose values must not be decoded twice).
 */
static void
returned_fill(struct report *rp, returned_get get, void *src, int encoded)
{
	char **slots[] = { &rp->orig_message_id, &rp->orig_subject,
	    &rp->orig_from, &rp->orig_to, &rp->orig_list_id,
	    &rp->orig_list_post, &rp->orig_return_path };
	size_t i;

	G_STATIC_ASSERT(G_N_ELEMENTS(slots) + 1 ==
	    G_N_ELEMENTS(returned_names));
	if (rp->orig_message_id != NULL || rp->orig_to != NULL)
		return;
	/* A Message-ID is no text: it is not decoded. */
	for (i = 0; i < G_N_ELEMENTS(slots); i++) {
		g_free(*slots[i]);
		*slots[i] = returned_value(get, src, returned_names[i],
		    encoded && i > 0);
	}
}

static const char *
returned_get_field(void *src, const char *name)
{
	return fields_get(src, name);
}

static const char *
returned_get_object(void *src, const char *name)
{
	return g_mime_object_get_header(src, name);
}

void
parse_returned_headers(struct report *rp, const char *buf, size_t len)
{
	GPtrArray *fields = fields_parse_headers(buf, len, returned_names);

	returned_fill(rp, returned_get_field, fields, 1);
	g_ptr_array_unref(fields);
}

void
parse_returned_message(struct report *rp, GMimeMessage *msg)
{
	returned_fill(rp, returned_get_object, msg, 0);
}
