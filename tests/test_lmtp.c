/*
 * test_lmtp.c: the LMTP server (RFC 2033) driven over a real socket.
 *
 * Each test runs lmtp.c with a real intake and store in a temporary
 * directory, on one event loop that the test also uses to read the
 * server's replies: a client socket writes commands (pipelined where
 * that is the point) and the test waits for the reply lines.  What was
 * recorded is read back from the database.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "conf.h"
#include "intake.h"
#include "lmtp.h"
#include "parse.h"
#include "store.h"

/* How long a test waits for what it expects: generous, for valgrind on a
 * loaded machine; only a failure waits it out. */
#define WAIT_SECONDS	60

#define RCPT1	"bounces+alice=example.org@lists.example.com"
#define RCPT2	"bounces+bob=example.net@lists.example.com"

/* A small DSN; ".." and ".x" lines test dot-unstuffing, \n alone LF ends. */
#define BOUNCE_HEAD \
	"From: MAILER-DAEMON@mx.example.org\r\n" \
	"To: " RCPT1 "\r\n" \
	"Subject: Undelivered Mail Returned to Sender\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\r\n" \
	"\tboundary=\"b1\"\r\n" \
	"\r\n" \
	"--b1\r\n" \
	"Content-Type: text/plain\r\n" \
	"\r\n"
#define BOUNCE_TAIL \
	"--b1\r\n" \
	"Content-Type: message/delivery-status\r\n" \
	"\r\n" \
	"Reporting-MTA: dns; mx.example.org\r\n" \
	"\r\n" \
	"Final-Recipient: rfc822; alice@example.org\r\n" \
	"Action: failed\r\n" \
	"Status: 5.1.1\r\n" \
	"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n" \
	"\r\n" \
	"--b1--\r\n"
#define BOUNCE BOUNCE_HEAD "Mail could not be delivered.\r\n" BOUNCE_TAIL

struct fixture {
	char		*dir;
	char		*sock;
	struct conf	 conf;
	struct event_base *base;
	struct event	*tick;
	struct store	*store;
	struct intake	*intake;
	struct lmtp	*lmtp;
};

/* What a test changes from the defaults (0: keep the default). */
struct options {
	int	 max_sessions;
	int	 idle_timeout;
	int	 max_size;
	int	 intake_delay;
	guint64	 max_buffered;
	int	 data_timeout;
};

struct client {
	struct fixture	*f;
	int		 fd;
	struct event	*ev;
	GString		*in;
	int		 eof;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	/* Only here to wake the loop up, so that deadlines are seen. */
}

static void
fixture_setup(struct fixture *f, gconstpointer data)
{
	const struct options *o = data;
	g_autoptr(GError) error = NULL;
	struct timeval tv = { 0, 20000 };

	f->dir = g_dir_make_tmp("rebound-lmtp-XXXXXX", &error);
	g_assert_no_error(error);
	f->sock = g_build_filename(f->dir, "lmtp.sock", NULL);
	conf_defaults(&f->conf);
	g_free(f->conf.store.path);
	f->conf.store.path = g_build_filename(f->dir, "rebound.db", NULL);
	f->conf.store.sync_full = 0;
	conf_settle(&f->conf);
	g_strfreev(f->conf.lmtp.listen);
	f->conf.lmtp.listen = g_new0(char *, 2);
	f->conf.lmtp.listen[0] = g_strdup_printf("unix:%s", f->sock);
	if (o != NULL && o->max_sessions)
		f->conf.lmtp.max_sessions = o->max_sessions;
	if (o != NULL && o->idle_timeout)
		f->conf.lmtp.idle_timeout = o->idle_timeout;
	if (o != NULL && o->max_size)
		f->conf.lmtp.max_size = o->max_size;
	if (o != NULL && o->intake_delay)
		f->conf.intake.delay = o->intake_delay;
	if (o != NULL && o->max_buffered)
		f->conf.lmtp.max_buffered = o->max_buffered;
	if (o != NULL && o->data_timeout)
		f->conf.lmtp.data_timeout = o->data_timeout;
	f->base = event_base_new();
	g_assert_nonnull(f->base);
	f->tick = event_new(f->base, -1, EV_PERSIST, tick_cb, NULL);
	g_assert_nonnull(f->tick);
	event_add(f->tick, &tv);
	f->store = store_open(&f->conf.store, STORE_WRITE, &error);
	g_assert_no_error(error);
	store_set_policy(f->store, &f->conf.policy);
	f->intake = intake_new(f->base, f->store, &f->conf.intake,
	    &f->conf.limits, &f->conf.verp, &f->conf.policy, &f->conf.probe,
	    &error);
	g_assert_no_error(error);
	f->lmtp = lmtp_new(f->base, f->intake, &f->conf.lmtp, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->lmtp);
}

