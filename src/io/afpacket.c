/* summary: AF_PACKET TPACKET_V2 RX and TX rings on one interface, for bridging. */
#include "io/afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define BLOCK_SIZE (1u << 17)

struct afp_port {
	char name[IF_NAMESIZE];
	int fd;
	int ifindex;
	uint32_t mtu;
	uint8_t *map;
	size_t maplen;
	uint8_t *rx, *tx;
	uint32_t frame_size, nframes;
	uint32_t rx_cur, tx_cur;
	uint32_t tx_pending;
	uint32_t tx_max;		/* largest frame a TX slot holds */
	struct afp_stats st;
};

static uint32_t
data_off(void)
{
	return TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
}

int
afp_if_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

struct afp_port *
afp_open(const char *ifname, const struct afp_config *cfg, struct error *err)
{
	struct afp_port *p;
	struct tpacket_req req;
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ifreq ifr;
	int v, fpb;
	uint32_t need, frames = cfg->ring_frames ? cfg->ring_frames : 4096;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	p->fd = -1;
	if (strlen(ifname) >= sizeof(p->name)) {
		error_set(err, "interface name '%s' too long", ifname);
		goto fail;
	}
	strcpy(p->name, ifname);
	p->ifindex = (int)if_nametoindex(ifname);
	if (p->ifindex == 0) {
		error_errno(err, "interface %s", ifname);
		goto fail;
	}
	/* Protocol 0: nothing is queued before the rings exist and bind(). */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		error_errno(err, "%s: packet socket", ifname);
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(p->fd, SIOCGIFMTU, &ifr) == -1) {
		error_errno(err, "%s: MTU", ifname);
		goto fail;
	}
	p->mtu = (uint32_t)ifr.ifr_mtu;
	if (p->mtu > 65000) {
		error_set(err, "%s: MTU %u is too large to bridge", ifname, p->mtu);
		goto fail;
	}
	need = data_off() + 16 + ETH_HLEN + 8 + p->mtu;
	for (p->frame_size = 2048; p->frame_size < need; p->frame_size <<= 1)
		;
	fpb = (int)(BLOCK_SIZE > p->frame_size ? BLOCK_SIZE / p->frame_size : 1);
	frames = (frames + (uint32_t)fpb - 1) / (uint32_t)fpb * (uint32_t)fpb;
	p->nframes = frames;
	p->tx_max = p->frame_size - data_off();

	v = TPACKET_V2;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == -1) {
		error_errno(err, "%s: TPACKET_V2", ifname);
		goto fail;
	}
	v = 1;
	if (cfg->qdisc_bypass &&
	    setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof(v)) == -1) {
		error_errno(err, "%s: PACKET_QDISC_BYPASS", ifname);
		goto fail;
	}
	/* A malformed TX frame is skipped instead of stalling the ring. */
	v = 1;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_LOSS, &v, sizeof(v)) == -1) {
		error_errno(err, "%s: PACKET_LOSS", ifname);
		goto fail;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = fpb == 1 ? p->frame_size : BLOCK_SIZE;
	req.tp_frame_size = p->frame_size;
	req.tp_frame_nr = frames;
	req.tp_block_nr = frames / (uint32_t)fpb;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) == -1 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) == -1) {
		error_errno(err, "%s: ring of %u frames of %u bytes", ifname,
		    frames, p->frame_size);
		goto fail;
	}
	p->maplen = 2 * (size_t)req.tp_block_size * req.tp_block_nr;
	p->map = mmap(NULL, p->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
	    p->fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		error_errno(err, "%s: mmap of %zu bytes", ifname, p->maplen);
		goto fail;
	}
	p->rx = p->map;
	p->tx = p->map + p->maplen / 2;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		error_errno(err, "%s: bind", ifname);
		goto fail;
	}
	v = 1;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v,
	    sizeof(v)) == -1) {
		error_errno(err, "%s: PACKET_IGNORE_OUTGOING", ifname);
		goto fail;
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1) {
		error_errno(err, "%s: promiscuous mode", ifname);
		goto fail;
	}
	return p;
fail:
	afp_close(p);
	return NULL;
}

