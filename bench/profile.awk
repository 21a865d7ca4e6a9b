# The output of bench/profile/io-profile.sh (lines "=== PROFILE <dev> <rw>
# <I/Os>", then "<samples> <symbol>"), per workload, linear (ln) against
# dm-remap (r), summed over the rounds. Shares of all samples, not samples
# per I/O: a run that the host slowed down inflates every symbol alike, so
# shares compare across runs where rates do not. Idle samples are left out.
# Under TCG the clock (HPET: no usable TSC) is read by an exit to QEMU whose
# cost follows the host's load; its share is printed with the result. Lists the symbols with at
# least 1% on either side and every symbol of dm-remap, of device-mapper's
# map and completion, the return and indirect-call thunks (in 6.1's
# kallsyms at __static_call_text_end, in 6.12's __x86_return_thunk and
# __x86_indirect_thunk_*) and the RCU read lock calls. dm-remap's own share
# is the difference, summed over its symbols (less linear_map, which it
# replaces), dm_per_bio_data (only it asks), the thunks and the RCU calls:
# if dm-remap spends a share s of its time on work linear does not do, its
# IOPS are (1 - s) of linear's at the same speed.
# The guest's serial port ends lines with CR LF.
{ sub(/\r$/, "") }
/^=== PROFILE / { dev = $3; rw = $4; ios[rw, dev] += $5; seen[rw] = 1; next }
/^=== END/ { dev = ""; next }
# Idle (a CPU halted while both jobs wait) is no one's cost.
dev != "" && NF == 2 && $2 !~ /safe_halt|_idle/ { n[rw, dev, $2] += $1; tot[rw, dev] += $1; sym[rw, $2] = 1 }
END {
	sorter = "sort -t'|' -k4 -g -r"
	for (w in seen) {
		if (!tot[w, "ln"] || !tot[w, "r"] || !ios[w, "ln"] || !ios[w, "r"]) {
			print "profile: " w ": no samples or no I/Os on one side"
			bad = 1
			continue
		}
		printf "%s: %d and %d samples, %d and %d I/Os; share of all samples:\n", w,
			tot[w, "ln"], tot[w, "r"], ios[w, "ln"], ios[w, "r"]
		printf "| symbol | linear | dm-remap | difference |\n|---|---|---|---|\n"
		own = own_nc = 0
		nc_l = tot[w, "ln"] - n[w, "ln", "read_hpet"]
		nc_r = tot[w, "r"] - n[w, "r", "read_hpet"]
		for (k in sym) {
			split(k, p, SUBSEP)
			if (p[1] != w)
				continue
			s = p[2]
			a = n[w, "ln", s] / tot[w, "ln"] * 100
			b = n[w, "r", s] / tot[w, "r"] * 100
			mine = s ~ /^(remap_|dmr_|linear_map$|dm_per_bio_data$)/ || s ~ /thunk|__static_call_text_end/ ||
				s ~ /^__rcu_read_(un)?lock$/
			if (mine) {
				own += b - a
				own_nc += (n[w, "r", s] / nc_r - n[w, "ln", s] / nc_l) * 100
			}
			if (a >= 1 || b >= 1 || mine || s ~ /^(linear_map|dm_|clone_endio|__map_bio)/)
				printf "| %s | %.2f%% | %.2f%% | %+.2f |\n", s, a, b, b - a | sorter
		}
		close(sorter)
		printf "%s: dm-remap's own work %.2f%% of its busy samples (IOPS %.1f%% of linear's at equal speed); %.2f%% with both sides' clock reads left out; clock reads (read_hpet) %.1f%% and %.1f%%; busy samples per I/O %.4f and %.4f\n\n",
			w, own, 100 - own, own_nc,
			n[w, "ln", "read_hpet"] / tot[w, "ln"] * 100, n[w, "r", "read_hpet"] / tot[w, "r"] * 100,
			tot[w, "ln"] / ios[w, "ln"], tot[w, "r"] / ios[w, "r"]
	}
	exit bad
}
