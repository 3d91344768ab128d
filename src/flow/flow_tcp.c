/* summary: per-flow TCP tracking: Suricata state, Zeek endpoint states and history. */
#include "flow/flow_tcp.h"

#include <ctype.h>
#include <string.h>

/*
 * Two views of the same TCP packets are kept, because the two output
 * formats expect them:
 *
 * - Suricata's session state (EVE tcp.state): one state for the
 *   connection, driven by the handshake and the FIN/RST exchange.
 * - Zeek's endpoint states (conn.log conn_state): one state per side
 *   (inactive, SYN sent, SYN/ACK sent, partial, established, closed,
 *   reset), with the transitions of Zeek's TCPSessionAdapter
 *   (UpdateInactiveState, UpdateSYN_SentState, UpdateEstablishedState,
 *   UpdateClosedState).  conn_state is then Zeek's conn_state() function
 *   over the two endpoint states.
 *
 * History letters follow Zeek's update_history(): S (SYN), H (SYN/ACK),
 * A (pure ACK), D (payload), F (FIN), R (RST), Q (SYN with FIN or RST),
 * I (FIN with RST); each once per side, again only when a SYN/FIN/RST
 * carries a new sequence number; W (zero window) and T (retransmitted
 * payload) logarithmically (1st, 10th, 100th, ...).  Uppercase is the
 * initiator; '^' first means the roles were swapped (see flow.c).  Not
 * kept: C (bad checksum: not verified here) and G (content gap: that is
 * the stream stage's business).  The string is bounded (31 letters).
 *
 * Payload bytes for conn.log come from sequence numbers, as Zeek's: each
 * side's highest seq + len relative to its first (SYN, or the first
 * packet's seq - 1 midstream), minus the SYN and FIN.  RST sequence
 * numbers are not trusted.
 */

/* history_seen bits */
enum {
	H_SYN = 1 << 0, H_SYNACK = 1 << 1, H_ACK = 1 << 2, H_DATA = 1 << 3,
	H_FIN = 1 << 4, H_RST = 1 << 5, H_MULTI = 1 << 6, H_FINRST = 1 << 7,
};

void
flow_history_add(struct flow *f, char c)
{
	if (f->hist_len + 1 >= FLOW_HISTORY_MAX)
		return;
	f->history[f->hist_len++] = c;
	f->history[f->hist_len] = '\0';
}

static char
side_letter(uint8_t dir, char upper)
{
	return dir == FLOW_TOSERVER ? upper : (char)tolower((unsigned char)upper);
}

/* Records the letter the first time; returns 1 if it was already seen. */
static int
check_history(struct flow *f, uint8_t dir, uint16_t bit, char upper)
{
	if (f->history_seen[dir] & bit)
		return 1;
	f->history_seen[dir] |= bit;
	flow_history_add(f, side_letter(dir, upper));
	return 0;
}

void
flow_history_add_once(struct flow *f, uint8_t dir, char upper)
{
	uint16_t bit = upper == 'D' ? H_DATA : 0;

	if (bit)
		(void)check_history(f, dir, bit, upper);
	else
		flow_history_add(f, side_letter(dir, upper));
}

/* 1, 10, 100, ... */
static void
log_letter(struct flow *f, uint8_t dir, uint32_t *count, char upper)
{
	uint32_t n = ++*count;

	while (n % 10 == 0)
		n /= 10;
	if (n == 1)
		flow_history_add(f, side_letter(dir, upper));
}

static void
update_history(struct flow *f, uint8_t dir, uint8_t fl, uint32_t rel_seq,
    uint32_t len)
{
	int bits = !!(fl & TCP_SYN) + !!(fl & TCP_FIN) + !!(fl & TCP_RST);
	uint32_t *last = f->hist_last[dir];

	if (bits > 1) {
		if ((fl & TCP_FIN) && (fl & TCP_RST))
			(void)check_history(f, dir, H_FINRST, 'I');
		else
			(void)check_history(f, dir, H_MULTI, 'Q');
	} else if (bits == 1) {
		if (fl & TCP_SYN) {
			char code = (fl & TCP_ACK) ? 'H' : 'S';
			uint16_t bit = (fl & TCP_ACK) ? H_SYNACK : H_SYN;

			if (check_history(f, dir, bit, code) && rel_seq != last[0])
				flow_history_add(f, side_letter(dir, code));
			last[0] = rel_seq;
		}
		if (fl & TCP_FIN) {
			if (check_history(f, dir, H_FIN, 'F') && rel_seq + len != last[1])
				flow_history_add(f, side_letter(dir, 'F'));
			last[1] = rel_seq + len;
		}
		if (fl & TCP_RST) {
			if (check_history(f, dir, H_RST, 'R') && rel_seq != last[2])
				flow_history_add(f, side_letter(dir, 'R'));
			last[2] = rel_seq;
		}
	} else {
		if (len)
			(void)check_history(f, dir, H_DATA, 'D');
		else if (fl & TCP_ACK)
			(void)check_history(f, dir, H_ACK, 'A');
	}
}