static void
remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		g_unlink(path);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
}

/* The daemon's order: sessions, then the commits they wait for. */
static void
fixture_teardown(struct fixture *f, gconstpointer data)
{
	lmtp_free(&f->lmtp);
	intake_free(&f->intake);
	store_close(&f->store);
	event_free(f->tick);
	event_base_free(f->base);
	conf_clear(&f->conf);
	remove_dir(f->dir);
	g_free(f->sock);
	g_free(f->dir);
}

/* Run the loop until done(arg) or WAIT_SECONDS; returns done(arg). */
static int
fixture_run(struct fixture *f, int (*done)(void *), void *arg)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_SECONDS * G_USEC_PER_SEC;

	while (!done(arg) && g_get_monotonic_time() < deadline)
		event_base_loop(f->base, EVLOOP_ONCE);
	return done(arg);
}

static int
no_sessions(void *arg)
{
	struct fixture *f = arg;

	return lmtp_sessions(f->lmtp) == 0 && intake_pending(f->intake) == 0;
}

static int
submitted(void *arg)
{
	struct fixture *f = arg;

	return intake_pending(f->intake) > 0;
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n > 0)
		g_string_append_len(c->in, buf, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->eof = 1;
		event_del(c->ev);
	}
}

static struct client *
client_new(struct fixture *f, int fd)
{
	struct client *c = g_new0(struct client, 1);

	c->f = f;
	c->fd = fd;
	c->in = g_string_new(NULL);
	evutil_make_socket_nonblocking(fd);
	c->ev = event_new(f->base, fd, EV_READ | EV_PERSIST, client_read_cb, c);
	g_assert_nonnull(c->ev);
	event_add(c->ev, NULL);
	return c;
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_assert_cmpint(fd, >=, 0);
	g_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct client *
client_connect(struct fixture *f)
{
	int fd = unix_connect(f->sock);

	g_assert_cmpint(fd, >=, 0);
	return client_new(f, fd);
}

static void
client_free(struct client *c)
{
	event_free(c->ev);
	if (c->fd >= 0)
		close(c->fd);
	g_string_free(c->in, TRUE);
	g_free(c);
}

static void
client_send(struct client *c, const char *text, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(c->fd, text + off, len - off);
		if (n < 0 && errno == EAGAIN) {
			event_base_loop(c->f->base, EVLOOP_ONCE);
			continue;
		}
		g_assert_cmpint(n, >, 0);
		off += n;
	}
}

static void
client_say(struct client *c, const char *text)
{
	client_send(c, text, strlen(text));
}

/* Send what a client may send as the server hangs up: EPIPE is no error. */
static void
client_try_say(struct client *c, const char *text)
{
	if (send(c->fd, text, strlen(text), MSG_NOSIGNAL) < 0)
		g_test_message("send: %s", g_strerror(errno));
}

static int
client_has_line(void *arg)
{
	struct client *c = arg;

	return c->eof || memchr(c->in->str, '\n', c->in->len) != NULL;
}

/* The next reply line without its CRLF, or NULL at end of connection. */
static char *
client_line(struct client *c)
{
	char *nl, *line;

	fixture_run(c->f, client_has_line, c);
	if ((nl = memchr(c->in->str, '\n', c->in->len)) == NULL)
		return NULL;
	line = g_strndup(c->in->str, nl - c->in->str);
	g_string_erase(c->in, 0, nl - c->in->str + 1);
	g_assert_true(g_str_has_suffix(line, "\r"));
	line[strlen(line) - 1] = '\0';
	return line;
}

static void
client_expect(struct client *c, const char *want)
{
	g_autofree char *got = client_line(c);

	if (got == NULL || !g_str_has_prefix(got, want))
		g_error("got '%s', want '%s...'", got ? got : "(closed)", want);
}

static int
client_closed(void *arg)
{
	return ((struct client *)arg)->eof;
}

static void
client_expect_close(struct client *c)
{
	g_assert_true(fixture_run(c->f, client_closed, c));
	g_assert_cmpuint(c->in->len, ==, 0);
}

