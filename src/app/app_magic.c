/* summary: built-in file magic for the common cases (ELF, PE, scripts, archives, documents). */
#include <string.h>
#include <strings.h>

#include "app/app_files.h"

/*
 * libmagic would name thousands of formats but is one more library to
 * link and feed untrusted bytes to; analysts of a honeypot mostly need to
 * tell executables, scripts and archives apart, which a table of
 * signatures does.  Strings follow file(1)'s wording, shortened.
 */

struct magic_sig {
	uint16_t off;
	uint8_t len;
	const char *sig;
	const char *desc;
};

static const struct magic_sig sigs[] = {
	{ 0, 4, "\x7f" "ELF", "ELF" },
	{ 0, 2, "MZ", "PE32 executable (MS-DOS MZ)" },
	{ 0, 4, "PK\x03\x04", "Zip archive data" },
	{ 0, 4, "PK\x05\x06", "Zip archive data (empty)" },
	{ 0, 3, "\x1f\x8b\x08", "gzip compressed data" },
	{ 0, 3, "BZh", "bzip2 compressed data" },
	{ 0, 6, "\xfd" "7zXZ\x00", "XZ compressed data" },
	{ 0, 6, "7z\xbc\xaf\x27\x1c", "7-zip archive data" },
	{ 0, 4, "Rar!", "RAR archive data" },
	{ 0, 4, "\x28\xb5\x2f\xfd", "Zstandard compressed data" },
	{ 257, 5, "ustar", "POSIX tar archive" },
	{ 0, 5, "%PDF-", "PDF document" },
	{ 0, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Composite Document File V2 Document" },
	{ 0, 8, "\x89PNG\r\n\x1a\n", "PNG image data" },
	{ 0, 3, "\xff\xd8\xff", "JPEG image data" },
	{ 0, 4, "GIF8", "GIF image data" },
	{ 0, 4, "\xca\xfe\xba\xbe", "Java class data or Mach-O universal binary" },
	{ 0, 4, "\xcf\xfa\xed\xfe", "Mach-O 64-bit executable" },
	{ 0, 4, "\xce\xfa\xed\xfe", "Mach-O executable" },
	{ 0, 4, "\x00" "asm", "WebAssembly (wasm) binary module" },
	{ 0, 7, "!<arch>", "current ar archive" },
	{ 0, 6, "070701", "ASCII cpio archive (SVR4 with no CRC)" },
	{ 0, 4, "\xed\xab\xee\xdb", "RPM" },
};

static const struct { const char *interp; const char *desc; } scripts[] = {
	{ "sh", "POSIX shell script, ASCII text executable" },
	{ "bash", "Bourne-Again shell script, ASCII text executable" },
	{ "python", "Python script, ASCII text executable" },
	{ "perl", "Perl script text executable" },
	{ "ruby", "Ruby script, ASCII text executable" },
	{ "php", "PHP script, ASCII text" },
	{ "node", "Node.js script, ASCII text executable" },
};

static int
is_text(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] < 0x20 && d[i] != '\n' && d[i] != '\r' && d[i] != '\t')
			return 0;
	return 1;
}

const char *
file_magic(const uint8_t *d, size_t n)
{
	if (n == 0)
		return "empty";
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= (size_t)sigs[i].off + sigs[i].len &&
		    memcmp(d + sigs[i].off, sigs[i].sig, sigs[i].len) == 0)
			return sigs[i].desc;
	if (n >= 3 && d[0] == '#' && d[1] == '!') {
		/* "#!/bin/sh", "#!/usr/bin/env python3": the interpreter's base name */
		size_t e = 2, s;

		while (e < n && d[e] != '\n' && d[e] != ' ')
			e++;
		s = e;
		while (s > 2 && d[s - 1] != '/')
			s--;
		if (e - s == 3 && memcmp(d + s, "env", 3) == 0 && e < n) {
			s = ++e;
			while (e < n && d[e] != '\n' && d[e] != ' ')
				e++;
		}
		for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
			size_t l = strlen(scripts[i].interp);
			if (e - s >= l && memcmp(d + s, scripts[i].interp, l) == 0)
				return scripts[i].desc;
		}
		return "a script, ASCII text executable";
	}
	if (n >= 5 && memcmp(d, "<?php", 5) == 0)
		return "PHP script, ASCII text";
	if (n >= 5 && (memcmp(d, "<html", 5) == 0 || memcmp(d, "<HTML", 5) == 0 ||
	    (n >= 9 && strncasecmp((const char *)d, "<!doctype", 9) == 0)))
		return "HTML document, ASCII text";
	if (n >= 5 && memcmp(d, "<?xml", 5) == 0)
		return "XML document text";
	if (is_text(d, n))
		return "ASCII text";
	return "data";
}
