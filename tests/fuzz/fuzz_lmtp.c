/*
 * fuzz_lmtp.c: an LMTP session (lmtp.c) fed arbitrary client bytes.
 *
 * One server, intake and in-memory store serve every input.  Each input
 * is one client on a socketpair: it sends the bytes, shuts its side for
 * writing and reads every reply until the server closes.  The input is
 * done when the session is gone and intake has called back for every
 * message the session submitted (parsed, classified and committed, as
 * in the daemon).  Every FUZZ_LMTP_ROUNDS inputs the server, intake and
 * store are made anew, so that the database does not grow without end.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "fuzz.h"
#include "intake.h"
#include "lmtp.h"
#include "parse.h"
#include "store.h"

#define FUZZ_LMTP_ROUNDS	10000	/* inputs served by one store */

struct fuzz_server {
	struct conf	 conf;
	struct event_base *base;
	struct store	*store;
	struct intake	*intake;
	struct lmtp	*lmtp;
	guint		 rounds;
};

/* The client's side of one input. */
struct fuzz_client {
	const uint8_t	*data;
	size_t		 size;
	size_t		 sent;
	struct event	*writer;
	struct event	*reader;
	int		 closed;	/* the server closed its end */
};

static struct fuzz_server server;

static void
fuzz_server_start(struct fuzz_server *fs)
{
	g_autoptr(GError) error = NULL;

	fs->store = store_open(&fs->conf.store, STORE_WRITE, &error);
	if (fs->store == NULL)
		g_error("fuzz_lmtp: %s", error->message);
	store_set_policy(fs->store, &fs->conf.policy);
	fs->intake = intake_new(fs->base, fs->store, &fs->conf.intake,
	    &fs->conf.limits, &fs->conf.verp, &fs->conf.policy, &fs->conf.probe,
	    &error);
	if (fs->intake == NULL)
		g_error("fuzz_lmtp: %s", error->message);
	fs->lmtp = lmtp_new(fs->base, fs->intake, &fs->conf.lmtp, &error);
	if (fs->lmtp == NULL)
		g_error("fuzz_lmtp: %s", error->message);
	fs->rounds = 0;
}

/* The daemon's order: sessions, then the commits they wait for. */
static void
fuzz_server_stop(struct fuzz_server *fs)
{
	lmtp_free(&fs->lmtp);
	intake_free(&fs->intake);
	store_close(&fs->store);
}

static void
fuzz_server_free(void)
{
	fuzz_server_stop(&server);
	event_base_free(server.base);
	conf_clear(&server.conf);
	parse_shutdown();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	signal(SIGPIPE, SIG_IGN);	/* as reboundd: a gone peer is EPIPE */
	parse_init();
	conf_defaults(&server.conf);
	g_free(server.conf.store.path);
	server.conf.store.path = g_strdup(":memory:");
	server.conf.store.sync_full = 0;
	/*
	 * The seeds' messages (2-3 KB) pass; a mutation that makes one
	 * longer meets the limit, so that the 552 path is fuzzed too.
	 */
	server.conf.lmtp.max_size = 3072;
	/*
	 * Mail that is not a bounce cannot be kept there (ENOTDIR at once):
	 * its 451 path is fuzzed, and no disk fills with kept copies.
	 */
	server.conf.lmtp.other = g_strdup("/dev/null/NotBounce");
	conf_settle(&server.conf);
	server.base = event_base_new();
	fuzz_server_start(&server);
	atexit(fuzz_server_free);
	return 0;
}

static void
fuzz_client_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fuzz_client *c = arg;
	ssize_t n = send(fd, c->data + c->sent, c->size - c->sent,
	    MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->sent += n;
	if (n < 0 || c->sent == c->size) {	/* all sent, or the server left */
		shutdown(fd, SHUT_WR);
		event_del(c->writer);
	}
}

static void
fuzz_client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fuzz_client *c = arg;
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->closed = 1;
		event_del(c->reader);
	}
}

static int
fuzz_done(struct fuzz_client *c)
{
	return c->closed && lmtp_sessions(server.lmtp) == 0 &&
	    intake_pending(server.intake) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_client c = { .data = data, .size = size };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0)
		g_error("fuzz_lmtp: socketpair: %s", g_strerror(errno));
	lmtp_serve(server.lmtp, sv[0]);
	c.writer = event_new(server.base, sv[1], EV_WRITE | EV_PERSIST,
	    fuzz_client_write_cb, &c);
	c.reader = event_new(server.base, sv[1], EV_READ | EV_PERSIST,
	    fuzz_client_read_cb, &c);
	if (c.writer == NULL || c.reader == NULL)
		g_error("fuzz_lmtp: cannot make the client's events");
	event_add(c.writer, NULL);
	event_add(c.reader, NULL);
	while (!fuzz_done(&c))
		event_base_loop(server.base, EVLOOP_ONCE);
	event_free(c.writer);
	event_free(c.reader);
	close(sv[1]);
	if (++server.rounds == FUZZ_LMTP_ROUNDS) {
		fuzz_server_stop(&server);
		fuzz_server_start(&server);
	}
	return 0;
}
