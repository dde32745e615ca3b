// SPDX-License-Identifier: MIT
/* The AAA worker threads; see aaa.h. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sodium.h>

#include "ezv/aaa.h"
#include "lib/daemon_log.h"

/* Logins waiting for the workers: each belongs to a session past Phase 1
 * and not yet through XAUTH, which the engine bounds (unauthenticated-max),
 * so the queue takes as many; refusing one there told a user with the
 * right password that it was wrong (a reconnect storm refused 1,388 of
 * 2,000).  Without that bound, this one. */
#define AAA_LOGINS_UNBOUNDED_MAX 2048
/* Accounting records waiting for the remote thread (a storm's Starts, Interims
 * while RADIUS is slow): a record refused here is lost. */
#define AAA_ACCT_QUEUE_MAX 4096

struct aaa_job {
	struct aaa_job *next;
	bool is_acct;
	struct aaa_request req;
	struct radius_acct_info acct;
};

struct aaa_done {
	struct aaa_done *next;
	struct aaa_result res;
};

struct old_db {
	struct old_db *next;
	struct userdb *db;
};

struct aaa_queue {
	struct aaa_job *head, *tail;
	pthread_cond_t wake;
};

/* Local password checks are CPU work with no order to keep: several
 * threads take them, so argon2id uses every CPU.  RADIUS logins and
 * accounting keep one thread: a session's Start goes out before its
 * Stop, and one radcli handle serves them. */
struct aaa_thread {
	struct aaa *a;
	struct aaa_queue *q;
	pthread_t id;
};

struct aaa {
	const struct easyvpn_config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool stop;
	unsigned busy;			/* jobs being run */
	struct aaa_queue local, remote;	/* local checks; RADIUS and accounting */
	unsigned queued_logins, queued_acct;
	unsigned max_logins;
	struct aaa_thread *threads;
	unsigned n_threads;		/* remote's one, then local's */
	struct aaa_done *done_head, *done_tail;
	int efd;
	struct userdb *db;
	struct old_db *retired;		/* replaced dbs, freed when no job runs */
	struct radius_client *radius;	/* the remote thread only */
	unsigned long acct_failures;
};

static void free_retired(struct aaa *a)
{
	struct old_db *o;

	while ((o = a->retired)) {
		a->retired = o->next;
		userdb_free(o->db);
		free(o->db);
		free(o);
	}
}

static void job_wipe_free(struct aaa_job *j)
{
	sodium_memzero(j, sizeof(*j));
	free(j);
}

static void check_local(struct aaa *a, const struct aaa_request *rq,
			struct aaa_result *res)
{
	const char *group = NULL;

	res->source = AAA_SRC_LOCAL;
	pthread_mutex_lock(&a->lock);
	struct userdb *db = a->db;
	pthread_mutex_unlock(&a->lock);
	/* db is only replaced, never freed, while a job runs (see aaa_set_userdb) */
	if (!db) {
		snprintf(res->reason, sizeof(res->reason), "no local user database");
		return;
	}
	res->ok = userdb_verify(db, rq->user, (const char *)rq->pass, rq->pass_len, &group);
	if (res->ok) {
		snprintf(res->group, sizeof(res->group), "%s", group);
		snprintf(res->reason, sizeof(res->reason), "local user database");
	} else if (!userdb_find(db, rq->user)) {
		snprintf(res->reason, sizeof(res->reason), "no such user in the local database");
	} else {
		snprintf(res->reason, sizeof(res->reason), "wrong password (local database)");
	}
}

static void check_radius(struct aaa *a, const struct aaa_request *rq,
			 struct aaa_result *res, bool *no_answer)
{
	enum radius_result r;

	res->source = AAA_SRC_RADIUS;
	*no_answer = false;
	if (!a->radius) {
		*no_answer = true;
		snprintf(res->reason, sizeof(res->reason), "no RADIUS server configured");
		return;
	}
	const struct radius_answer ans = { rq->state, rq->state_len, rq->server };

	r = radius_pap(a->radius, rq->user, rq->pass, rq->pass_len, rq->calling_station,
		       rq->id, rq->answer ? &ans : NULL, &res->radius);
	res->ok = r == RADIUS_ACCEPT;
	res->challenge = r == RADIUS_CHALLENGE;
	*no_answer = r == RADIUS_TIMEOUT;
	if (res->ok)
		snprintf(res->group, sizeof(res->group), "%s", res->radius.group);
	if (res->radius.state_refused) {
		snprintf(res->reason, sizeof(res->reason), "RADIUS challenge refused: "
			 "a State longer than %u bytes, or more than one", RADIUS_STATE_MAX);
		return;
	}
	/* The server's Reply-Message is its text: escaped for the log. */
	snprintf(res->reason, sizeof(res->reason), "RADIUS %s%s%s", radius_result_name(r),
		 res->radius.reply_message[0] ? ": " : "",
		 log_peer(res->radius.reply_message));
}