/* ---- Zeek endpoint states ------------------------------------------- */

static void
ep_set(struct flow *f, uint8_t side, enum flow_endpoint_state s)
{
	f->ep_prev[side] = (uint8_t)f->ep_state[side];
	f->ep_state[side] = s;
}

static void
update_endpoints(struct flow *f, uint8_t dir, uint8_t fl, uint32_t len)
{
	uint8_t peer = dir ^ 1;
	int orig = dir == FLOW_TOSERVER;
	int syn = fl & TCP_SYN, ack = fl & TCP_ACK, fin = fl & TCP_FIN,
	    rst = fl & TCP_RST;

	switch (f->ep_state[dir]) {
	case FLOW_EP_INACTIVE:
		if (syn) {
			if (orig) {
				ep_set(f, dir, ack ? FLOW_EP_SYN_ACK_SENT : FLOW_EP_SYN_SENT);
			} else {
				if (f->ep_state[peer] == FLOW_EP_SYN_SENT ||
				    (!ack && f->ep_state[peer] == FLOW_EP_SYN_ACK_SENT))
					ep_set(f, peer, FLOW_EP_ESTABLISHED);
				ep_set(f, dir, FLOW_EP_ESTABLISHED);
			}
		}
		if (fin)
			ep_set(f, dir, FLOW_EP_CLOSED);
		if (rst)
			ep_set(f, dir, FLOW_EP_RESET);
		if (f->ep_state[dir] == FLOW_EP_INACTIVE) {
			if (!orig && len == 0 &&
			    f->ep_state[FLOW_TOSERVER] == FLOW_EP_SYN_SENT)
				;	/* an ACK of the SYN before the SYN/ACK */
			else if (ack && f->ep_state[peer] == FLOW_EP_ESTABLISHED)
				ep_set(f, dir, FLOW_EP_ESTABLISHED);
			else
				ep_set(f, dir, FLOW_EP_PARTIAL);
		}
		break;
	case FLOW_EP_SYN_SENT:
	case FLOW_EP_SYN_ACK_SENT:
		if (fin)
			ep_set(f, dir, FLOW_EP_CLOSED);
		if (rst)
			ep_set(f, dir, FLOW_EP_RESET);
		break;
	case FLOW_EP_ESTABLISHED:
	case FLOW_EP_PARTIAL:
		if (syn && f->ep_state[dir] == FLOW_EP_PARTIAL &&
		    f->ep_state[peer] == FLOW_EP_INACTIVE && !ack)
			ep_set(f, dir, FLOW_EP_SYN_SENT);
		if (fin && !rst) {
			ep_set(f, dir, FLOW_EP_CLOSED);
			if (f->ep_state[peer] == FLOW_EP_RESET &&
			    f->ep_prev[peer] == FLOW_EP_CLOSED)
				ep_set(f, peer, FLOW_EP_CLOSED);
		}
		if (rst)
			ep_set(f, dir, FLOW_EP_RESET);
		break;
	case FLOW_EP_CLOSED:
		if (rst && f->ep_state[peer] != FLOW_EP_CLOSED)
			ep_set(f, dir, FLOW_EP_RESET);
		break;
	case FLOW_EP_RESET:
		break;
	}
}

/* ---- Suricata session state ----------------------------------------- */

