/* summary: the report's charts as inline SVG: traffic over time and bar charts. */
#include "report/report_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/timefmt.h"

#define W 560
#define H 220
#define PAD_L 64
#define PAD_B 28
#define PAD_T 26

static void
human(uint64_t v, char out[24])
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	double d = (double)v;
	int i = 0;

	while (d >= 1000 && i < 4) {
		d /= 1000;
		i++;
	}
	snprintf(out, 24, i ? "%.1f %s" : "%.0f %s", d, u[i]);
}

static void
series(struct buf *b, const uint64_t *v, uint64_t max, const char *color)
{
	double step = (double)(W - PAD_L - 10) / (REPORT_BUCKETS - 1);

	buf_printf(b, "<polyline fill=none stroke=\"%s\" stroke-width=2 points=\"",
	    color);
	for (int i = 0; i < REPORT_BUCKETS; i++) {
		double y = (double)(H - PAD_B) - (max ? (double)v[i] / (double)max : 0) *
		    (H - PAD_B - PAD_T);
		buf_printf(b, "%.1f,%.1f ", PAD_L + i * step, y);
	}
	buf_append_str(b, "\"/>");
}

void
report_svg_traffic(struct report *r, struct buf *b)
{
	uint64_t max = 1;
	char top[24], t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];

	for (int i = 0; i < REPORT_BUCKETS; i++) {
		if (r->bucket_in[i] > max)
			max = r->bucket_in[i];
		if (r->bucket_out[i] > max)
			max = r->bucket_out[i];
	}
	human(max, top);
	timefmt_rfc3339(r->t_min, t0);
	timefmt_rfc3339(r->t_max, t1);
	t0[19] = t1[19] = '\0';
	buf_printf(b, "<svg role=img viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
	    "<title>Traffic over time</title><text x=8 y=16 font-weight=bold>"
	    "Traffic over time (bytes per interval)</text>"
	    "<line x1=%d y1=%d x2=%d y2=%d stroke=\"#aab\"/>"
	    "<line x1=%d y1=%d x2=%d y2=%d stroke=\"#aab\"/>"
	    "<text x=4 y=%d>%s</text><text x=4 y=%d>0</text>"
	    "<text x=%d y=%d>%s</text><text x=%d y=%d text-anchor=end>%s</text>",
	    W, H, W, H, PAD_L, H - PAD_B, W - 10, H - PAD_B, PAD_L, PAD_T, PAD_L,
	    H - PAD_B, PAD_T + 4, top, H - PAD_B, PAD_L, H - 8, t0 + 11, W - 10,
	    H - 8, t1 + 11);
	series(b, r->bucket_in, max, "#2b6cb0");
	series(b, r->bucket_out, max, "#c05621");
	buf_printf(b, "<rect x=%d y=8 width=10 height=10 fill=\"#2b6cb0\"/>"
	    "<text x=%d y=17>inbound</text><rect x=%d y=8 width=10 height=10 "
	    "fill=\"#c05621\"/><text x=%d y=17>outbound</text></svg>",
	    W - 170, W - 156, W - 90, W - 76);
}

void
report_svg_bars(struct buf *b, const char *title, const struct counters *c,
    const char *color)
{
	size_t n = c->n < REPORT_TOP ? c->n : REPORT_TOP;
	int row = 18, h = PAD_T + (int)(n ? n : 1) * row + 8, lab = 330;
	uint64_t max = n ? c->v[0].n : 1;

	buf_printf(b, "<svg role=img viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
	    "<title>", W, h, W, h);
	html_puts(b, title);
	buf_append_str(b, "</title><text x=8 y=16 font-weight=bold>");
	html_puts(b, title);
	buf_append_str(b, "</text>");
	if (n == 0)
		buf_printf(b, "<text x=8 y=%d>none</text>", PAD_T + 12);
	for (size_t i = 0; i < n; i++) {
		int y = PAD_T + (int)i * row;
		double w = (double)c->v[i].n / (double)max * (W - lab - 60);
		char key[52];	/* ~6 px a character: fits the label column */

		/* long labels are cut, on a character boundary */
		snprintf(key, sizeof(key), "%s", c->v[i].key);
		if (strlen(c->v[i].key) >= sizeof(key) - 1) {
			size_t k = sizeof(key) - 4;
			while (k > 0 && ((uint8_t)key[k] & 0xc0) == 0x80)
				k--;
			strcpy(key + k, "...");
		}
		buf_printf(b, "<text x=%d y=%d text-anchor=end>", lab - 6, y + 12);
		html_puts(b, key);
		buf_printf(b, "</text><rect x=%d y=%d width=\"%.1f\" height=%d fill=\"%s\"/>"
		    "<text x=\"%.1f\" y=%d>%" PRIu64 "</text>", lab, y + 2,
		    w < 1 ? 1 : w, row - 5, color, lab + (w < 1 ? 1 : w) + 4, y + 12,
		    c->v[i].n);
	}
	buf_append_str(b, "</svg>");
}
