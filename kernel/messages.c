// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: `dmsetup message` verbs and the reports they share with
 * debugfs. The grammar is core/message.c; replies are documented in
 * docs/target.md and are stable: scripts parse them.
 */
#include <linux/sched/mm.h>
#include "dm-remap.h"
#include "message.h"

static struct dmr_index *get_index(struct remap_c *rc)
{
	return rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock));
}

static const char *const block_state_names[] = {
	[DMR_BLOCK_FREE] = "free",
	[DMR_BLOCK_RESERVED] = "reserved",
	[DMR_BLOCK_USED] = "used",
	[DMR_BLOCK_BAD] = "bad",
};

static const char *slot_state_name(u32 state)
{
	return state == DMR_SLOT_REMAPPED ? "remapped" : "pending";
}

void remap_show_stats(struct remap_c *rc, struct dmr_out *o)
{
	struct dmr_alloc *a = &rc->meta.alloc;

	dmr_out(o, "mode=%s\nblock_size=%u\nremapped=%u\npending=%u\nbad=%u\n",
		remap_mode_name(remap_mode_now(rc)), rc->table.block_size, rc->meta.nr_remapped,
		rc->meta.nr_pending, a->nr_bad);
	dmr_out(o, "spare_used=%u\nspare_total=%u\nspare_free=%u\n",
		a->nr_used + a->nr_bad, a->nr_blocks - a->nr_reserved, dmr_alloc_free(a));
	dmr_out(o, "read_errors=%lld\nwrite_errors=%lld\npath_errors=%lld\n",
		(long long)atomic64_read(&rc->read_errors),
		(long long)atomic64_read(&rc->write_errors),
		(long long)atomic64_read(&rc->path_errors));
	dmr_out(o, "auto_remap=%s\nauto_remaps=%lld\nmanual_remaps=%lld\nunremaps=%lld\npending_cleared=%lld\n",
		READ_ONCE(rc->auto_remap) ? "on" : "off",
		(long long)atomic64_read(&rc->auto_remaps),
		(long long)atomic64_read(&rc->manual_remaps),
		(long long)atomic64_read(&rc->unremaps),
		(long long)atomic64_read(&rc->pending_cleared));
	dmr_out(o, "remap_latency_avg_us=%llu\nremap_latency_max_us=%llu\n",
		rc->remap_us_count ? rc->remap_us_total / rc->remap_us_count : 0,
		rc->remap_us_max);
	dmr_out(o, "commits=%lld\ncommit_failures=%lld\nrefused_bios=%lld\n",
		(long long)atomic64_read(&rc->commits),
		(long long)atomic64_read(&rc->commit_failures),
		(long long)atomic64_read(&rc->refused_bios));
	dmr_out(o, "generation=%llu\ncopies_ok=%u\ncopies=%u\n",
		(unsigned long long)rc->meta.generation, hweight32(rc->meta.copies_ok),
		rc->meta.place.copies);
}

void remap_show_reservation(struct remap_c *rc, struct dmr_out *o)
{
	struct dmr_alloc *a = &rc->meta.alloc;

	dmr_out(o, "strategy=%s\ncopies=%u\ncopy_blocks=%llu\nblocks=%u\nreserved=%u\nused=%u\nbad=%u\nfree=%u\n",
		rc->meta.place.strategy, rc->meta.place.copies,
		(unsigned long long)rc->meta.place.copy_blocks, a->nr_blocks,
		a->nr_reserved, a->nr_used, a->nr_bad, dmr_alloc_free(a));
}

/* Runs of spare blocks in one state: "<first>-<last> <state>". */
void remap_show_allocation_map(struct remap_c *rc, struct dmr_out *o)
{
	struct dmr_alloc *a = &rc->meta.alloc;
	enum dmr_block_state s, run_state = DMR_BLOCK_FREE;
	u32 b, run = 0;

	for (b = 0; b <= a->nr_blocks; b++) {
		s = b < a->nr_blocks ? dmr_alloc_state(a, b) : run_state;
		if (b && (s != run_state || b == a->nr_blocks)) {
			if (!dmr_out(o, "%u-%u %s\n", run, b - 1, block_state_names[run_state]))
				return;
			run = b;
		}
		run_state = s;
	}
}

void remap_show_metadata_locations(struct remap_c *rc, struct dmr_out *o)
{
	struct dmr_placement *p = &rc->meta.place;
	u32 c;

	for (c = 0; c < p->copies; c++)
		dmr_out(o, "copy=%u block=%llu blocks=%llu sector=%llu sectors=%llu state=%s generation=%llu\n",
			c, (unsigned long long)p->start[c], (unsigned long long)p->copy_blocks,
			(unsigned long long)dmr_spare_sector(&rc->meta, (u32)p->start[c]),
			(unsigned long long)(p->copy_blocks << rc->block_shift),
			rc->meta.copies_ok & (1U << c) ? "ok" : "degraded",
			(unsigned long long)rc->meta.generation);
}

