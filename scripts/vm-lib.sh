# shellcheck shell=bash
# Shared by scripts/vm-run and scripts/mkinitramfs: where things are.
# Sourced; defines vm_top, vm_kdir, vm_kver, vm_dir.

vm_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
vm_kdir=${KDIR:-$("$vm_top/scripts/find-kdir")}

# The kernel release that goes with KDIR: the /lib/modules/<ver> whose build
# link points at KDIR, else the headers directory's name.  (Debian's
# include/config/kernel.release says "6.1.192", not the package's
# "6.1.0-56-amd64", so it cannot be used.)
vm_kver_of() {
	local kdir d real
	kdir=$(readlink -f "$1")
	for d in /lib/modules/*; do
		real=$(readlink -f "$d/build" 2>/dev/null) || continue
		if [ "$real" = "$kdir" ]; then
			basename "$d"
			return
		fi
	done
	case "$1" in
	/lib/modules/*/build) d=${1#/lib/modules/}; echo "${d%/build}" ;;
	*) d=$(basename "$kdir"); echo "${d#linux-headers-}" ;;
	esac
}
vm_kver=${EVS_VM_KVER:-$(vm_kver_of "$vm_kdir")}
vm_dir=$vm_top/build/vm