static void
client_lhlo(struct client *c)
{
	client_expect(c, "220 ");
	client_say(c, "LHLO test.example\r\n");
	client_expect(c, "250-");
	client_expect(c, "250-PIPELINING");
	client_expect(c, "250-ENHANCEDSTATUSCODES");
	client_expect(c, "250-8BITMIME");
	client_expect(c, "250-SIZE ");
	client_expect(c, "250 SMTPUTF8");
}

/* From the greeting to the 354 of DATA for one recipient. */
static void
client_to_data(struct client *c)
{
	client_lhlo(c);
	client_say(c, "MAIL FROM:<>\r\nRCPT TO:<" RCPT1 ">\r\nDATA\r\n");
	client_expect(c, "250 2.1.0");
	client_expect(c, "250 2.1.5");
	client_expect(c, "354 ");
}

/* The database as sqlite3 sees it, read-only, beside the store's writer. */
static sqlite3 *
open_db(struct fixture *f)
{
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(f->conf.store.path, &db,
	    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	return db;
}

static int
count_messages(struct fixture *f)
{
	sqlite3 *db = open_db(f);
	sqlite3_stmt *stmt;
	int n;

	g_assert_cmpint(sqlite3_prepare_v2(db,
	    "SELECT count(*) FROM messages", -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

/* The one message recorded: its digest, envelope and subscriber. */
static void
check_message(struct fixture *f, const char *bytes, const char *envelope_to,
    const char *subscriber)
{
	sqlite3 *db = open_db(f);
	char digest[DIGEST_SIZE];
	sqlite3_stmt *stmt;

	digest_message(bytes, strlen(bytes), digest);
	/* The words are ids of texts (sql/014-texts.sql). */
	g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT lower(hex(digest)), "
	    "(SELECT text FROM texts WHERE id = source_text), "
	    "(SELECT text FROM texts WHERE id = envelope_to_text), subscriber, "
	    "(SELECT text FROM texts WHERE id = kind_text) FROM messages", -1,
	    &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 0), ==, digest);
	g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 1), ==, "lmtp");
	g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 2), ==,
	    envelope_to);
	g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 3), ==,
	    subscriber);
	g_assert_cmpstr((const char *)sqlite3_column_text(stmt, 4), ==, "dsn");
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static char *
lf_only(const char *crlf)
{
	GString *s = g_string_new(NULL);

	for (; *crlf != '\0'; crlf++)
		if (*crlf != '\r')
			g_string_append_c(s, *crlf);
	return g_string_free(s, FALSE);
}

/*
 * Everything up to DATA in one write, then the text with QUIT after the
 * dot: one 250 per recipient, only after the commit; the stored message
 * is unstuffed, with LF line ends whatever the client sent.
 */
static void
test_pipelined(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);
	g_autofree char *want = lf_only(BOUNCE_HEAD
	    "a line with CRLF\r\n"
	    "a line with LF\r\n"
	    ".\r\n"
	    ".hidden\r\n"
	    " \r\n"
	    BOUNCE_TAIL);

	client_expect(c, "220 ");
	client_say(c, "LHLO test.example\r\nMAIL FROM:<> SIZE=2000 BODY=8BITMIME"
	    "\r\nRCPT TO:<" RCPT1 ">\r\nRCPT TO:<" RCPT2 ">\r\nDATA\r\n");
	client_expect(c, "250-");
	client_expect(c, "250-PIPELINING");
	client_expect(c, "250-ENHANCEDSTATUSCODES");
	client_expect(c, "250-8BITMIME");
	client_expect(c, "250-SIZE 10485760");
	client_expect(c, "250 SMTPUTF8");
	client_expect(c, "250 2.1.0");
	client_expect(c, "250 2.1.5");
	client_expect(c, "250 2.1.5");
	client_expect(c, "354 ");
	client_say(c, BOUNCE_HEAD
	    "a line with CRLF\r\n"
	    "a line with LF\n"
	    "..\r\n"
	    "..hidden\r\n"
	    ". \r\n"
	    BOUNCE_TAIL
	    ".\r\nQUIT\r\n");
	client_expect(c, "250 2.0.0 <" RCPT1 "> recorded");
	client_expect(c, "250 2.0.0 <" RCPT2 "> recorded");
	client_expect(c, "221 2.0.0");
	client_expect_close(c);
	client_free(c);
	check_message(f, want, RCPT1, "alice@example.org");
	g_assert_true(fixture_run(f, no_sessions, f));
}

