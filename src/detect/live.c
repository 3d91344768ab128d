/* summary: rule reload: the engine in use, swapped atomically while traffic flows. */
#include <pthread.h>
#include <stdlib.h>

#include "detect/engine_int.h"

/*
 * The reload thread builds a new engine (seconds for a large ruleset)
 * without holding anything the packet path needs, then swaps the pointer
 * under a short mutex.  The packet thread takes a reference to the current
 * engine per batch (detect_live_current) and moves its detect_thread over
 * (detect_thread_use); the old engine is freed when the last reference
 * goes.  Packets are never held for a build.
 */
struct detect_live {
	pthread_mutex_t mu;
	struct detect_engine *cur;
	uint64_t generation;
};

struct detect_live *
detect_live_new(struct detect_engine *e, struct error *err)
{
	struct detect_live *lv = calloc(1, sizeof(*lv));

	if (lv == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&lv->mu, NULL) != 0) {
		free(lv);
		error_set(err, "mutex");
		return NULL;
	}
	lv->cur = e;
	lv->generation = 1;
	return lv;
}

void
detect_live_free(struct detect_live *lv)
{
	if (lv == NULL)
		return;
	detect_engine_unref(lv->cur);
	pthread_mutex_destroy(&lv->mu);
	free(lv);
}

struct detect_engine *
detect_live_current(struct detect_live *lv)
{
	struct detect_engine *e;

	pthread_mutex_lock(&lv->mu);
	e = detect_engine_ref(lv->cur);
	pthread_mutex_unlock(&lv->mu);
	return e;
}

void
detect_live_swap(struct detect_live *lv, struct detect_engine *e)
{
	struct detect_engine *old;

	pthread_mutex_lock(&lv->mu);
	old = lv->cur;
	lv->cur = e;
	lv->generation++;
	pthread_mutex_unlock(&lv->mu);
	detect_engine_unref(old);
}

uint64_t
detect_live_generation(struct detect_live *lv)
{
	uint64_t g;

	pthread_mutex_lock(&lv->mu);
	g = lv->generation;
	pthread_mutex_unlock(&lv->mu);
	return g;
}
