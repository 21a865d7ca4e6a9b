# The per-pair ratios of a bench-io table pooled per case (all pairs of rounds
# of its 4 workloads): how many, the median and the quartiles. Under host load
# a single workload's 5 pairs spread too widely; 20 narrow the median.
BEGIN { FS = "|" }
/^\| / && $9 ~ /[0-9]/ {
	c = $2
	gsub(/^ +| +$/, "", c)
	n = split($9, r, " ")
	for (i = 1; i <= n; i++)
		v[c, ++k[c]] = r[i] + 0
	if (!(c in seen)) {
		seen[c] = 1
		order[++nc] = c
	}
}
END {
	print "| case | pairs | median ratio | quartiles |"
	print "|---|---|---|---|"
	for (o = 1; o <= nc; o++) {
		c = order[o]
		m = k[c]
		for (i = 1; i <= m; i++)
			a[i] = v[c, i]
		for (i = 2; i <= m; i++) {
			x = a[i]
			for (j = i - 1; j >= 1 && a[j] > x; j--)
				a[j + 1] = a[j]
			a[j + 1] = x
		}
		printf "| %s | %d | %.1f%% | %.1f%% - %.1f%% |\n", c, m,
			100 * (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2),
			100 * a[int(m / 4) + 1], 100 * a[int(3 * m / 4) + 1]
	}
}