void
afp_close(struct afp_port *p)
{
	if (p == NULL)
		return;
	if (p->map != NULL)
		munmap(p->map, p->maplen);
	if (p->fd != -1)
		close(p->fd);
	free(p);
}

int
afp_fd(const struct afp_port *p)
{
	return p->fd;
}

const char *
afp_name(const struct afp_port *p)
{
	return p->name;
}

uint32_t
afp_mtu(const struct afp_port *p)
{
	return p->mtu;
}

int
afp_rx_next(struct afp_port *p, struct afp_frame *f)
{
	struct tpacket2_hdr *h =
	    (struct tpacket2_hdr *)(p->rx + (size_t)p->rx_cur * p->frame_size);
	uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

	if (!(status & TP_STATUS_USER))
		return 0;
	f->data = (const uint8_t *)h + h->tp_mac;
	f->caplen = h->tp_snaplen;
	f->wirelen = h->tp_len;
	f->ts_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
	f->vlan = (status & TP_STATUS_VLAN_VALID) != 0;
	f->csum_not_ready = (status & TP_STATUS_CSUMNOTREADY) != 0;
	f->vlan_tci = h->tp_vlan_tci;
	f->vlan_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ?
	    h->tp_vlan_tpid : 0x8100;
	f->slot = h;
	p->st.rx_packets++;
	/* The kernel filled these lines on another CPU: ask for the headers
	 * now, and for the next slot's, while this frame is decided. */
	__builtin_prefetch(f->data);
	__builtin_prefetch(f->data + 64);
	{
		const uint8_t *nx = p->rx + (size_t)((p->rx_cur + 1) % p->nframes) *
		    p->frame_size;

		__builtin_prefetch(nx);
		__builtin_prefetch(nx + h->tp_mac);
		__builtin_prefetch(nx + h->tp_mac + 64);
	}
	return 1;
}

void
afp_rx_done(struct afp_port *p, struct afp_frame *f)
{
	struct tpacket2_hdr *h = f->slot;

	__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	p->rx_cur = (p->rx_cur + 1) % p->nframes;
}

int
afp_tx_queue(struct afp_port *p, const uint8_t *a, uint32_t alen,
    const uint8_t *b, uint32_t blen)
{
	struct tpacket2_hdr *h =
	    (struct tpacket2_hdr *)(p->tx + (size_t)p->tx_cur * p->frame_size);
	uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
	uint8_t *d;

	if (alen + blen > p->tx_max) {
		p->st.tx_errors++;
		return -1;
	}
	if (status == TP_STATUS_WRONG_FORMAT) {
		p->st.tx_errors++;
	} else if (status != TP_STATUS_AVAILABLE) {
		/* Let the kernel drain what is queued, then look again. */
		afp_tx_kick(p);
		status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (status != TP_STATUS_AVAILABLE &&
		    status != TP_STATUS_WRONG_FORMAT) {
			p->st.tx_ring_full++;
			return -1;
		}
	}
	/* Default TX data offset: TPACKET2_HDRLEN - sizeof(struct sockaddr_ll). */
	d = (uint8_t *)h + data_off();
	memcpy(d, a, alen);
	if (blen)
		memcpy(d + alen, b, blen);
	h->tp_len = alen + blen;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	p->tx_cur = (p->tx_cur + 1) % p->nframes;
	p->tx_pending++;
	p->st.tx_packets++;
	return 0;
}

void
afp_tx_kick(struct afp_port *p)
{
	if (p->tx_pending == 0)
		return;
	if (afp_tx_send(p) == -1)
		p->st.tx_errors++;
	p->tx_pending = 0;
}

int
afp_tx_send(struct afp_port *p)
{
	if (send(p->fd, NULL, 0, MSG_DONTWAIT) == -1 && errno != EAGAIN &&
	    errno != ENOBUFS && errno != EINTR)
		return -1;
	return 0;
}

void
afp_tx_pending_clear(struct afp_port *p)
{
	p->tx_pending = 0;
}

void
afp_get_stats(struct afp_port *p, struct afp_stats *st)
{
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);

	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		p->st.rx_kernel_drops += ks.tp_drops;
	*st = p->st;
}
