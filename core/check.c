// SPDX-License-Identifier: GPL-2.0-only
#include "check.h"

#define VIOLATION(...) do { n++; dmr_out(o, __VA_ARGS__); } while (0)

static u32 check_placement(const struct dmr_meta *m, struct dmr_out *o)
{
	const struct dmr_placement *p = &m->place;
	u32 i, n = 0;

	if (p->copies < 2)
		VIOLATION("only %u metadata copies\n", p->copies);
	for (i = 0; i < p->copies; i++) {
		if (p->start[i] + p->copy_blocks > p->blocks)
			VIOLATION("metadata copy %u ends past the spare region\n", i);
		if (i && p->start[i] < p->start[i - 1] + p->copy_blocks)
			VIOLATION("metadata copies %u and %u overlap\n", i - 1, i);
	}
	return n;
}

u32 dmr_meta_check(const struct dmr_meta *m, const struct dmr_index *ix,
		   struct dmr_out *o)
{
	const struct dmr_alloc *a = &m->alloc;
	u32 b, i, state, n = 0;
	u32 remapped = 0, pending = 0, bad = 0, reserved = 0;
	enum dmr_block_state as;
	u64 slot;

	n += check_placement(m, o);
	for (b = 0; b < m->nr_blocks; b++) {
		slot = m->slots[b];
		state = dmr_slot_state(slot);
		as = dmr_alloc_state(a, b);
		if (dmr_alloc_is_reserved(a, b)) {
			reserved++;
			if (slot)
				VIOLATION("spare block %u inside a metadata copy is in use (slot %016llx)\n",
					  b, (unsigned long long)slot);
			if (as != DMR_BLOCK_RESERVED)
				VIOLATION("spare block %u inside a metadata copy is not reserved\n", b);
			continue;
		}
		switch (state) {
		case DMR_SLOT_FREE:
			if (dmr_slot_main(slot))
				VIOLATION("free spare block %u names main block %llu\n", b,
					  (unsigned long long)dmr_slot_main(slot));
			if (as != DMR_BLOCK_FREE)
				VIOLATION("free spare block %u is taken in the allocator\n", b);
			break;
		case DMR_SLOT_REMAPPED:
		case DMR_SLOT_PENDING:
			if (state == DMR_SLOT_REMAPPED)
				remapped++;
			else
				pending++;
			if (dmr_slot_main(slot) >= m->main_blocks)
				VIOLATION("spare block %u serves main block %llu past the device end\n",
					  b, (unsigned long long)dmr_slot_main(slot));
			if (as != DMR_BLOCK_USED)
				VIOLATION("mapped spare block %u is not used in the allocator\n", b);
			break;
		case DMR_SLOT_BAD:
			bad++;
			if (as != DMR_BLOCK_BAD)
				VIOLATION("bad spare block %u is not bad in the allocator\n", b);
			break;
		default:
			VIOLATION("spare block %u has invalid state %u\n", b, state);
		}
	}
	if (remapped != m->nr_remapped || pending != m->nr_pending)
		VIOLATION("counters say %u remapped, %u pending; slots hold %u, %u\n",
			  m->nr_remapped, m->nr_pending, remapped, pending);
	if (bad != a->nr_bad || reserved != a->nr_reserved ||
	    remapped + pending != a->nr_used)
		VIOLATION("allocator counts %u used, %u bad, %u reserved; slots hold %u, %u, %u\n",
			  a->nr_used, a->nr_bad, a->nr_reserved, remapped + pending, bad, reserved);
	if (!ix)
		return n;
	if (ix->count != remapped + pending)
		VIOLATION("lookup index holds %u entries, slots map %u\n",
			  ix->count, remapped + pending);
	for (i = 0; i < ix->count; i++) {
		struct dmr_index_entry e = dmr_index_get(ix, i);

		if (i && e.main_block <= dmr_index_main(ix, i - 1))
			VIOLATION("lookup index: main block %llu out of order or twice\n",
				  (unsigned long long)e.main_block);
		if (e.spare_block >= m->nr_blocks ||
		    m->slots[e.spare_block] != dmr_slot_make(e.state, e.main_block))
			VIOLATION("lookup index: main block %llu -> spare block %u disagrees with the slots\n",
				  (unsigned long long)e.main_block, e.spare_block);
		else if (dmr_alloc_is_reserved(a, e.spare_block))
			VIOLATION("lookup index: main block %llu points into a metadata copy\n",
				  (unsigned long long)e.main_block);
	}
	return n;
}