static void run_auth(struct aaa *a, struct aaa_request *rq, struct aaa_result *res)
{
	bool no_answer;

	memset(res, 0, sizeof(*res));
	res->id = rq->id;
	snprintf(res->user, sizeof(res->user), "%s", rq->user);
	switch (rq->method) {
	case EZV_AUTH_LOCAL:
		check_local(a, rq, res);
		break;
	case EZV_AUTH_RADIUS:
		check_radius(a, rq, res, &no_answer);
		break;
	case EZV_AUTH_RADIUS_THEN_LOCAL:
		if (rq->answer) {
			/* an answer to RADIUS's question means nothing locally */
			check_radius(a, rq, res, &no_answer);
			break;
		}
		check_radius(a, rq, res, &no_answer);
		if (no_answer) {
			char why[sizeof(res->reason)];

			snprintf(why, sizeof(why), "%s", res->reason);
			memset(&res->radius, 0, sizeof(res->radius));
			check_local(a, rq, res);
			snprintf(res->reason + strlen(res->reason),
				 sizeof(res->reason) - strlen(res->reason), " (after %s)", why);
		}
		break;
	}
	sodium_memzero(rq->pass, sizeof(rq->pass));
	rq->pass_len = 0;
}

static void run_acct(struct aaa *a, struct aaa_job *j)
{
	enum radius_result r = a->radius ? radius_acct(a->radius, &j->acct) : RADIUS_ERROR;

	if (r != RADIUS_ACCEPT) {
		pthread_mutex_lock(&a->lock);
		a->acct_failures++;
		pthread_mutex_unlock(&a->lock);
	}
}

/* Called locked: hands a finished login to the event loop. */
static void post_result(struct aaa *a, struct aaa_done *d)
{
	uint64_t one = 1;

	if (a->done_tail)
		a->done_tail->next = d;
	else
		a->done_head = d;
	a->done_tail = d;
	if (write(a->efd, &one, sizeof(one)) < 0) {
		/* eventfd counter saturation cannot happen at our rates */
	}
}

static struct aaa_job *pop(struct aaa *a, struct aaa_queue *q)
{
	struct aaa_job *j = q->head;

	q->head = j->next;
	if (!q->head)
		q->tail = NULL;
	if (j->is_acct)
		a->queued_acct--;
	else
		a->queued_logins--;
	return j;
}