static void
update_session(struct flow *f, uint8_t dir, uint8_t fl)
{
	int cli = dir == FLOW_TOSERVER;
	int syn = fl & TCP_SYN, ack = fl & TCP_ACK, fin = fl & TCP_FIN;

	if (fl & TCP_RST) {
		if (f->tcp_state != FLOW_TCP_NONE || f->pkts[dir ^ 1] > 0 ||
		    !(f->flags & FLOW_F_MIDSTREAM))
			f->tcp_state = FLOW_TCP_CLOSED;
		return;
	}
	switch (f->tcp_state) {
	case FLOW_TCP_NONE:
		if (syn && !ack && cli)
			f->tcp_state = FLOW_TCP_SYN_SENT;
		else if (syn && ack && !cli)
			f->tcp_state = FLOW_TCP_SYN_RECV;
		else if ((f->flags & FLOW_F_MIDSTREAM) && f->pkts[0] && f->pkts[1])
			f->tcp_state = FLOW_TCP_ESTABLISHED;	/* midstream pickup */
		break;
	case FLOW_TCP_SYN_SENT:
		if (syn && ack && !cli)
			f->tcp_state = FLOW_TCP_SYN_RECV;
		break;
	case FLOW_TCP_SYN_RECV:
		if (ack && !syn && cli)
			f->tcp_state = FLOW_TCP_ESTABLISHED;
		break;
	case FLOW_TCP_ESTABLISHED:
		if (fin)
			f->tcp_state = cli ? FLOW_TCP_FIN_WAIT1 : FLOW_TCP_CLOSE_WAIT;
		break;
	case FLOW_TCP_FIN_WAIT1:
		if (!cli && fin)
			f->tcp_state = FLOW_TCP_TIME_WAIT;
		else if (!cli && ack)
			f->tcp_state = FLOW_TCP_FIN_WAIT2;
		break;
	case FLOW_TCP_FIN_WAIT2:
		if (!cli && fin)
			f->tcp_state = FLOW_TCP_TIME_WAIT;
		break;
	case FLOW_TCP_TIME_WAIT:
		if (cli && ack)
			f->tcp_state = FLOW_TCP_CLOSED;
		break;
	case FLOW_TCP_CLOSE_WAIT:
		if (cli && fin)
			f->tcp_state = FLOW_TCP_LAST_ACK;
		break;
	case FLOW_TCP_LAST_ACK:
		if (!cli && ack)
			f->tcp_state = FLOW_TCP_CLOSED;
		break;
	case FLOW_TCP_CLOSED:
		break;
	}
}

static void
update_flow_state(struct flow *f)
{
	switch (f->tcp_state) {
	case FLOW_TCP_NONE:
	case FLOW_TCP_SYN_SENT:
	case FLOW_TCP_SYN_RECV:
		f->state = FLOW_STATE_NEW;
		break;
	case FLOW_TCP_TIME_WAIT:
	case FLOW_TCP_LAST_ACK:
	case FLOW_TCP_CLOSED:
		f->state = FLOW_STATE_CLOSED;
		break;
	default:
		f->state = FLOW_STATE_ESTABLISHED;
		break;
	}
}

/* ---- sequence numbers ----------------------------------------------- */

static uint32_t
update_seq(struct flow *f, uint8_t dir, const struct packet *p)
{
	uint8_t fl = p->tcp_flags;
	uint32_t isn_flag = dir == FLOW_TOSERVER ? FLOW_F_ISN_TS : FLOW_F_ISN_TC;
	uint32_t rel, end;

	if (!(f->flags & isn_flag)) {
		f->flags |= isn_flag;
		f->isn[dir] = (fl & TCP_SYN) ? p->tcp_seq : p->tcp_seq - 1;
		f->seq_end[dir] = 1;
	}
	rel = p->tcp_seq - f->isn[dir];
	if (fl & TCP_RST)
		return rel;
	end = rel + flow_pkt_payload(p) + !!(fl & TCP_SYN) + !!(fl & TCP_FIN);
	if ((int32_t)(end - f->seq_end[dir]) > 0)
		f->seq_end[dir] = end;
	else if (flow_pkt_payload(p) > 0)
		log_letter(f, dir, &f->retransmits[dir], 'T');
	return rel;
}

void
flow_tcp_update(struct flow *f, const struct packet *p, uint8_t dir)
{
	uint8_t fl = p->tcp_flags;
	uint32_t rel;

	f->tcp_flags[dir] |= fl;
	if ((fl & TCP_SYN) && !(fl & TCP_ACK) && dir == FLOW_TOSERVER)
		f->flags |= FLOW_F_SYN_SEEN;
	if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		f->flags |= FLOW_F_SYNACK_SEEN;
	rel = update_seq(f, dir, p);
	update_history(f, dir, fl, rel, flow_pkt_payload(p));
	if (p->tcp_win == 0 && !(fl & (TCP_RST | TCP_SYN)) &&
	    f->ep_state[dir ^ 1] != FLOW_EP_CLOSED &&
	    f->ep_state[dir] != FLOW_EP_RESET)
		log_letter(f, dir, &f->zero_windows[dir], 'W');
	update_endpoints(f, dir, fl, flow_pkt_payload(p));
	update_session(f, dir, fl);
	update_flow_state(f);
}

