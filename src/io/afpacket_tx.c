/* summary: the transmit thread: hands frames queued in TX rings to the kernel off the forwarding thread. */
#include "io/afpacket_tx.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpuset.h"
#include "core/timefmt.h"

#define AFP_TX_MAX_PORTS 4
#ifndef AFP_TX_SPIN_NS
#define AFP_TX_SPIN_NS 5000	/* look again this long before sleeping */
#endif

struct afp_tx_thread {
	struct afp_port *port[AFP_TX_MAX_PORTS];
	int nports;
	_Atomic int want[AFP_TX_MAX_PORTS];
	_Atomic int sleeping;
	_Atomic int stop;
	_Atomic uint64_t errors[AFP_TX_MAX_PORTS];
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	int started;
};

/* One pass over the ports that asked; 1 if any did. */
static int
send_wanted(struct afp_tx_thread *t)
{
	int did = 0;

	for (int i = 0; i < t->nports; i++) {
		if (!atomic_exchange(&t->want[i], 0))
			continue;
		did = 1;
		if (afp_tx_send(t->port[i]) == -1)
			atomic_fetch_add(&t->errors[i], 1);
	}
	return did;
}

static int
any_wanted(struct afp_tx_thread *t)
{
	for (int i = 0; i < t->nports; i++)
		if (atomic_load(&t->want[i]))
			return 1;
	return 0;
}

static void *
tx_main(void *arg)
{
	struct afp_tx_thread *t = arg;
	uint64_t idle_since = 0;
	char name[16];

	/* named for top -H and perf: "tx hn0" */
	snprintf(name, sizeof(name), "tx %s", afp_name(t->port[0]));
	(void)pthread_setname_np(pthread_self(), name);

	/* A short spin before sleeping: a burst of small frames comes as
	 * many small kicks, each a wake-up if the thread slept.  Kept short:
	 * on two CPUs shared with the traffic a longer spin only took time
	 * from the others (measured). */
	for (;;) {
		if (send_wanted(t)) {
			idle_since = 0;
			continue;
		}
		if (atomic_load(&t->stop))
			break;
		if (idle_since == 0)
			idle_since = time_mono_ns();
		if (time_mono_ns() - idle_since < AFP_TX_SPIN_NS) {
			sched_yield();
			continue;
		}
		/* sleeping is set before the last look: a kick either sees it
		 * (and signals) or was seen by that look */
		pthread_mutex_lock(&t->mu);
		atomic_store(&t->sleeping, 1);
		while (!any_wanted(t) && !atomic_load(&t->stop))
			pthread_cond_wait(&t->wake, &t->mu);
		atomic_store(&t->sleeping, 0);
		pthread_mutex_unlock(&t->mu);
		idle_since = 0;
	}
	send_wanted(t);
	return NULL;
}

struct afp_tx_thread *
afp_tx_thread_new(struct afp_port *const *ports, int nports, struct error *err)
{
	struct afp_tx_thread *t;
	int e;

	if (nports < 1 || nports > AFP_TX_MAX_PORTS) {
		error_set(err, "transmit thread: %d ports", nports);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	memcpy(t->port, ports, (size_t)nports * sizeof(*ports));
	t->nports = nports;
	if ((e = pthread_mutex_init(&t->mu, NULL)) != 0 ||
	    (e = pthread_cond_init(&t->wake, NULL)) != 0 ||
	    (e = pthread_create(&t->thread, NULL, tx_main, t)) != 0) {
		errno = e;
		error_errno(err, "transmit thread");
		free(t);
		return NULL;
	}
	t->started = 1;
	return t;
}

void
afp_tx_thread_kick(struct afp_tx_thread *t, int i)
{
	atomic_store(&t->want[i], 1);
	if (atomic_load(&t->sleeping)) {
		pthread_mutex_lock(&t->mu);
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->mu);
	}
}

int
afp_tx_thread_set_cpus(struct afp_tx_thread *t, const cpu_set_t *cpus,
    struct error *err)
{
	return cpuset_apply(t->thread, cpus, err);
}

uint64_t
afp_tx_thread_errors(const struct afp_tx_thread *t, int i)
{
	return atomic_load(&((struct afp_tx_thread *)t)->errors[i]);
}

void
afp_tx_thread_free(struct afp_tx_thread *t)
{
	if (t == NULL)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->mu);
		atomic_store(&t->stop, 1);
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
	}
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