static void *worker(void *arg)
{
	struct aaa_thread *t = arg;
	struct aaa *a = t->a;

	/* named for top -H and the IKE bench's split of the gateway's CPU */
	pthread_setname_np(pthread_self(), t->q == &a->local ? "evsd-aaa-local" : "evsd-aaa-radius");
	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct aaa_done *d = NULL;
		struct aaa_job *j;

		while (!t->q->head && !a->stop)
			pthread_cond_wait(&t->q->wake, &a->lock);
		if (!t->q->head)
			break;	/* stopping, and this queue is drained */
		j = pop(a, t->q);
		a->busy++;
		pthread_mutex_unlock(&a->lock);

		if (j->is_acct) {
			run_acct(a, j);
		} else {
			d = calloc(1, sizeof(*d));
			if (d)
				run_auth(a, &j->req, &d->res);
		}
		job_wipe_free(j);
		pthread_mutex_lock(&a->lock);
		if (d)
			post_result(a, d);
		if (!--a->busy) {
			/* no job holds a database now */
			free_retired(a);
			pthread_cond_broadcast(&a->idle);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* The CPUs this process may run on, at most the default's cap. */
static unsigned default_local_threads(void)
{
	cpu_set_t set;
	int n = 1;

	if (!sched_getaffinity(0, sizeof(set), &set))
		n = CPU_COUNT(&set);
	if (n < 1)
		n = 1;
	return n > AAA_LOCAL_THREADS_DEFAULT_MAX ? AAA_LOCAL_THREADS_DEFAULT_MAX : (unsigned)n;
}

static void stop_threads(struct aaa *a, unsigned started)
{
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->remote.wake);
	pthread_cond_broadcast(&a->local.wake);
	pthread_mutex_unlock(&a->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(a->threads[i].id, NULL);
}

static int start_threads(struct aaa *a, unsigned n_local, struct evs_err *err)
{
	a->n_threads = 1 + n_local;
	a->threads = calloc(a->n_threads, sizeof(*a->threads));
	if (!a->threads) {
		evs_errf(err, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < a->n_threads; i++) {
		a->threads[i].a = a;
		a->threads[i].q = i ? &a->local : &a->remote;
		if (pthread_create(&a->threads[i].id, NULL, worker, &a->threads[i])) {
			evs_errf(err, "cannot start AAA thread %u of %u", i + 1, a->n_threads);
			stop_threads(a, i);
			free(a->threads);
			return -1;
		}
	}
	return 0;
}

static void destroy_sync(struct aaa *a)
{
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->remote.wake);
	pthread_cond_destroy(&a->local.wake);
	pthread_cond_destroy(&a->idle);
}

struct aaa *aaa_new(const struct easyvpn_config *cfg, struct userdb *db,
		    unsigned max_logins, struct evs_err *err)
{
	struct aaa *a = calloc(1, sizeof(*a));

	if (!a) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	a->cfg = cfg;
	a->db = db;
	a->max_logins = max_logins ? max_logins : AAA_LOGINS_UNBOUNDED_MAX;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		evs_errf(err, "eventfd: %s", strerror(errno));
		free(a);
		return NULL;
	}
	if (cfg->aaa.n_servers) {
		a->radius = radius_new(&cfg->aaa, err);
		if (!a->radius) {
			close(a->efd);
			free(a);
			return NULL;
		}
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->remote.wake, NULL);
	pthread_cond_init(&a->local.wake, NULL);
	pthread_cond_init(&a->idle, NULL);
	if (start_threads(a, cfg->aaa.local_threads ? cfg->aaa.local_threads :
			  default_local_threads(), err)) {
		destroy_sync(a);
		radius_free(a->radius);
		close(a->efd);
		free(a);
		return NULL;
	}
	return a;
}

void aaa_free(struct aaa *a)
{
	struct aaa_done *d;

	if (!a)
		return;
	stop_threads(a, a->n_threads);
	free(a->threads);
	while ((d = a->done_head)) {
		a->done_head = d->next;
		sodium_memzero(d, sizeof(*d));
		free(d);
	}
	radius_free(a->radius);
	if (a->db) {
		userdb_free(a->db);
		free(a->db);
	}
	free_retired(a);
	close(a->efd);
	destroy_sync(a);
	free(a);
}

unsigned aaa_local_threads(const struct aaa *a)
{
	return a->n_threads - 1;
}

int aaa_fd(const struct aaa *a)
{
	return a->efd;
}

void aaa_set_userdb(struct aaa *a, struct userdb *db)
{
	struct old_db *o = calloc(1, sizeof(*o));

	pthread_mutex_lock(&a->lock);
	if (!o) {
		/* keep the current one rather than free what a job may read */
		pthread_mutex_unlock(&a->lock);
		userdb_free(db);
		free(db);
		return;
	}
	/* A running job may still read the current one: retire it; the last
	 * job to finish frees retired databases. */
	o->db = a->db;
	if (o->db) {
		o->next = a->retired;
		a->retired = o;
	} else {
		free(o);
	}
	a->db = db;
	if (!a->busy)
		free_retired(a);
	pthread_mutex_unlock(&a->lock);
}

/* Local checks go to the local threads; a login that may ask RADIUS, and
 * accounting, to the remote one. */
static struct aaa_queue *queue_for(struct aaa *a, const struct aaa_job *j)
{
	return !j->is_acct && j->req.method == EZV_AUTH_LOCAL ? &a->local : &a->remote;
}

static int enqueue(struct aaa *a, struct aaa_job *j)
{
	unsigned *queued = j->is_acct ? &a->queued_acct : &a->queued_logins;
	unsigned max = j->is_acct ? AAA_ACCT_QUEUE_MAX : a->max_logins;
	struct aaa_queue *q = queue_for(a, j);

	pthread_mutex_lock(&a->lock);
	if (*queued >= max || a->stop) {
		pthread_mutex_unlock(&a->lock);
		job_wipe_free(j);
		return -1;
	}
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	(*queued)++;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int aaa_submit_auth(struct aaa *a, struct aaa_request *req)
{
	struct aaa_job *j = calloc(1, sizeof(*j));

	if (!j) {
		sodium_memzero(req->pass, sizeof(req->pass));
		return -1;
	}
	j->req = *req;
	sodium_memzero(req->pass, sizeof(req->pass));
	req->pass_len = 0;
	return enqueue(a, j);
}

int aaa_submit_acct(struct aaa *a, const struct radius_acct_info *info)
{
	struct aaa_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -1;
	j->is_acct = true;
	j->acct = *info;
	return enqueue(a, j);
}

int aaa_take_result(struct aaa *a, struct aaa_result *out)
{
	struct aaa_done *d;
	uint64_t v;

	pthread_mutex_lock(&a->lock);
	d = a->done_head;
	if (d) {
		a->done_head = d->next;
		if (!a->done_head)
			a->done_tail = NULL;
	}
	if (!a->done_head) {
		/* reset the eventfd counter: nothing more to read */
		if (read(a->efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: already zero */
		}
	}
	pthread_mutex_unlock(&a->lock);
	if (!d)
		return 0;
	*out = d->res;
	sodium_memzero(d, sizeof(*d));
	free(d);
	return 1;
}

unsigned long aaa_acct_failures(const struct aaa *a)
{
	return a->acct_failures;
}

bool aaa_idle(struct aaa *a)
{
	bool idle;

	pthread_mutex_lock(&a->lock);
	idle = !a->local.head && !a->remote.head && !a->busy && !a->done_head;
	pthread_mutex_unlock(&a->lock);
	return idle;
}

void aaa_drain(struct aaa *a)
{
	pthread_mutex_lock(&a->lock);
	while (a->local.head || a->remote.head || a->busy)
		pthread_cond_wait(&a->idle, &a->lock);
	pthread_mutex_unlock(&a->lock);
}
