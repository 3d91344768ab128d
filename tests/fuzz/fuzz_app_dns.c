/* summary: libFuzzer target: the DNS message parser and the EVE dns event of what it parsed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_dns.h"
#include "core/buf.h"
#include "output/eve.h"
#include "output/eve_app.h"

/*
 * The input is one DNS message.  Checked: parsing never reads past the
 * input (ASan), names (raw bytes, NULs allowed) are NUL-terminated within their bound, counts stay
 * within the arrays, and the EVE writer accepts what came out.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m;
	struct buf out;
	struct eve *e;
	struct error err;

	(void)dns_plausible(data, size);
	if (dns_parse(data, size, &m) != 0)
		return 0;
	if (m.nquestions > DNS_MAX_QUESTIONS || m.nanswers > DNS_MAX_ANSWERS)
		abort();
	for (unsigned i = 0; i < m.nquestions; i++)
		if (m.q[i].name_len >= DNS_NAME_MAX || m.q[i].name[m.q[i].name_len] != '\0')
			abort();
	for (unsigned i = 0; i < m.nanswers; i++)
		if (m.an[i].name_len >= DNS_NAME_MAX ||
		    m.an[i].name[m.an[i].name_len] != '\0' ||
		    m.an[i].rdata_len >= DNS_RDATA_MAX)
			abort();
	buf_init(&out, 0);
	e = eve_new_buf(&out);
	if (e != NULL) {
		(void)eve_app_dns(e, 1, NULL, NULL, 0, &m);
		(void)eve_close(e, &err);
	}
	buf_free(&out);
	return 0;
}
