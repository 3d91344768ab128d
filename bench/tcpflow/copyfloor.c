/* summary: bench helper: write the files of a folder anew with N threads, the least any tcpflow must do. */
/*
 *   copyfloor THREADS SRC DST
 *
 * Creates in DST (which must exist and be empty) a copy of every regular
 * file of SRC except sessions.json and report.xml, with THREADS threads
 * taking files in turn (largest first), each file written with pwrite in
 * 1 MiB pieces straight out of a read-only mapping of the source file: one
 * copy, from memory into new page-cache pages, with no parsing at all.
 * Prints the seconds that took (from the threads' start to their end).
 *
 * bench/tcpflow/run.sh runs it on the output of `apiary tcpflow` with as
 * many threads as apiary's writer uses (`apiary tcpflow -v` says): that
 * time is what writing those bytes costs on this machine, a floor under
 * any tool that produces the same files from a capture in memory, so the
 * benchmark can say how far each tool is above it.  What is not timed:
 * listing SRC, and mapping the sources with their page tables filled
 * (MAP_POPULATE), so that the threads only copy and write.  The source
 * bytes are in memory, not in the CPU caches (the folder is larger than
 * the last-level cache), as the capture is for the tools.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PIECE (1u << 20)
#define THREADS_MAX 16

struct entry {
	char *name;
	off_t size;
	const char *map;	/* the source's bytes, or NULL when empty */
};

struct job {
	int srcfd, dstfd;
	struct entry *files;
	size_t n;
	atomic_size_t next;
	atomic_int failed;
};

static int
copy_one(struct job *j, const struct entry *e)
{
	const char *name = e->name;
	int out, rc = -1;

	out = openat(j->dstfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "copyfloor: %s (destination): %s\n", name, strerror(errno));
		return -1;
	}
	for (off_t o = 0; o < e->size; ) {
		size_t len = (size_t)(e->size - o) < PIECE ? (size_t)(e->size - o) : PIECE;
		ssize_t w = pwrite(out, e->map + o, len, o);

		if (w <= 0) {
			fprintf(stderr, "copyfloor: %s: write at %lld: %s\n", name,
			    (long long)o, w < 0 ? strerror(errno) : "short write");
			goto done;
		}
		o += w;
	}
	rc = 0;
done:
	if (out >= 0 && close(out) != 0 && rc == 0) {
		fprintf(stderr, "copyfloor: %s: close: %s\n", name, strerror(errno));
		rc = -1;
	}
	return rc;
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n && !atomic_load(&j->failed))
		if (copy_one(j, &j->files[i]) < 0)
			atomic_store(&j->failed, 1);
	return NULL;
}

/* Largest first, so that no thread is left with a big file at the end. */
static int
by_size_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->size < y->size) - (x->size > y->size);
}

int
main(int argc, char **argv)
{
	struct job j = { .srcfd = -1, .dstfd = -1 };
	pthread_t th[THREADS_MAX];
	size_t cap = 0;
	struct dirent *d;
	struct timespec t0, t1;
	struct stat st;
	DIR *dir;
	char *end;
	long nth;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: copyfloor THREADS SRC DST\n");
		return 2;
	}
	nth = strtol(argv[1], &end, 10);
	if (*end != '\0' || nth < 1 || nth > THREADS_MAX) {
		fprintf(stderr, "copyfloor: %s: threads must be 1-%d\n", argv[1], THREADS_MAX);
		return 2;
	}
	j.srcfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j.dstfd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j.srcfd < 0 || j.dstfd < 0) {
		fprintf(stderr, "copyfloor: %s: %s\n", j.srcfd < 0 ? argv[2] : argv[3],
		    strerror(errno));
		return 2;
	}
	dir = fdopendir(dup(j.srcfd));
	if (dir == NULL) {
		fprintf(stderr, "copyfloor: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	while ((d = readdir(dir)) != NULL) {
		if ((d->d_type != DT_REG && d->d_type != DT_UNKNOWN) ||
		    strcmp(d->d_name, "sessions.json") == 0 ||
		    strcmp(d->d_name, "report.xml") == 0)
			continue;
		if (j.n == cap) {
			struct entry *nf = realloc(j.files, (cap = cap ? cap * 2 : 1024) * sizeof(*nf));
			if (nf == NULL) {
				perror("copyfloor");
				return 2;
			}
			j.files = nf;
		}
		if ((fd = openat(j.srcfd, d->d_name, O_RDONLY | O_CLOEXEC)) < 0 ||
		    fstat(fd, &st) != 0) {
			fprintf(stderr, "copyfloor: %s: %s\n", d->d_name, strerror(errno));
			return 2;
		}
		if (!S_ISREG(st.st_mode)) {	/* DT_UNKNOWN: a folder after all */
			close(fd);
			continue;
		}
		j.files[j.n].size = st.st_size;
		j.files[j.n].map = NULL;
		if (st.st_size > 0) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE | MAP_POPULATE, fd, 0);
			if (m == MAP_FAILED) {
				fprintf(stderr, "copyfloor: %s: mmap: %s\n", d->d_name,
				    strerror(errno));
				return 2;
			}
			j.files[j.n].map = m;
		}
		close(fd);
		if ((j.files[j.n++].name = strdup(d->d_name)) == NULL) {
			perror("copyfloor");
			return 2;
		}
	}
	closedir(dir);
	if (j.n == 0) {
		fprintf(stderr, "copyfloor: %s: no files to copy\n", argv[2]);
		return 2;
	}
	qsort(j.files, j.n, sizeof(*j.files), by_size_desc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < nth; i++) {
		int e = pthread_create(&th[i], NULL, worker, &j);
		if (e != 0) {
			fprintf(stderr, "copyfloor: thread: %s\n", strerror(e));
			return 2;
		}
	}
	for (long i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.3f\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return atomic_load(&j.failed) ? 1 : 0;
}