/* A DATA line far longer than RFC 5321's 1,000 bytes, dot-stuffed. */
static void
test_long_data_line(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);
	g_autofree char *fill = g_strnfill(150000, 'x');
	g_autofree char *sent = g_strconcat(BOUNCE_HEAD "..", fill, "\r\n",
	    BOUNCE_TAIL ".\r\n", NULL);
	g_autofree char *crlf = g_strconcat(BOUNCE_HEAD ".", fill, "\r\n",
	    BOUNCE_TAIL, NULL);
	g_autofree char *want = lf_only(crlf);

	client_to_data(c);
	client_say(c, sent);
	client_expect(c, "250 2.0.0 <" RCPT1 "> recorded");
	client_say(c, "QUIT\r\n");
	client_expect(c, "221 ");
	client_expect_close(c);
	client_free(c);
	check_message(f, want, RCPT1, "alice@example.org");
}

/* Every refusal, pipelined in one write, answered in order. */
static void
test_errors(struct fixture *f, gconstpointer data)
{
	static const struct { const char *send, *want; } cases[] = {
		{ "HELO x", "500 5.5.1" },
		{ "EHLO x", "500 5.5.1" },
		{ "MAIL FROM:<>", "503 5.5.1" },
		{ "LHLO", "501 5.5.4" },
		{ "LHLO x", "250-" },
		{ "DATA", "503 5.5.1 send MAIL first" },
		{ "RCPT TO:<a@example.org>", "503 5.5.1" },
		{ "MAIL FROM:<> SIZE=99999999999", "552 5.3.4" },
		{ "MAIL FROM:<> FOO=BAR", "555 5.5.4" },
		{ "MAIL FROM:<> BODY=BINARYMIME", "501 5.5.4" },
		{ "MAIL FROM:bad", "501 5.1.7" },
		{ "mail from:<> smtputf8", "250 2.1.0" },
		{ "MAIL FROM:<>", "503 5.5.1" },
		{ "DATA", "503 5.5.1 no valid recipients" },
		{ "RCPT TO:<>", "501 5.1.3" },
		{ "RCPT TO:<a@example.org> NOTIFY=NEVER", "555 5.5.4" },
		{ "RCPT TO:<a\x01@example.org>", "501 5.1.3" },
		{ "XYZZY", "500 5.5.2" },
		{ "\x01\x02\x1b[2J", "500 5.5.2" },
		{ "NOOPS", "500 5.5.2" },
		{ "VRFY a", "252 2.1.5" },
		{ "NOOP", "250 2.0.0" },
		{ NULL, "500 5.5.2 line too long" },
		{ "RCPT TO:<a@example.org>", "250 2.1.5" },
		{ "RSET", "250 2.0.0" },
		{ "DATA", "503 5.5.1" },
		{ "RCPT TO:<a@example.org>", "503 5.5.1" },
		{ "QUIT", "221 2.0.0" },
	};
	struct client *c = client_connect(f);
	g_autofree char *longline = g_strnfill(2001, 'A');
	GString *all = g_string_new(NULL);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_string_append_printf(all, "%s\r\n",
		    cases[i].send ? cases[i].send : longline);
	client_expect(c, "220 ");
	client_send(c, all->str, all->len);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = client_line(c);
		g_autofree char *sent = g_strescape(cases[i].send ?
		    cases[i].send : "(2,001 bytes)", NULL);

		g_test_message("%s -> %s", sent, got);
		if (got == NULL || !g_str_has_prefix(got, cases[i].want))
			g_error("case %zu: got '%s', want '%s...'", i,
			    got ? got : "(closed)", cases[i].want);
		if (g_str_has_prefix(cases[i].want, "250-"))
			while (got != NULL && got[3] == '-') {
				g_free(got);
				got = client_line(c);
			}
	}
	client_expect_close(c);
	client_free(c);
	g_string_free(all, TRUE);
	g_assert_cmpint(count_messages(f), ==, 0);
}

/* 2,000 bytes is still a command line; a line of 2,000 without LF is too. */
static void
test_line_limit(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);
	g_autofree char *fill = g_strnfill(2000 - 5, 'a');
	g_autofree char *atlimit = g_strdup_printf("NOOP %s\r\n", fill);
	g_autofree char *big = g_strnfill(10000, 'b');

	client_expect(c, "220 ");
	client_say(c, atlimit);
	client_expect(c, "250 2.0.0");
	client_say(c, big);		/* no line end yet: no reply yet */
	client_say(c, big);
	client_say(c, "\nNOOP\r\n");
	client_expect(c, "500 5.5.2 line too long");
	client_expect(c, "250 2.0.0");
	client_say(c, "QUIT\r\n");
	client_expect(c, "221 ");
	client_free(c);
}

