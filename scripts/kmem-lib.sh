# SPDX-License-Identifier: GPL-2.0
# kmem-lib.sh: the kernel's own accounting of its memory, before and after
# something, for scripts/bench-kmem and scripts/bench-ike.  Sourced.
#
# kmem_snap FILE writes one line per slab cache ("slab NAME ACTIVE NUM
# OBJSIZE") and the /proc/meminfo figures that are not slab ("meminfo
# Percpu KIB" ...).  Dentries and inodes of the commands in between are
# dropped first, and RCU-deferred frees get a second to land, so the
# difference of two snapshots is what stayed allocated.
#
# Slab bytes are active objects x object size (objsize is the slot with
# its alignment: what an object really costs).  Active, not total, objects:
# SLUB keeps freed slabs around, so a run after a delete fills old slabs
# and total objects would not grow.  Per-CPU memory (alloc_percpu) is the
# `Percpu:` line, in pages of every CPU's unit; vmalloc is `VmallocUsed:`,
# and /proc/vmallocinfo's pages by caller says who.

kmem_snap() {	# FILE
	sync
	echo 2 >/proc/sys/vm/drop_caches
	sleep 1
	{
		awk 'NR > 2 { print "slab", $1, $2, $3, $4 }' /proc/slabinfo
		awk '$1 ~ /^(Percpu|VmallocUsed|MemFree|Slab|KernelStack|PageTables):$/ {
			sub(":", "", $1); print "meminfo", $1, $2 }' /proc/meminfo
		awk '{ for (i = 4; i <= NF; i++) if ($i ~ /^pages=/) {
				c = $3; sub(/\+0x.*/, "", c)
				b[c] += substr($i, 7) * 4096
			}
		}
		END { for (c in b) print "vmalloc", c, b[c] }' /proc/vmallocinfo
	} >"$1"
}

# kmem_diff BEFORE AFTER DIVISOR: per unit (e.g. per SA), on one line:
# "slab B percpu B vmalloc B total B memfree B | cache B, cache B, ...",
# the caches (and vmalloc callers) that grew by at least 2 bytes per unit,
# largest first.
kmem_diff() {
	awk -v n="$3" '
	FNR == 1 { f++ }
	$1 == "slab" { b = $3 * $5; if (f == 1) s0[$2] = b; else s1[$2] = b }
	$1 == "meminfo" { if (f == 1) m0[$2] = $3 * 1024; else m1[$2] = $3 * 1024 }
	$1 == "vmalloc" { c = "vmalloc:" $2; if (f == 1) v0[c] = $3; else v1[c] = $3 }
	END {
		for (c in s1) {
			d = (s1[c] - s0[c]) / n; slab += d
			if (d >= 2) grew[c] = d
		}
		for (c in v1)
			if ((v1[c] - v0[c]) / n >= 2)
				grew[c] = (v1[c] - v0[c]) / n
		pc = (m1["Percpu"] - m0["Percpu"]) / n
		vm = (m1["VmallocUsed"] - m0["VmallocUsed"]) / n
		mf = (m0["MemFree"] - m1["MemFree"]) / n
		printf "slab %.0f percpu %.0f vmalloc %.0f total %.0f memfree %.0f |", \
			slab, pc, vm, slab + pc + vm, mf
		sep = " "
		while (length(grew)) {
			best = ""
			for (c in grew)
				if (best == "" || grew[c] > grew[best])
					best = c
			printf "%s%s %.0f", sep, best, grew[best]; sep = ", "
			delete grew[best]
		}
		print ""
	}' "$1" "$2"
}

# kmem_field "LINE" NAME: a figure out of kmem_diff's line (slab, total ...)
kmem_field() {
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}
