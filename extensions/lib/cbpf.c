/* Classic BPF as the kernel (6.x) takes and runs it for xt_bpf.
 *
 * Checks (net/core/filter.c, bpf_check_classic): each code among the
 * allowed ones; DIV/MOD by a constant 0 and LSH/RSH by a constant of 32
 * or more refused; memory slots below BPF_MEMWORDS; JA within the
 * program, both targets of a conditional jump within it; an absolute
 * load at SKF_AD_OFF or above only at a known ancillary offset; the
 * last instruction a return; and no memory slot read on a path that has
 * not written it (check_load_and_stores, which walks the program once
 * in order, a jump's targets inheriting what is written before it).
 *
 * Running: the kernel translates the program (bpf_convert_filter) and
 * what the translation does is the meaning here. A and X start at 0;
 * ALU is 32-bit; a division or modulo by an X of 0 returns 0; a shift
 * by X uses its low five bits (what both the interpreter's C shift and
 * the JIT's shl do on 32-bit registers). Packet loads go through
 * bpf_skb_load_helper_*: an offset (as a signed int; X + k for IND) of
 * 0 or more reads the skb up to skb->len, a negative one from
 * SKF_NET_OFF on reads from the network header within the linear data,
 * anything else fails; a failed load returns 0 from the program. LDX
 * MSH is such a byte load, with A kept. An absolute load at a known
 * ancillary offset reads skb metadata whatever its size; IFINDEX (and
 * HATYPE) of an skb without a device ends the program returning A. */
#include <stddef.h>

#include "cbpf.h"

enum {
	C_LD = 0x00, C_LDX = 0x01, C_ST = 0x02, C_STX = 0x03, C_ALU = 0x04,
	C_JMP = 0x05, C_RET = 0x06, C_MISC = 0x07,
	S_W = 0x00, S_H = 0x08, S_B = 0x10,
	M_IMM = 0x00, M_ABS = 0x20, M_IND = 0x40, M_MEM = 0x60, M_LEN = 0x80,
	M_MSH = 0xa0,
	A_ADD = 0x00, A_SUB = 0x10, A_MUL = 0x20, A_DIV = 0x30, A_OR = 0x40,
	A_AND = 0x50, A_LSH = 0x60, A_RSH = 0x70, A_NEG = 0x80, A_MOD = 0x90,
	A_XOR = 0xa0,
	J_JA = 0x00, J_JEQ = 0x10, J_JGT = 0x20, J_JGE = 0x30, J_JSET = 0x40,
	SRC_K = 0x00, SRC_X = 0x08, RET_A = 0x10,
	MISC_TAX = 0x00, MISC_TXA = 0x80,
};

#define CLASS(c) ((c) & 0x07)

/* The codes chk_code_allowed takes. */
static const uint16_t allowed[] = {
	C_ALU | A_ADD | SRC_K, C_ALU | A_ADD | SRC_X,
	C_ALU | A_SUB | SRC_K, C_ALU | A_SUB | SRC_X,
	C_ALU | A_MUL | SRC_K, C_ALU | A_MUL | SRC_X,
	C_ALU | A_DIV | SRC_K, C_ALU | A_DIV | SRC_X,
	C_ALU | A_MOD | SRC_K, C_ALU | A_MOD | SRC_X,
	C_ALU | A_AND | SRC_K, C_ALU | A_AND | SRC_X,
	C_ALU | A_OR | SRC_K, C_ALU | A_OR | SRC_X,
	C_ALU | A_XOR | SRC_K, C_ALU | A_XOR | SRC_X,
	C_ALU | A_LSH | SRC_K, C_ALU | A_LSH | SRC_X,
	C_ALU | A_RSH | SRC_K, C_ALU | A_RSH | SRC_X,
	C_ALU | A_NEG,
	C_LD | S_W | M_ABS, C_LD | S_H | M_ABS, C_LD | S_B | M_ABS,
	C_LD | S_W | M_LEN,
	C_LD | S_W | M_IND, C_LD | S_H | M_IND, C_LD | S_B | M_IND,
	C_LD | M_IMM, C_LD | M_MEM,
	C_LDX | S_W | M_LEN, C_LDX | S_B | M_MSH, C_LDX | M_IMM, C_LDX | M_MEM,
	C_ST, C_STX,
	C_MISC | MISC_TAX, C_MISC | MISC_TXA,
	C_RET | SRC_K, C_RET | RET_A,
	C_JMP | J_JA,
	C_JMP | J_JEQ | SRC_K, C_JMP | J_JEQ | SRC_X,
	C_JMP | J_JGE | SRC_K, C_JMP | J_JGE | SRC_X,
	C_JMP | J_JGT | SRC_K, C_JMP | J_JGT | SRC_X,
	C_JMP | J_JSET | SRC_K, C_JMP | J_JSET | SRC_X,
};