/* Over max_size: read to the dot, 552, nothing kept, session goes on. */
static void
test_too_big(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);
	g_autofree char *fill = g_strnfill(100, 'y');
	guint i;

	client_to_data(c);
	client_say(c, BOUNCE_HEAD);
	for (i = 0; i < 50; i++) {
		client_say(c, fill);
		client_say(c, "\r\n");
	}
	client_say(c, BOUNCE_TAIL ".\r\nNOOP\r\n");
	client_expect(c, "552 5.3.4");
	client_expect(c, "250 2.0.0");
	client_say(c, "MAIL FROM:<>\r\nRCPT TO:<" RCPT1 ">\r\nDATA\r\n");
	client_expect(c, "250 2.1.0");
	client_expect(c, "250 2.1.5");
	client_expect(c, "354 ");
	client_say(c, BOUNCE ".\r\n");
	client_expect(c, "250 2.0.0 <" RCPT1 "> recorded");
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpint(count_messages(f), ==, 1);
}

static void
test_idle_timeout(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);

	client_expect(c, "220 ");
	client_expect(c, "421 4.4.2 idle timeout");
	client_expect_close(c);
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));
}

static void
test_max_sessions(struct fixture *f, gconstpointer data)
{
	struct client *a = client_connect(f), *b;

	client_expect(a, "220 ");
	g_test_expect_message("rebound", G_LOG_LEVEL_WARNING,
	    "lmtp#2: refused: too many sessions*");
	b = client_connect(f);
	client_expect(b, "421 4.3.2 too many sessions");
	client_expect_close(b);
	g_test_assert_expected_messages();
	client_free(b);
	client_say(a, "NOOP\r\n");
	client_expect(a, "250 2.0.0");
	client_free(a);
	g_assert_true(fixture_run(f, no_sessions, f));
}

/* Gone before the dot: nothing recorded. */
static void
test_gone_in_data(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);

	client_to_data(c);
	client_say(c, BOUNCE_HEAD "the end never comes\r\n");
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpint(count_messages(f), ==, 0);
}

/*
 * Gone after the dot, before the commit (which waits 300 ms): the
 * callback meets a session that lost its client, and the message is
 * recorded (the MTA will send it again; the digest keeps it once).
 */
static void
test_gone_after_dot(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);

	client_to_data(c);
	client_say(c, BOUNCE ".\r\n");
	g_assert_true(fixture_run(f, submitted, f));
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpint(count_messages(f), ==, 1);
}

/* The server freed while a session waits for its commit. */
static void
test_free_in_commit(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);

	client_to_data(c);
	client_say(c, BOUNCE ".\r\n");
	g_assert_true(fixture_run(f, submitted, f));
	lmtp_free(&f->lmtp);
	client_expect_close(c);
	intake_flush(f->intake);	/* runs the callback of the detached session */
	client_free(c);
	g_assert_cmpint(count_messages(f), ==, 1);
}

/*
 * lmtp_stop: the session waiting for its commit gets its 250, then 421
 * to its next command; an idle session gets 421 at once; nobody new
 * gets in.
 */
static void
test_stop(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f), *idle = client_connect(f);

	client_expect(idle, "220 ");
	client_to_data(c);
	client_say(c, BOUNCE ".\r\nNOOP\r\n");
	g_assert_true(fixture_run(f, submitted, f));
	lmtp_stop(f->lmtp);
	g_assert_cmpint(unix_connect(f->sock), ==, -1);
	client_expect(c, "250 2.0.0 <" RCPT1 "> recorded");
	client_expect(c, "421 4.3.2 Service shutting down");
	client_expect_close(c);
	client_expect(idle, "421 4.3.2 Service shutting down");
	client_expect_close(idle);
	client_free(c);
	client_free(idle);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpint(count_messages(f), ==, 1);
}

static int
nothing_buffered(void *arg)
{
	struct fixture *f = arg;

	return lmtp_buffered(f->lmtp) == 0;
}

static int
one_session(void *arg)
{
	struct fixture *f = arg;

	return lmtp_sessions(f->lmtp) == 1;
}

/* What a test waits for: at least so many bytes buffered. */
struct buffered_wait {
	struct fixture	*f;
	guint64		 bytes;
};

