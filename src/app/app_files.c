/* summary: file store: extracted files hashed (SHA-256), stored once by hash, total size bounded. */
#include "app/app_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MAGIC_HEAD 300		/* bytes kept for file_magic (tar needs 262) */
#define WRITE_BUF (64 * 1024)

struct file_store {
	struct file_store_config cfg;
	char *dir;
	uint64_t next_id, tmp_no;
	uint32_t open_now;
	struct file_store_stats st;
};

struct file_track {
	EVP_MD_CTX *md;
	FILE *tmp;			/* NULL: not being stored */
	char *tmp_path;
	uint64_t size;
	uint8_t head[MAGIC_HEAD];
	uint32_t head_len;
	uint8_t gaps, failed;
};

void
file_store_config_default(struct file_store_config *cfg)
{
	cfg->dir = NULL;
	cfg->max_bytes = 1ull << 30;
	cfg->max_file = 64ull << 20;
	cfg->max_open = 64;
}

const char *
file_state_name(enum file_state s)
{
	switch (s) {
	case FILE_STATE_OPEN: return "OPEN";
	case FILE_STATE_CLOSED: return "CLOSED";
	case FILE_STATE_TRUNCATED: return "TRUNCATED";
	default: return "ERROR";
	}
}

static int
mkdir_p1(const char *p)
{
	struct stat st;

	if (mkdir(p, 0750) == 0)
		return 0;
	if (errno == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

/* Sums the sizes of DIR/xx/<hash> files already there. */
static uint64_t
count_existing(const char *dir)
{
	uint64_t total = 0;
	char sub[4096];

	for (int i = 0; i < 256; i++) {
		DIR *d;
		struct dirent *de;

		snprintf(sub, sizeof(sub), "%s/%02x", dir, i);
		if ((d = opendir(sub)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			    S_ISREG(st.st_mode))
				total += (uint64_t)st.st_size;
		}
		closedir(d);
	}
	return total;
}

struct file_store *
file_store_new(const struct file_store_config *cfg, struct error *err)
{
	struct file_store *fs = calloc(1, sizeof(*fs));
	char tmp[4096];

	if (fs == NULL) {
		error_set(err, "file store: out of memory");
		return NULL;
	}
	fs->cfg = *cfg;
	if (cfg->dir != NULL) {
		if ((fs->dir = strdup(cfg->dir)) == NULL) {
			free(fs);
			error_set(err, "file store: out of memory");
			return NULL;
		}
		snprintf(tmp, sizeof(tmp), "%s/tmp", cfg->dir);
		if (mkdir_p1(cfg->dir) < 0 || mkdir_p1(tmp) < 0) {
			error_errno(err, "file store: %s", cfg->dir);
			free(fs->dir);
			free(fs);
			return NULL;
		}
		fs->st.bytes_stored = count_existing(cfg->dir);
	}
	return fs;
}

void
file_store_free(struct file_store *fs)
{
	if (fs == NULL)
		return;
	free(fs->dir);
	free(fs);
}

void
file_store_stats(const struct file_store *fs, struct file_store_stats *st)
{
	*st = fs->st;
}

static void
drop_tmp(struct file_store *fs, struct file_track *ft)
{
	if (ft->tmp != NULL) {
		fclose(ft->tmp);
		ft->tmp = NULL;
		fs->open_now--;
	}
	if (ft->tmp_path != NULL) {
		unlink(ft->tmp_path);
		free(ft->tmp_path);
		ft->tmp_path = NULL;
	}
}

struct file_track *
file_open(struct file_store *fs)
{
	struct file_track *ft = calloc(1, sizeof(*ft));

	if (ft == NULL)
		return NULL;
	if ((ft->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ft->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ft->md);
		free(ft);
		return NULL;
	}
	fs->st.opened++;
	if (fs->dir != NULL && fs->open_now < fs->cfg.max_open &&
	    asprintf(&ft->tmp_path, "%s/tmp/%ld-%llu", fs->dir, (long)getpid(),
	    (unsigned long long)++fs->tmp_no) >= 0) {
		int fd = open(ft->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0640);

		if (fd >= 0 && (ft->tmp = fdopen(fd, "w")) != NULL) {
			fs->open_now++;
			setvbuf(ft->tmp, NULL, _IOFBF, WRITE_BUF);
		} else {
			if (fd >= 0)
				close(fd);
			fs->st.write_errors++;
			free(ft->tmp_path);
			ft->tmp_path = NULL;
		}
	}
	return ft;
}

void
file_write(struct file_store *fs, struct file_track *ft, const uint8_t *data,
    size_t len)
{
	if (len == 0)
		return;
	if (EVP_DigestUpdate(ft->md, data, len) != 1)
		ft->failed = 1;
	if (ft->head_len < MAGIC_HEAD) {
		size_t n = MAGIC_HEAD - ft->head_len;
		if (n > len)
			n = len;
		memcpy(ft->head + ft->head_len, data, n);
		ft->head_len += (uint32_t)n;
	}
	ft->size += len;
	if (ft->tmp != NULL) {
		if (ft->size > fs->cfg.max_file ||
		    fs->st.bytes_stored + ft->size > fs->cfg.max_bytes) {
			drop_tmp(fs, ft);	/* will not fit: stop writing */
		} else if (fwrite(data, 1, len, ft->tmp) != len) {
			fs->st.write_errors++;
			drop_tmp(fs, ft);
		}
	}
}

void
file_gap(struct file_store *fs, struct file_track *ft)
{
	ft->gaps = 1;
	drop_tmp(fs, ft);
}

void
file_close(struct file_store *fs, struct file_track *ft, int complete,
    struct file_result *res)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char path[4096], sub[4096];
	struct stat st;

	memset(res, 0, sizeof(*res));
	res->file_id = ++fs->next_id;
	if (EVP_DigestFinal_ex(ft->md, md, &n) == 1 && n == 32 && !ft->failed) {
		for (unsigned i = 0; i < 32; i++)
			snprintf(res->sha256 + 2 * i, 3, "%02x", md[i]);
	}
	res->size = ft->size;
	res->magic = file_magic(ft->head, ft->head_len);
	res->gaps = ft->gaps;
	res->state = ft->failed ? FILE_STATE_ERROR :
	    (complete && !ft->gaps) ? FILE_STATE_CLOSED : FILE_STATE_TRUNCATED;
	if (res->state == FILE_STATE_TRUNCATED)
		fs->st.truncated++;
	if (fs->dir != NULL && res->sha256[0] != '\0' &&
	    res->state == FILE_STATE_CLOSED) {
		snprintf(sub, sizeof(sub), "%s/%.2s", fs->dir, res->sha256);
		snprintf(path, sizeof(path), "%s/%s", sub, res->sha256);
		if (stat(path, &st) == 0) {
			res->stored = 1;	/* the same content is there already */
			fs->st.duplicates++;
		} else if (ft->tmp != NULL) {
			int ok = fflush(ft->tmp) == 0;

			ok = fclose(ft->tmp) == 0 && ok;
			ft->tmp = NULL;
			fs->open_now--;
			if (ok && mkdir_p1(sub) == 0 && rename(ft->tmp_path, path) == 0) {
				res->stored = 1;
				fs->st.stored++;
				fs->st.bytes_stored += ft->size;
			} else {
				fs->st.write_errors++;
			}
		}
	}
	if (!res->stored)
		fs->st.not_stored++;
	drop_tmp(fs, ft);
	EVP_MD_CTX_free(ft->md);
	free(ft);
}
