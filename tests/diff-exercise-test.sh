#!/bin/sh
# diff-exercise-test.sh -- make check's grading group: every verdict of
# make diff-exercise (tests/diff-exercise.sh), on small fixture submissions
# made from a reference solution (chapter 01, exercise 5: a run of a
# fraction of a second):
#   the reference itself                       matches, exit 0
#   a changed constant in the new code         differs in N numbers, the change in the source diff
#   a missing semicolon                        does not compile: ...error...
#   a NULL dereference; an abort()             crashed (signal 11, SIGSEGV); (signal 6, SIGABRT)
#   an endless loop, LIMIT=2                   timed out, in less than 10 s
#   writes to a file outside its scratch       no such file appears (and the run still matches)
#   a directory of two of them                 one verdict line each
# Prints PASS/FAIL lines; exit 0 when all pass.
. tests/lib.sh
. tests/exercise-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "PASS  grading $1"; }
bad() { fails=$((fails + 1)); echo "FAIL  grading $1"; if [ -f "$2" ]; then sed 's/^/        /' "$2" | tail -n 15; fi; }

c=01-dense-layer k=5 src=chapters/01-dense-layer/dense-layer.c
if [ ! -f "chapters/$c/solutions/$k.patch" ]; then
    echo "no chapters/$c/solutions/$k.patch" > "$tmp/err"; bad "fixtures" "$tmp/err"; exit 1
fi
mkdir -p "$tmp/tree/chapters/$c" "$tmp/sub"
cp "$src" "$tmp/tree/$src"
(cd "$tmp/tree" && patch -p1 -s --fuzz=0 < "$OLDPWD/chapters/$c/solutions/$k.patch") || { bad "fixtures: the patch applies"; exit 1; }
ref=$tmp/tree/$src

# the fixtures: the reference, changed in one place each
at_main() {    # at_main CODE: CODE as the first statement of main
    awk -v code="$1" '{ print } /^int main\(int argc, char \*\*argv\)$/ { getline; print; print "    " code }' "$ref"
}
cp "$ref" "$tmp/sub/reference.c"
sed 's|p->dA->data\[i\] / (1.0 + exp(-p->Z->data\[i\]))|p->dA->data[i] / (2.0 + exp(-p->Z->data[i]))|' "$ref" > "$tmp/sub/constant.c"
awk '!done && /^    return worst;$/ { print "    return worst"; done = 1; next } { print }' "$ref" > "$tmp/sub/syntax.c"
at_main '{ volatile int *nowhere = NULL; *nowhere = 1; }' > "$tmp/sub/null.c"
at_main 'abort();' > "$tmp/sub/abort.c"
at_main 'for (;;) {}' > "$tmp/sub/loop.c"
escape1=$tmp/escaped-into-tmp escape2=$PWD/build/escaped-into-repo
at_main "{ const char *to[] = {\"$escape1\", \"$escape2\", \"/tmp/genlab-escaped\"}; for (int e = 0; e < 3; e++) { FILE *f = fopen(to[e], \"w\"); if (f) { fputs(\"escaped\", f); fclose(f); } } }" > "$tmp/sub/escape.c"
rm -f "$escape1" "$escape2" /tmp/genlab-escaped
for f in constant syntax; do
    if cmp -s "$ref" "$tmp/sub/$f.c"; then echo "the $f fixture is the reference: the sed no longer matches $src" > "$tmp/err"; bad "fixture $f" "$tmp/err"; fi
done

# check NAME PATTERN [LIMIT]: the last line is "NAME.c: VERDICT" with VERDICT matching PATTERN
check() {
    name=$1 pattern=$2 limit=${3:-60}
    start=$(date +%s)
    sh tests/diff-exercise.sh "$c" "$k" "$tmp/sub/$name.c" "$limit" > "$tmp/$name.report" 2>&1; status=$?
    last=$(tail -n 1 "$tmp/$name.report")
    if ! echo "$last" | grep -q "^$tmp/sub/$name.c: $pattern\$"; then
        bad "$name.c -> '$pattern' (got '${last#"$tmp"/sub/}', exit $status)" "$tmp/$name.report"; return 1
    fi
    took=$(( $(date +%s) - start ))
    ok "$name.c -> ${last#"$tmp"/sub/} ($took s)"
}
if check reference matches; then
    if grep -q '^(identical to the reference)$' "$tmp/reference.report"; then ok "reference.c: the source diff is empty"
    else bad "reference.c: the source diff is empty" "$tmp/reference.report"; fi
    if sh tests/diff-exercise.sh "$c" "$k" "$tmp/sub/reference.c" > /dev/null 2>&1; then ok "reference.c: exit status 0"
    else bad "reference.c: exit status 0"; fi
fi
if check constant 'differs in [1-9][0-9]* numbers'; then
    if grep -q '^+.*(2.0 + exp' "$tmp/constant.report"; then ok "constant.c: the change is in the source diff"
    else bad "constant.c: the change is in the source diff" "$tmp/constant.report"; fi
    sh tests/diff-exercise.sh "$c" "$k" "$tmp/sub/constant.c" > /dev/null 2>&1
    if [ $? -eq 1 ]; then ok "constant.c: exit status 1"; else bad "constant.c: exit status 1"; fi
fi
check syntax "does not compile: .*error: expected .;. .*"
check null 'crashed (signal 11, SIGSEGV)'
check abort 'crashed (signal 6, SIGABRT)'
if check loop 'timed out' 2; then
    if [ "$took" -lt 10 ]; then ok "loop.c: stopped within 10 s"; else bad "loop.c: stopped within 10 s (took $took s)"; fi
fi
if check escape matches; then
    for e in "$escape1" "$escape2" /tmp/genlab-escaped; do
        if [ -e "$e" ]; then echo "$e exists" > "$tmp/err"; bad "escape.c: nothing written outside its scratch directory" "$tmp/err"; rm -f "$e"
        else ok "escape.c: no $e"; fi
    done
fi

# a directory: one line per submission
mkdir -p "$tmp/class"
cp "$tmp/sub/reference.c" "$tmp/class/alice.c"; cp "$tmp/sub/syntax.c" "$tmp/class/bob.c"
sh tests/diff-exercise.sh "$c" "$k" "$tmp/class" > "$tmp/class.report" 2>&1
if sed -n 1p "$tmp/class.report" | grep -q '^alice.c: matches$' &&
   sed -n 2p "$tmp/class.report" | grep -q '^bob.c: does not compile: ' &&
   [ -f "build/diff-exercise/$c-$k/bob.txt" ]; then ok "a directory: one verdict line per file, reports in build/diff-exercise/$c-$k/"
else bad "a directory: one verdict line per file" "$tmp/class.report"; fi
[ $fails -eq 0 ]
