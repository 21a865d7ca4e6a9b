# Smoke run of the remap-creation benchmark (bench/vm/bench-commit.sh): few
# remaps per case. Proves it runs and yields its figures; they are not
# judged (`make bench-vm` measures).
# disks: 256M 256M
# initramfs: fio
# timeout: 600
BENCH_SINGLE=10 BENCH_RANGE=100 BENCH_QD1=16 BENCH_GROUP=256
. /scenarios/bench-commit.sh
