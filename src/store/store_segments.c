/* summary: finding and mapping a store's sender directories and segment files. */
#include "store/store_segments.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_format.h"

/* Bound on segments per sender and senders per store that we list. */
#define MAX_LISTED 1000000

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
store_seg_list(int dirfd, uint32_t **out, size_t *n, struct error *err)
{
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *de;
	uint32_t *v = NULL;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "store: list segments");
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		uint32_t no = store_segment_number(de->d_name);

		if (no == 0)
			continue;
		if (cnt == cap) {
			uint32_t *nv;

			if (cap >= MAX_LISTED) {
				closedir(d);
				free(v);
				return error_set(err, "store: too many segments");
			}
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				closedir(d);
				free(v);
				return error_set(err, "store: out of memory");
			}
			v = nv;
		}
		v[cnt++] = no;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_u32);
	*out = v;
	*n = cnt;
	return 0;
}

int
store_seg_map(int dirfd, uint32_t segno, struct store_seg_map *m,
    struct error *err)
{
	char name[16];
	struct stat sb;
	int fd;
	void *p;

	m->data = NULL;
	m->len = 0;
	snprintf(name, sizeof(name), "%08u.seg", segno);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "%s", name);
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return error_errno(err, "%s", name);
	}
	if (sb.st_size == 0) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return error_errno(err, "mmap %s", name);
	m->data = p;
	m->len = (size_t)sb.st_size;
	return 0;
}

void
store_seg_unmap(struct store_seg_map *m)
{
	if (m->data != NULL)
		munmap((void *)m->data, m->len);
	m->data = NULL;
	m->len = 0;
}

static int
access_head(int dirfd)
{
	return faccessat(dirfd, "head", F_OK, 0) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
store_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
has_segments(int dirfd)
{
	uint32_t *segs;
	size_t n;
	struct error e;

	if (store_seg_list(dirfd, &segs, &n, &e) < 0)
		return 0;
	free(segs);
	return n > 0;
}

int
store_senders_list(const char *path, char ***names, size_t *n, int *single,
    struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	*names = NULL;
	*n = 0;
	*single = 0;
	if (fd < 0)
		return error_errno(err, "%s", path);
	if (has_segments(fd) || access_head(fd)) {
		char *copy = strdup(path), *base;

		close(fd);
		if (copy == NULL)
			return error_set(err, "out of memory");
		base = basename(copy);
		v = malloc(sizeof(*v));
		if (v == NULL || (v[0] = strdup(base)) == NULL) {
			free(v);
			free(copy);
			return error_set(err, "out of memory");
		}
		free(copy);
		*names = v;
		*n = 1;
		*single = 1;
		return 0;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_errno(err, "%s", path);
	}
	rewinddir(d);	/* has_segments() read through a dup of fd */
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		if (!store_sender_valid(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (cnt == cap) {
			char **nv;

			if (cap >= MAX_LISTED)
				break;
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				closedir(d);
				store_names_free(v, cnt);
				return error_set(err, "out of memory");
			}
			v = nv;
		}
		if ((v[cnt] = strdup(de->d_name)) == NULL) {
			closedir(d);
			store_names_free(v, cnt);
			return error_set(err, "out of memory");
		}
		cnt++;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}
