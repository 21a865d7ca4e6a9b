# Smoke run of the I/O benchmark (bench/vm/bench-io.sh): two rounds of 1 s
# per case (one pair: the per-pair ratio is computed) and 2,000 remaps.
# Proves that every case runs and yields a ratio; the figures themselves are
# not judged (`make bench-vm` measures).
# initramfs: fio
# timeout: 900
BENCH_ROUNDS=2 BENCH_RUNTIME=1 BENCH_REMAPS=2000
. /scenarios/bench-io.sh