static bool code_allowed(uint16_t code)
{
	for (unsigned i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i] == code)
			return true;
	return false;
}

/* The ancillary offsets bpf_anc_helper knows, with what user space
 * would need to answer them (NULL: qt_cbpf_run does). */
static const struct {
	uint32_t off;
	const char *name;
	const char *unseen;
} anc[] = {
	{ QT_SKF_AD_PROTOCOL, "protocol", NULL },
	{ QT_SKF_AD_PKTTYPE, "pkttype",
	  "the raw skb->pkt_type (a looped-back packet's included) is not told" },
	{ QT_SKF_AD_IFINDEX, "ifindex", NULL },
	{ QT_SKF_AD_NLATTR, "nlattr", "netlink attribute search is not supported" },
	{ QT_SKF_AD_NLATTR_NEST, "nlattr_nest",
	  "netlink attribute search is not supported" },
	{ QT_SKF_AD_MARK, "mark", NULL },
	{ QT_SKF_AD_QUEUE, "queue", "a queued packet does not carry its queue mapping" },
	{ QT_SKF_AD_HATYPE, "hatype", "the device's hardware type is not looked up" },
	{ QT_SKF_AD_RXHASH, "rxhash", "a queued packet does not carry its receive hash" },
	{ QT_SKF_AD_CPU, "cpu", "a queued packet does not tell which CPU handles it" },
	{ QT_SKF_AD_ALU_XOR_X, "alu_xor_x", NULL },
	{ QT_SKF_AD_VLAN_TAG, "vlan_tci", "a queued packet does not carry its VLAN tag" },
	{ QT_SKF_AD_VLAN_TAG_PRESENT, "vlan_avail",
	  "a queued packet does not carry its VLAN tag" },
	{ QT_SKF_AD_PAY_OFFSET, "poff", "the flow dissector's payload offset is not computed" },
	{ QT_SKF_AD_RANDOM, "rand", "the kernel's random number cannot be matched" },
	{ QT_SKF_AD_VLAN_TPID, "vlan_tpid", "a queued packet does not carry its VLAN protocol" },
};

static int anc_index(uint32_t k)
{
	for (unsigned i = 0; i < sizeof(anc) / sizeof(anc[0]); i++)
		if (k == QT_SKF_AD_OFF + anc[i].off)
			return (int)i;
	return -1;
}

static bool is_abs_load(uint16_t code)
{
	return code == (C_LD | S_W | M_ABS) || code == (C_LD | S_H | M_ABS) ||
	       code == (C_LD | S_B | M_ABS);
}

static bool is_cond_jump(uint16_t code)
{
	return CLASS(code) == C_JMP && (code & 0xf0) != J_JA;
}

static bool is_mem_access(uint16_t code)
{
	return code == (C_LD | M_MEM) || code == (C_LDX | M_MEM) ||
	       code == C_ST || code == C_STX;
}