static int
buffered_at_least(void *arg)
{
	struct buffered_wait *w = arg;

	return lmtp_buffered(w->f->lmtp) >= w->bytes;
}

/* A bounce of about kb kilobytes, its filler lines of one letter. */
static char *
bounce_of(guint kb, char letter)
{
	g_autofree char *line = g_strnfill(1022, letter);
	GString *s = g_string_new(BOUNCE_HEAD);
	guint i;

	for (i = 0; i < kb; i++)
		g_string_append_printf(s, "%s\r\n", line);
	g_string_append(s, BOUNCE_TAIL);
	return g_string_free(s, FALSE);
}

/* After LHLO: MAIL, RCPT1 and RCPT2, DATA, up to the 354. */
static void
client_two_rcpts(struct client *c)
{
	client_say(c, "MAIL FROM:<>\r\nRCPT TO:<" RCPT1 ">\r\n"
	    "RCPT TO:<" RCPT2 ">\r\nDATA\r\n");
	client_expect(c, "250 2.1.0");
	client_expect(c, "250 2.1.5");
	client_expect(c, "250 2.1.5");
	client_expect(c, "354 ");
}

/*
 * [lmtp] max_buffered 64 KiB: a session in DATA holds 40 KB of it, so
 * another's 40 KB message does not fit.  That one is read to its dot
 * and answered 452 4.3.1 per recipient, and its session goes on; once
 * the first message is parsed its bytes are free again and a retry of
 * the second is recorded.  LHLO's SIZE and MAIL's SIZE= check the
 * smaller limit, and a message bigger than max_buffered alone gets 552:
 * it could never fit.
 */
static void
test_max_buffered(struct fixture *f, gconstpointer data)
{
	struct client *a = client_connect(f), *b = client_connect(f);
	g_autofree char *first = bounce_of(40, 'y');
	g_autofree char *second = bounce_of(40, 'z');
	g_autofree char *huge = bounce_of(70, 'h');
	size_t head = strlen(BOUNCE_HEAD) + 40 * 1024;
	struct buffered_wait w = { f, 40 * 1023 };
	guint64 held;

	client_to_data(a);
	client_send(a, first, head);
	g_assert_true(fixture_run(f, buffered_at_least, &w));
	held = lmtp_buffered(f->lmtp);
	g_test_message("a holds %" G_GUINT64_FORMAT " bytes", held);

	client_expect(b, "220 ");
	client_say(b, "LHLO test.example\r\n");
	client_expect(b, "250-");
	client_expect(b, "250-PIPELINING");
	client_expect(b, "250-ENHANCEDSTATUSCODES");
	client_expect(b, "250-8BITMIME");
	client_expect(b, "250-SIZE 65536");
	client_expect(b, "250 SMTPUTF8");
	client_say(b, "MAIL FROM:<> SIZE=65537\r\n");
	client_expect(b, "552 5.3.4");
	client_two_rcpts(b);
	g_test_expect_message("rebound", G_LOG_LEVEL_WARNING, "lmtp#2: * bytes "
	    "not kept: * bytes buffered of [lmtp] max_buffered 65536: 452 4.3.1 "
	    "to 2 recipients");
	client_say(b, second);
	client_say(b, ".\r\nNOOP\r\n");
	client_expect(b, "452 4.3.1 insufficient system storage");
	client_expect(b, "452 4.3.1 insufficient system storage");
	client_expect(b, "250 2.0.0");
	g_test_assert_expected_messages();
	/* What b sent was let go; what a holds is still counted. */
	g_assert_cmpuint(lmtp_buffered(f->lmtp), ==, held);

	client_say(a, first + head);
	client_say(a, ".\r\n");
	client_expect(a, "250 2.0.0 <" RCPT1 "> recorded");
	g_assert_true(fixture_run(f, nothing_buffered, f));

	client_two_rcpts(b);
	client_say(b, second);
	client_say(b, ".\r\n");
	client_expect(b, "250 2.0.0 <" RCPT1 "> recorded");
	client_expect(b, "250 2.0.0 <" RCPT2 "> recorded");

	/* Bigger than max_buffered alone: 552, for good, not 452. */
	client_say(b, "MAIL FROM:<>\r\nRCPT TO:<" RCPT1 ">\r\nDATA\r\n");
	client_expect(b, "250 2.1.0");
	client_expect(b, "250 2.1.5");
	client_expect(b, "354 ");
	client_say(b, huge);
	client_say(b, ".\r\n");
	client_expect(b, "552 5.3.4");
	client_free(a);
	client_free(b);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpuint(lmtp_buffered(f->lmtp), ==, 0);
	g_assert_cmpint(count_messages(f), ==, 2);
}

