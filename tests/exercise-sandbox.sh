#!/bin/sh
# exercise-sandbox.sh DIR PROGRAM ARGS... -- ex_run's sandbox
# (tests/exercise-lib.sh says what it does and does not protect against).
# exercise-sandbox.sh --probe: exit 0 when the namespaces can be made here.
#
# It calls itself again, with --inside first, in fresh mount, network and PID
# namespaces (and a user namespace when we are not root). There, as their
# root, it keeps DIR
# writable, turns every other mount read-only, checks a few places, sets the
# limits (EX_MEM_KB, EX_FILE_BLOCKS, EX_CPU, EX_NPROC from the caller), then
# runs PROGRAM in DIR without privileges: as nobody if PRIV is nobody, else
# as the caller's own user with no capabilities. Exit status 90 and a line
# "sandbox: ..." on stderr when the sandbox could not be made.
if [ "$1" != --inside ]; then
    if [ "$(id -u)" = 0 ]; then priv=nobody; user=""; else priv=self; user="--user --map-root-user"; fi
    if [ "$1" = --probe ]; then set -- / true; fi
    dir=$1; shift
    # shellcheck disable=SC2086
    exec unshare $user --mount --net --pid --fork --kill-child --mount-proc --propagation private \
        sh "$0" --inside "$dir" "$priv" "$@"
fi
dir=$2 priv=$3; shift 3
if [ "$dir" = / ]; then "$@"; exit; fi    # --probe
mount --bind "$dir" "$dir" || { echo "sandbox: cannot bind $dir" >&2; exit 90; }
# every mount point but DIR (mountinfo field 5); a name with a space in it is
# escaped there and is missed, which the probes below would notice for the
# usual places
awk '{ print $5 }' /proc/self/mountinfo | sort -u | while IFS= read -r m; do
    [ "$m" = "$dir" ] || mount -o remount,bind,ro "$m" 2> /dev/null
done
for p in / /tmp /var/tmp /dev/shm "$HOME" "${TMPDIR:-/tmp}" "$dir/.." "$OLDPWD"; do
    if [ -z "$p" ] || [ ! -d "$p" ]; then continue; fi
    if (: > "$p/.genlab-sandbox-probe") 2> /dev/null; then
        rm -f "$p/.genlab-sandbox-probe"; echo "sandbox: $p is still writable" >&2; exit 90
    fi
done
cd "$dir" || { echo "sandbox: cannot enter $dir" >&2; exit 90; }
# the limits (prlimit: dash's ulimit has no option for processes)
lim="--core=0 --as=$((EX_MEM_KB * 1024)) --fsize=$((EX_FILE_BLOCKS * 512)) --cpu=$EX_CPU"
# PID 1 of the namespace is this shell, not the program: the kernel would
# ignore a signal the program raises at itself (abort) if it were PID 1
if [ "$priv" = nobody ]; then
    # shellcheck disable=SC2086
    prlimit $lim --nproc="$EX_NPROC" -- setpriv --reuid=nobody --regid=nogroup --clear-groups \
        --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
else
    # shellcheck disable=SC2086
    prlimit $lim -- setpriv --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
fi
status=$?
exit $status