int qt_cbpf_check(const struct qt_cbpf_insn *p, unsigned n)
{
	if (n == 0)
		return -1;
	for (unsigned pc = 0; pc < n; pc++) {
		const struct qt_cbpf_insn *f = &p[pc];
		uint16_t c = f->code;
		int bad = -1 - (int)pc;
		if (!code_allowed(c))
			return bad;
		if ((c == (C_ALU | A_DIV | SRC_K) || c == (C_ALU | A_MOD | SRC_K)) &&
		    f->k == 0)
			return bad;
		if ((c == (C_ALU | A_LSH | SRC_K) || c == (C_ALU | A_RSH | SRC_K)) &&
		    f->k >= 32)
			return bad;
		if (is_mem_access(c) && f->k >= QT_CBPF_MEMWORDS)
			return bad;
		if (c == (C_JMP | J_JA) && f->k >= n - pc - 1)
			return bad;
		if (is_cond_jump(c) &&
		    (pc + f->jt + 1 >= n || pc + f->jf + 1 >= n))
			return bad;
		if (is_abs_load(c) && f->k >= QT_SKF_AD_OFF && anc_index(f->k) < 0)
			return bad;
	}
	uint16_t last = p[n - 1].code;
	if (last != (C_RET | SRC_K) && last != (C_RET | RET_A))
		return -1 - (int)n;
	/* check_load_and_stores */
	uint16_t masks[64 * 4];
	uint16_t valid = 0;
	if (n > sizeof(masks) / sizeof(masks[0]))
		return -1 - (int)n;
	for (unsigned pc = 0; pc < n; pc++)
		masks[pc] = 0xffff;
	for (unsigned pc = 0; pc < n; pc++) {
		const struct qt_cbpf_insn *f = &p[pc];
		valid &= masks[pc];
		if (f->code == C_ST || f->code == C_STX) {
			valid |= (uint16_t)(1u << f->k);
		} else if (f->code == (C_LD | M_MEM) || f->code == (C_LDX | M_MEM)) {
			if (!(valid & (1u << f->k)))
				return -1 - (int)pc;
		} else if (f->code == (C_JMP | J_JA)) {
			masks[pc + 1 + f->k] &= valid;
			valid = 0xffff;
		} else if (is_cond_jump(f->code)) {
			masks[pc + 1 + f->jt] &= valid;
			masks[pc + 1 + f->jf] &= valid;
			valid = 0xffff;
		}
	}
	return 0;
}

static unsigned size_of(uint16_t code)
{
	switch (code & 0x18) {
	case S_H: return 2;
	case S_B: return 1;
	default: return 4;
	}
}

const char *qt_cbpf_unseen(const struct qt_cbpf_insn *p, unsigned n,
			   uint32_t net_linear)
{
	for (unsigned pc = 0; pc < n; pc++) {
		uint16_t c = p[pc].code;
		uint32_t k = p[pc].k;
		if (is_abs_load(c) && k >= QT_SKF_AD_OFF) {
			int i = anc_index(k);
			if (i >= 0 && anc[i].unseen)
				return anc[i].unseen;
			continue;
		}
		bool abs = is_abs_load(c) || c == (C_LDX | S_B | M_MSH);
		if (abs && k >= QT_SKF_LL_OFF && k < QT_SKF_NET_OFF)
			return "the link-layer header (SKF_LL_OFF) is not in what "
			       "the queue hands over";
		if (abs && k >= QT_SKF_NET_OFF && k < QT_SKF_AD_OFF &&
		    k - QT_SKF_NET_OFF + (c == (C_LDX | S_B | M_MSH) ? 1 :
					  size_of(c)) > net_linear)
			return "a load from SKF_NET_OFF past the network header "
			       "reads the skb's linear data, whose end the queue "
			       "does not tell";
	}
	return NULL;
}