/*
 * The count goes back down on every way out of DATA: a client gone
 * mid-message, and the server freed with sessions in DATA (lmtp_free
 * warns, fatally here, if any byte is left counted).
 */
static void
test_buffered_released(struct fixture *f, gconstpointer data)
{
	struct client *a = client_connect(f), *b = client_connect(f);
	g_autofree char *msg = bounce_of(20, 'q');
	struct buffered_wait w = { f, 2 * 10 * 1023 };

	client_to_data(a);
	client_to_data(b);
	client_send(a, msg, strlen(BOUNCE_HEAD) + 10 * 1024);
	client_send(b, msg, strlen(BOUNCE_HEAD) + 10 * 1024);
	g_assert_true(fixture_run(f, buffered_at_least, &w));
	client_free(a);
	g_assert_true(fixture_run(f, one_session, f));
	g_assert_cmpuint(lmtp_buffered(f->lmtp), >=, 10 * 1023);
	g_assert_cmpuint(lmtp_buffered(f->lmtp), <, 11 * 1024);
	lmtp_free(&f->lmtp);
	client_expect_close(b);
	client_free(b);
	g_assert_cmpint(count_messages(f), ==, 0);
}

/*
 * [lmtp] data_timeout 1 s: a client that sends a line every 100 ms is
 * never idle, and still gets 421 4.4.2 and the end of its connection
 * when its DATA has lasted a second; what it sent is let go at once.
 * The next client is served as usual.
 */
static void
test_data_timeout(struct fixture *f, gconstpointer data)
{
	struct client *c = client_connect(f);
	gint64 start, deadline;

	client_to_data(c);
	client_say(c, BOUNCE_HEAD);
	start = g_get_monotonic_time();
	deadline = start + 3 * G_USEC_PER_SEC;
	while (!client_has_line(c) && g_get_monotonic_time() < deadline) {
		gint64 next = g_get_monotonic_time() + 100000;

		client_try_say(c, "a line dripped slowly\r\n");
		while (!client_has_line(c) && g_get_monotonic_time() < next)
			event_base_loop(f->base, EVLOOP_ONCE);
	}
	g_test_message("421 after %" G_GINT64_FORMAT " ms",
	    (g_get_monotonic_time() - start) / 1000);
	client_expect(c, "421 4.4.2 DATA took too long");
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 900000);
	g_assert_cmpuint(lmtp_buffered(f->lmtp), ==, 0);
	g_assert_true(fixture_run(f, client_closed, c));
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));

	c = client_connect(f);
	client_to_data(c);
	client_say(c, BOUNCE ".\r\n");
	client_expect(c, "250 2.0.0 <" RCPT1 "> recorded");
	client_free(c);
	g_assert_true(fixture_run(f, no_sessions, f));
	g_assert_cmpint(count_messages(f), ==, 1);
}

static int
free_tcp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_tcp(struct fixture *f, gconstpointer data)
{
	int port = free_tcp_port();
	char *listen[] = { g_strdup_printf("127.0.0.1:%d", port), NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	g_autoptr(GError) error = NULL;
	struct conf conf = f->conf;
	struct lmtp *tcp;
	struct client *c;
	int fd;

	conf.lmtp.listen = listen;
	tcp = lmtp_new(f->base, f->intake, &conf.lmtp, &error);
	g_assert_no_error(error);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
	c = client_new(f, fd);
	client_lhlo(c);
	client_say(c, "QUIT\r\n");
	client_expect(c, "221 2.0.0");
	client_expect_close(c);
	client_free(c);
	lmtp_free(&tcp);
	g_free(listen[0]);
}

/* A socket activation fd, bound and listening before lmtp sees it. */
static void
test_adopt(struct fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->dir, "adopted.sock", NULL);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(GError) error = NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct client *c;

	g_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof sun), ==, 0);
	g_assert_cmpint(listen(fd, 5), ==, 0);
	g_assert_true(lmtp_adopt(f->lmtp, fd, &error));
	g_assert_no_error(error);
	c = client_new(f, unix_connect(path));
	client_expect(c, "220 ");
	client_say(c, "QUIT\r\n");
	client_expect(c, "221 2.0.0");
	client_free(c);
}

