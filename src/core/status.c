/*
 * status.c: RFC 3463 enhanced status codes and RFC 5321 reply codes.
 *
 * An enhanced status code is class "." subject "." detail, where class
 * is 2, 4 or 5 and subject and detail are one to three digits without
 * leading zeros beyond a single "0" (RFC 3463 section 2).  Everything
 * here is a pure function: text in, a verdict out.  Text that is not a
 * code is simply not a code; nothing here fails.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c)	(IS_DIGIT(c) || (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z'))

/* Length of a run of 1 to 3 digits at p (0 if none or too long). */
static size_t
status_digits(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && IS_DIGIT(p[n]))
		n++;
	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return 0;
	return n;
}

/*
 * Length of a well-formed code at the start of p, or 0.  The code must
 * not run on into more digits or dots ("5.1.1.1" is an address).
 */
static size_t
status_span(const char *p, const char *end)
{
	const char *q = p;
	size_t n;

	if (q >= end || (*q != '2' && *q != '4' && *q != '5'))
		return 0;
	q++;
	if (q >= end || *q++ != '.')
		return 0;
	if ((n = status_digits(q, end)) == 0)
		return 0;
	q += n;
	if (q >= end || *q++ != '.')
		return 0;
	if ((n = status_digits(q, end)) == 0)
		return 0;
	q += n;
	if (q < end && (IS_DIGIT(*q) || (*q == '.' && q + 1 < end &&
	    IS_DIGIT(q[1]))))
		return 0;
	return q - p;
}

/* Is code[0..len) exactly one RFC 3463 status code? */
int
status_valid(const char *code, size_t len)
{
	return len > 0 && len < STATUS_MAX && status_span(code, code + len) == len;
}

static int
status_copy(const char *p, size_t n, char out[STATUS_MAX])
{
	if (n == 0 || n >= STATUS_MAX)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

/*
 * A Status field value: optional white space, the code, then the end or
 * a comment ("5.1.1 (user unknown)").
 */
int
status_parse(const char *text, char out[STATUS_MAX])
{
	const char *end;

	out[0] = '\0';
	if (text == NULL)
		return 0;
	text += strspn(text, " \t");
	end = text + strlen(text);
	return status_copy(text, status_span(text, end), out);
}

/* The first status code standing on its own in free text. */
int
status_find(const char *text, char out[STATUS_MAX])
{
	const char *p, *end;

	out[0] = '\0';
	if (text == NULL)
		return 0;
	end = text + strlen(text);
	for (p = text; p < end; p++) {
		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (p > text && (IS_ALNUM(p[-1]) || p[-1] == '.'))
			continue;
		if (status_copy(p, status_span(p, end), out))
			return 1;
	}
	return 0;
}

/* "x.0.0" says only the class: other evidence should decide. */
int
status_is_generic(const char *code)
{
	return code[0] == '\0' || strcmp(code + 1, ".0.0") == 0;
}

int
status_class(const char *code)
{
	return IS_DIGIT(code[0]) ? code[0] - '0' : 0;
}

/* The subject of a valid code ("5.2.1" -> 2), or -1 for none. */
int
status_subject(const char *code)
{
	return code[0] != '\0' && IS_DIGIT(code[2]) ? atoi(code + 2) : -1;
}

/*
 * The first SMTP reply code in free text: three digits, 2xx/4xx/5xx with
 * a second digit of 0 to 5 (RFC 5321 4.2), standing alone and followed by
 * a space, a hyphen (multi-line reply) or the end, of class lowest (2,
 * 4 or 5) or above: a failure's reply is never a 2xx, and prose around
 * it has other numbers ("Size (in bytes): 222").
 */
int
replycode_find(const char *text, int lowest)
{
	const char *p;

	if (text == NULL)
		return 0;
	for (p = text; p[0] != '\0'; p++) {
		if ((p[0] != '2' && p[0] != '4' && p[0] != '5') ||
		    p[0] - '0' < lowest)
			continue;
		if (p > text && (IS_ALNUM(p[-1]) || p[-1] == '.' ||
		    p[-1] == '-' || p[-1] == ':'))
			continue;
		if (p[1] < '0' || p[1] > '5' || !IS_DIGIT(p[2]))
			continue;
		if (p[3] != '\0' && p[3] != ' ' && p[3] != '-' && p[3] != '\t')
			continue;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}