/* bpf_skb_load_helper_{8,16,32}: false when the load fails. */
static bool load(struct qt_cbpf_pkt *pkt, int32_t off, unsigned size,
		 uint32_t *v)
{
	uint64_t at;
	if (off >= 0) {
		at = (uint64_t)off;
		if (at + size > pkt->len)
			return false;
		if (at + size > pkt->avail) {
			pkt->cut = true;
			return false;
		}
	} else if ((uint32_t)off >= QT_SKF_NET_OFF) {
		/* the linear data: the whole packet as the queue hands it */
		at = (uint32_t)off - QT_SKF_NET_OFF;
		if (at + size > pkt->avail || at + size > pkt->len)
			return false;
	} else {
		/* the link-layer header (refused at commit where a program
		 * names it; met here only through X) or nothing */
		return false;
	}
	const uint8_t *b = pkt->data + at;
	if (size == 1)
		*v = b[0];
	else if (size == 2)
		*v = (uint32_t)b[0] << 8 | b[1];
	else
		*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		     (uint32_t)b[2] << 8 | b[3];
	return true;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case A_ADD: return a + v;
	case A_SUB: return a - v;
	case A_MUL: return a * v;
	case A_DIV: return a / v;          /* v != 0: checked by the caller */
	case A_MOD: return a % v;
	case A_OR: return a | v;
	case A_AND: return a & v;
	case A_XOR: return a ^ v;
	case A_LSH: return a << (v & 31);
	case A_RSH: return a >> (v & 31);
	case A_NEG: return 0u - a;
	default: return a;
	}
}

uint32_t qt_cbpf_run(const struct qt_cbpf_insn *p, unsigned n,
		     struct qt_cbpf_pkt *pkt)
{
	uint32_t a = 0, x = 0, mem[QT_CBPF_MEMWORDS] = { 0 };
	/* a checked program only jumps forward: at most n steps */
	for (unsigned pc = 0; pc < n; pc++) {
		const struct qt_cbpf_insn *f = &p[pc];
		uint16_t c = f->code;
		uint32_t v;
		switch (CLASS(c)) {
		case C_LD:
			switch (c & 0xe0) {
			case M_IMM: a = f->k; break;
			case M_MEM: a = mem[f->k & 15]; break;
			case M_LEN: a = pkt->len; break;
			case M_ABS:
				if (f->k >= QT_SKF_AD_OFF && anc_index(f->k) >= 0) {
					switch (f->k - QT_SKF_AD_OFF) {
					case QT_SKF_AD_PROTOCOL: a = pkt->protocol; break;
					case QT_SKF_AD_MARK: a = pkt->mark; break;
					case QT_SKF_AD_ALU_XOR_X: a ^= x; break;
					case QT_SKF_AD_IFINDEX:
						if (!pkt->ifindex)
							return a;
						a = (uint32_t)pkt->ifindex;
						break;
					default: return 0;   /* refused at commit */
					}
					break;
				}
				if (!load(pkt, (int32_t)f->k, size_of(c), &v))
					return 0;
				a = v;
				break;
			case M_IND:
				if (!load(pkt, (int32_t)(x + f->k), size_of(c), &v))
					return 0;
				a = v;
				break;
			default: return 0;
			}
			break;
		case C_LDX:
			switch (c & 0xe0) {
			case M_IMM: x = f->k; break;
			case M_MEM: x = mem[f->k & 15]; break;
			case M_LEN: x = pkt->len; break;
			case M_MSH:
				if (!load(pkt, (int32_t)f->k, 1, &v))
					return 0;
				x = (v & 0xf) << 2;
				break;
			default: return 0;
			}
			break;
		case C_ST: mem[f->k & 15] = a; break;
		case C_STX: mem[f->k & 15] = x; break;
		case C_ALU:
			v = (c & SRC_X) ? x : f->k;
			if ((c & 0xf0) == A_DIV || (c & 0xf0) == A_MOD) {
				if (v == 0)
					return 0;
			}
			a = alu(c & 0xf0, a, v);
			break;
		case C_JMP:
			v = (c & SRC_X) ? x : f->k;
			switch (c & 0xf0) {
			case J_JA:
				/* checked; kept in the program regardless,
				 * so that no input can loop */
				if (f->k >= n - pc - 1)
					return 0;
				pc += f->k;
				break;
			case J_JEQ: pc += a == v ? f->jt : f->jf; break;
			case J_JGT: pc += a > v ? f->jt : f->jf; break;
			case J_JGE: pc += a >= v ? f->jt : f->jf; break;
			case J_JSET: pc += (a & v) ? f->jt : f->jf; break;
			}
			break;
		case C_RET:
			return (c & RET_A) ? a : f->k;
		case C_MISC:
			if ((c & 0xf8) == MISC_TXA)
				a = x;
			else
				x = a;
			break;
		}
	}
	return 0;
}