/* Entries from sector on, at most count; "next=<sector>" if cut short. */
void remap_show_list(struct remap_c *rc, u64 start, u64 count, struct dmr_out *o)
{
	struct dmr_index *ix = get_index(rc);
	u32 i = dmr_index_find(ix, start >> rc->block_shift, ~0ULL);
	struct dmr_out body = *o;
	struct dmr_index_entry e;

	/* Room for the continuation line stays free. */
	body.size = o->size > 48 ? o->size - 48 : 0;
	for (; i < ix->count && count; i++, count--) {
		e = dmr_index_get(ix, i);
		if (!dmr_out(&body, "sector=%llu state=%s spare_sector=%llu\n",
			     remap_block_sector(rc, e.main_block), slot_state_name(e.state),
			     dmr_spare_sector(&rc->meta, e.spare_block)))
			break;
	}
	o->len = body.len;
	if (i < ix->count && count)
		dmr_out(o, "next=%llu\n", remap_block_sector(rc, dmr_index_main(ix, i)));
}

static void show_query(struct remap_c *rc, u64 sector, u64 sectors, struct dmr_out *o)
{
	struct dmr_index *ix = get_index(rc);
	u64 b, first = sector >> rc->block_shift;
	u64 last = (sector + sectors - 1) >> rc->block_shift;
	struct dmr_index_entry e;

	for (b = first; b <= last; b++) {
		if (!dmr_index_lookup(ix, b, &e)) {
			if (!dmr_out(o, "sector=%llu state=ok\n", remap_block_sector(rc, b)))
				return;
			continue;
		}
		if (!dmr_out(o, "sector=%llu state=%s spare_sector=%llu spare_block=%u\n",
			     remap_block_sector(rc, b), slot_state_name(e.state),
			     dmr_spare_sector(&rc->meta, e.spare_block), e.spare_block))
			return;
	}
}

static int run_locked(struct remap_c *rc, const struct dmr_msg *msg, struct dmr_out *o)
{
	mutex_lock(&rc->lock);
	switch (msg->verb) {
	case DMR_MSG_QUERY:
		show_query(rc, msg->sector, msg->count, o);
		break;
	case DMR_MSG_LIST:
		remap_show_list(rc, msg->sector, msg->count, o);
		break;
	case DMR_MSG_COUNT:
		dmr_out(o, "remapped=%u pending=%u\n", rc->meta.nr_remapped, rc->meta.nr_pending);
		break;
	case DMR_MSG_STATS:
		remap_show_stats(rc, o);
		break;
	case DMR_MSG_RESERVATION_STATS:
		remap_show_reservation(rc, o);
		break;
	case DMR_MSG_ALLOCATION_MAP:
		remap_show_allocation_map(rc, o);
		break;
	case DMR_MSG_METADATA_LOCATIONS:
		remap_show_metadata_locations(rc, o);
		break;
	default:
		break;
	}
	mutex_unlock(&rc->lock);
	return 0;
}

/* "ok", or "fail" and one violation per line. */
static int run_check(struct remap_c *rc, struct dmr_out *o)
{
	size_t size = o->size > 8 ? o->size - 8 : 0;
	char *text = kvmalloc(size + 1, GFP_KERNEL);
	struct dmr_out body;

	if (!text)
		return -ENOMEM;
	dmr_out_init(&body, text, size);
	if (remap_check(rc, &body))
		dmr_out(o, "fail\n%s", text);
	else
		dmr_out(o, "ok\n");
	kvfree(text);
	return 0;
}

int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	struct dmr_msg msg;
	struct dmr_out o;
	const char *error;
	char verb[24];
	unsigned int noio;
	int r;

	/* argv lives in the ioctl buffer the result is written to. */
	strscpy(verb, argc ? argv[0] : "", sizeof(verb));
	dmr_out_init(&o, result, maxlen);
	r = dmr_msg_parse(argc, argv, ti->len, &msg, &error);
	if (r) {
		DMWARN("%s: message \"%s\": %s", dm_device_name(dm_table_get_md(ti->table)),
		       argc ? argv[0] : "", error);
		return r;
	}
	/*
	 * No reclaim I/O while a message holds the lock or busy ranges: it
	 * could wait on I/O to this device that waits for them.
	 */
	noio = memalloc_noio_save();
	switch (msg.verb) {
	case DMR_MSG_REMAP:
		r = remap_range(rc, msg.sector >> rc->block_shift,
				(msg.sector + msg.count - 1) >> rc->block_shift, &o);
		break;
	case DMR_MSG_UNREMAP:
		r = remap_unremap_block(rc, msg.sector >> rc->block_shift, &o);
		break;
	case DMR_MSG_COMMIT:
		r = remap_commit(rc, &o);
		break;
	case DMR_MSG_CHECK:
		r = run_check(rc, &o);
		break;
	case DMR_MSG_HELP:
		dmr_out(&o, "%s", dmr_msg_help);
		break;
	case DMR_MSG_SET:
		/* The only key so far: auto_remap. */
		WRITE_ONCE(rc->auto_remap, msg.value);
		dmr_out(&o, "auto_remap=%s\n", msg.value ? "on" : "off");
		break;
	default:
		r = run_locked(rc, &msg, &o);
		break;
	}
	memalloc_noio_restore(noio);
	if (r) {
		DMWARN("%s: message \"%s\": %s", dm_device_name(dm_table_get_md(ti->table)),
		       verb, o.len ? result : "failed");
		return r == -EEXIST || r == -ENOENT ? -EINVAL : r;
	}
	return 1;
}
