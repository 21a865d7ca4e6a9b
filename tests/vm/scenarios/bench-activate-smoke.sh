# Smoke run of the activation benchmark (bench/vm/bench-activate.sh): 20,000
# remaps, one round. Proves it runs and yields its ratio; the figures are
# not judged (`make bench-vm` measures).
# initramfs: fio
# timeout: 600
BENCH_ACT_REMAPS=20000 BENCH_ACT_ROUNDS=1
. /scenarios/bench-activate.sh