static struct lmtp *
try_listen(struct fixture *f, const char *spec, GError **error)
{
	char *listen[] = { (char *)spec, NULL };
	struct conf conf = f->conf;

	conf.lmtp.listen = listen;
	return lmtp_new(f->base, f->intake, &conf.lmtp, error);
}

/* Mode from the config; a stale socket replaced, a live one not. */
static void
test_listen(struct fixture *f, gconstpointer data)
{
	g_autofree char *stale = g_build_filename(f->dir, "stale.sock", NULL);
	g_autofree char *spec = g_strdup_printf("unix:%s", stale);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(GError) error = NULL;
	struct lmtp *l;
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_assert_cmpint(stat(f->sock, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0660);
	g_strlcpy(sun.sun_path, stale, sizeof sun.sun_path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof sun), ==, 0);
	close(fd);
	f->conf.lmtp.socket_mode = 0600;
	l = try_listen(f, spec, &error);
	g_assert_no_error(error);
	g_assert_cmpint(stat(stale, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	lmtp_free(&l);
}

/* Every error names the spec it is about. */
static void
test_listen_errors(struct fixture *f, gconstpointer data)
{
	g_autofree char *file = g_build_filename(f->dir, "plain", NULL);
	g_autofree char *on_file = g_strdup_printf("unix:%s", file);
	g_autofree char *live = g_strdup_printf("unix:%s", f->sock);
	const struct { const char *spec, *want; } cases[] = {
		{ "unix:/nonexistent/dir/lmtp.sock", "No such file" },
		{ "localhost", "neither unix:/path nor host:port" },
		{ "::1:2424", "neither unix:/path nor host:port" },
		{ "[::1]2424", "neither unix:/path nor host:port" },
		{ "127.0.0.1:", "neither unix:/path nor host:port" },
		{ on_file, "exists and is not a socket" },
		{ live, "another server is listening" },
	};
	size_t i;

	g_assert_true(g_file_set_contents(file, "x", -1, NULL));
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		struct lmtp *l = try_listen(f, cases[i].spec, &error);

		g_assert_null(l);
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_true(g_str_has_prefix(error->message, cases[i].spec));
		g_assert_nonnull(strstr(error->message, cases[i].want));
	}
}

int
main(int argc, char **argv)
{
	static const struct options defaults = { 0 };
	static const struct options idle = { .idle_timeout = 1 };
	static const struct options one = { .max_sessions = 1 };
	static const struct options small = { .max_size = 2048 };
	static const struct options slow = { .intake_delay = 300 };
	static const struct options tight = { .max_buffered = 65536 };
	static const struct options brief = { .data_timeout = 1 };
	static const struct {
		const char *name;
		const struct options *o;
		void (*fn)(struct fixture *, gconstpointer);
	} tests[] = {
		{ "/lmtp/pipelined", &defaults, test_pipelined },
		{ "/lmtp/long-data-line", &defaults, test_long_data_line },
		{ "/lmtp/errors", &defaults, test_errors },
		{ "/lmtp/line-limit", &defaults, test_line_limit },
		{ "/lmtp/too-big", &small, test_too_big },
		{ "/lmtp/idle-timeout", &idle, test_idle_timeout },
		{ "/lmtp/max-sessions", &one, test_max_sessions },
		{ "/lmtp/gone-in-data", &defaults, test_gone_in_data },
		{ "/lmtp/gone-after-dot", &slow, test_gone_after_dot },
		{ "/lmtp/free-in-commit", &slow, test_free_in_commit },
		{ "/lmtp/stop", &slow, test_stop },
		{ "/lmtp/max-buffered", &tight, test_max_buffered },
		{ "/lmtp/buffered-released", &defaults, test_buffered_released },
		{ "/lmtp/data-timeout", &brief, test_data_timeout },
		{ "/lmtp/tcp", &defaults, test_tcp },
		{ "/lmtp/adopt", &defaults, test_adopt },
		{ "/lmtp/listen", &defaults, test_listen },
		{ "/lmtp/listen-errors", &defaults, test_listen_errors },
	};
	size_t i;
	int rc;

	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);	/* as reboundd: a gone client is EPIPE */
	parse_init();
	for (i = 0; i < G_N_ELEMENTS(tests); i++)
		g_test_add(tests[i].name, struct fixture, tests[i].o,
		    fixture_setup, tests[i].fn, fixture_teardown);
	rc = g_test_run();
	parse_shutdown();
	return rc;
}