int
flow_tcp_is_reuse(const struct flow *f, const struct packet *p)
{
	uint8_t fl = p->tcp_flags;
	int closed;

	if ((fl & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return 0;
	closed = f->state == FLOW_STATE_CLOSED ||
	    ((f->ep_state[0] == FLOW_EP_CLOSED || f->ep_state[0] == FLOW_EP_RESET) &&
	     (f->ep_state[1] == FLOW_EP_CLOSED || f->ep_state[1] == FLOW_EP_RESET ||
	      f->ep_state[1] == FLOW_EP_INACTIVE));
	if (!closed)
		return 0;
	/* the same SYN again (retransmission) is not a new connection */
	if ((f->flags & FLOW_F_SYN_SEEN) && p->tcp_seq == f->isn[FLOW_TOSERVER] &&
	    memcmp(p->src.b, f->src.b, sizeof(p->src.b)) == 0)
		return 0;
	return 1;
}

/* ---- names and conn.log derivations --------------------------------- */

const char *
flow_tcp_state_name(enum flow_tcp_state s)
{
	static const char *names[] = {
		"none", "syn_sent", "syn_recv", "established", "fin_wait1",
		"fin_wait2", "time_wait", "close_wait", "last_ack", "closed",
	};

	if ((unsigned)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "none";
}

/* Zeek's /^\^?S[^HAFGIQ]*R.*$/ over the history. */
static int
history_is_rstos0(const char *h)
{
	if (*h == '^')
		h++;
	if (*h++ != 'S')
		return 0;
	for (; *h; h++) {
		if (*h == 'R')
			return 1;
		if (strchr("HAFGIQ", *h))
			return 0;
	}
	return 0;
}

const char *
flow_conn_state(const struct flow *f)
{
	enum flow_endpoint_state os = f->ep_state[0], rs = f->ep_state[1];
	int o_inactive = os == FLOW_EP_INACTIVE || os == FLOW_EP_PARTIAL;
	int r_inactive = rs == FLOW_EP_INACTIVE || rs == FLOW_EP_PARTIAL;

	if (f->proto == 6) {
		if (rs == FLOW_EP_RESET) {
			if (os == FLOW_EP_SYN_SENT || os == FLOW_EP_SYN_ACK_SENT ||
			    (os == FLOW_EP_RESET && flow_orig_bytes(f) == 0 &&
			     flow_resp_bytes(f) == 0))
				return "REJ";
			return o_inactive ? "RSTRH" : "RSTR";
		}
		if (os == FLOW_EP_RESET) {
			if (r_inactive)
				return history_is_rstos0(f->history) ? "RSTOS0" : "OTH";
			return "RSTO";
		}
		if (rs == FLOW_EP_CLOSED && os == FLOW_EP_CLOSED)
			return "SF";
		if (os == FLOW_EP_CLOSED)
			return r_inactive ? "SH" : "S2";
		if (rs == FLOW_EP_CLOSED)
			return o_inactive ? "SHR" : "S3";
		if (os == FLOW_EP_SYN_SENT && rs == FLOW_EP_INACTIVE)
			return "S0";
		if (os == FLOW_EP_ESTABLISHED && rs == FLOW_EP_ESTABLISHED)
			return "S1";
		return "OTH";
	}
	if (f->proto == 17) {
		if (f->pkts[0] > 0)
			return f->pkts[1] > 0 ? "SF" : "S0";
		return f->pkts[1] > 0 ? "SHR" : "OTH";
	}
	return "OTH";
}

static uint64_t
tcp_size(const struct flow *f, uint8_t dir)
{
	uint32_t flag = dir == FLOW_TOSERVER ? FLOW_F_ISN_TS : FLOW_F_ISN_TC;
	uint32_t end = f->seq_end[dir];

	if (!(f->flags & flag) || end <= 1)
		return 0;
	end -= 1;		/* the SYN (or the virtual one midstream) */
	if ((f->tcp_flags[dir] & TCP_FIN) && end > 0)
		end -= 1;
	return end;
}

uint64_t
flow_orig_bytes(const struct flow *f)
{
	return f->proto == 6 ? tcp_size(f, FLOW_TOSERVER) : f->payload_bytes[0];
}

uint64_t
flow_resp_bytes(const struct flow *f)
{
	return f->proto == 6 ? tcp_size(f, FLOW_TOCLIENT) : f->payload_bytes[1];
}
