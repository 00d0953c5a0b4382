#!/bin/sh
# site-check.sh CHAPTER... -- the site `make docs` builds works, opened from disk.
#
# Builds the site from the checked-in READMEs and diagrams into
# build/site-check/site (not docs/site: that one is yours), with a stand-in
# for figures/: the first chapter's --quick run, its figures rendered, so that
# a page with figures and metrics and pages without them are both built.
# Then every page pandoc made (the front page, the chapters, the READMEs they
# link to) is opened in headless Chromium, and its DOM must have:
#   - every relative href and src resolving to a file of the site (and an
#     #anchor to an id of its page), no absolute or file: link;
#   - every image a non-empty file;
#   - no raw math: no $$ and no $...$ in the text outside code, and at least
#     one <math> element when the page's markdown has math;
# the source listings (src/, plain generated HTML) get the same link checks
# without the browser. A screenshot of the first chapter's page is kept as
# build/site-check.png. Prints PASS/FAIL lines; exit 0 when all pass.
# shellcheck disable=SC2016
# shellcheck source=tests/lib.sh
. tests/lib.sh
base=build/site-check
rm -rf "$base" && mkdir -p "$base/tmp" || exit 1
base=$(cd "$base" && pwd)
tmp=$base/tmp site=$base/site figs=$base/figures
trap 'rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "PASS  site $1"; }
bad() { fails=$((fails + 1)); echo "FAIL  site $1"; [ -f "$2" ] && sed 's/^/        /' "$2" | head -12; }

for tool in pandoc dot chromium; do
    command -v $tool > /dev/null 2>&1 || { echo "FAIL  site: $tool is not installed (make deps)"; exit 1; }
done

# ---- a stand-in for the last make figures: one chapter's --quick run ------
stand_in=""
for c in "$@"; do
    if ! ls chapters/"$c"/figures/*.gp > /dev/null 2>&1 || [ ! -x "bin/$c" ]; then continue; fi
    mkdir -p "$figs"
    if bin/"$c" --quick --seed 1 --quiet --out "$figs/$c" > /dev/null 2> "$tmp/err" && render_dir "$figs/$c" png > "$tmp/err" 2>&1
    then stand_in=$c; else bad "stand-in figures of $c" "$tmp/err"; fi
    break
done

# ---- the site -------------------------------------------------------------
if sh tests/make-docs.sh "$site" "$figs" "$@" > "$tmp/build" 2>&1; then ok "make docs builds the site ($(find "$site" -name '*.html' | wc -l) pages)"
else bad "make docs builds the site" "$tmp/build"; fi
[ -f "$site/index.html" ] || { echo "$fails failed"; exit 1; }

# check_links PAGE DOM: every relative href/src of DOM resolves from PAGE's folder
check_links() {
    cl_dom=$2 cl_dir=$(dirname "$1") cl_n=0
    grep -oE '(href|src)="[^"]*"' "$cl_dom" | sed 's/^[a-z]*="//; s/"$//' | sort -u > "$tmp/targets"
    while IFS= read -r t; do
        cl_n=$((cl_n + 1))
        case "$t" in
            ''|/*|file:*) echo "not a relative link: '$t'"; continue ;;
            http:*|https:*|mailto:*) continue ;;
            [a-z]*:*) echo "a link the site cannot follow offline: $t"; continue ;;
        esac
        path=${t%%#*} frag=""
        case "$t" in *'#'*) frag=${t#*#} ;; esac
        if [ -z "$path" ]; then f=$cl_dom; else f=$cl_dir/$path; fi
        if [ ! -f "$f" ]; then echo "broken: $t (no ${f#"$site"/})"; continue; fi
        if [ -n "$frag" ] && ! grep -q "id=\"$frag\"" "$f"; then echo "broken: $t (no id \"$frag\" in ${f#"$site"/})"; fi
    done < "$tmp/targets"
    # every <img> a file that is not empty
    grep -oE '<img [^>]*src="[^"]*"' "$cl_dom" | sed 's/.*src="//; s/"$//' | while IFS= read -r s; do
        [ -s "$cl_dir/$s" ] || echo "missing image: $s"
    done
    echo "$cl_n" > "$tmp/nlinks"
}

# has_math FILE.md: does the markdown have $...$ or $$...$$ outside code?
has_math() {
    awk '/^(```|~~~)/ { fence = !fence; next } !fence' "$1" | sed 's/`[^`]*`//g' |
        grep -qE '\$\$|\$[^ $]([^$]*[^ $])?\$'
}

# ---- every page pandoc made, in Chromium ------------------------------------
{
    echo "index.html README.md"
    for c in "$@"; do echo "$c.html chapters/$c/README.md"; done
    (cd "$site" && find src -name '*.md.html') | while read -r p; do q=${p#src/}; echo "$p ${q%.html}"; done
} > "$tmp/pages"
n=0
# shellcheck disable=SC2016
while read -r page md; do
    n=$((n + 1)); echo "$n $site/$page"
done < "$tmp/pages" | xargs -P 2 -L 1 sh -c 'chromium --headless --no-sandbox --disable-gpu --user-data-dir="$0/profile-$1" \
        --dump-dom "file://$2" > "$0/dom-$1.html" 2> /dev/null; rm -rf "$0/profile-$1"' "$tmp" 2> /dev/null
n=0
while read -r page md; do
    n=$((n + 1)); dom=$tmp/dom-$n.html
    if [ ! -s "$dom" ] || ! grep -q '</html>' "$dom"; then
        echo "Chromium returned no page" > "$tmp/why"; bad "$page opens in Chromium" "$tmp/why"; continue
    fi
    check_links "$site/$page" "$dom" > "$tmp/why"
    # raw math in the text: drop code, MathML and tags, then look for $
    tr '\n' ' ' < "$dom" | awk '{
        s = $0; out = ""
        while (match(s, /<(pre|code|math|script|style)[ >]/)) {
            tag = substr(s, RSTART + 1, RLENGTH - 2); out = out substr(s, 1, RSTART - 1)
            s = substr(s, RSTART); e = index(s, "</" tag ">")
            if (e == 0) { s = ""; break }
            s = substr(s, e + length(tag) + 3)
        }
        out = out s; gsub(/<[^>]*>/, " ", out); gsub(/&amp;/, "\\&", out); print out }' > "$tmp/text"
    if grep -oE '\$\$|\$[^ $]([^$]*[^ $])?\$' "$tmp/text" | head -3 > "$tmp/raw" && [ -s "$tmp/raw" ]; then
        echo "raw math in the text: $(tr '\n' ' ' < "$tmp/raw")" >> "$tmp/why"
    fi
    formulas=$(grep -o '<math' "$dom" | wc -l)
    if [ -f "$md" ] && has_math "$md" && [ "$formulas" -eq 0 ]; then
        echo "$md has math, the page has no <math> element" >> "$tmp/why"
    fi
    if [ -s "$tmp/why" ]; then bad "$page" "$tmp/why"
    else ok "$page: opens in Chromium, $(cat "$tmp/nlinks") links and images resolve, $formulas formulas as MathML"; fi
done < "$tmp/pages"

# ---- the source listings: the same links, without the browser ---------------
(cd "$site" && find src -name '*.html' ! -name '*.md.html') > "$tmp/listings"
: > "$tmp/why"
while read -r p; do check_links "$site/$p" "$site/$p" | sed "s|^|$p: |" >> "$tmp/why"; done < "$tmp/listings"
if [ -s "$tmp/why" ]; then bad "source listings (src/)" "$tmp/why"
else ok "source listings: $(wc -l < "$tmp/listings") pages under src/, every link resolves"; fi

# ---- the figures: embedded where make figures ran, a note where it did not ---
for c in "$@"; do
    if [ "$c" = "$stand_in" ]; then
        want=$(find "$figs/$c" -maxdepth 1 -name "*.png" | wc -l)
        got=$(grep -o "<img src=\"$c/figures/[^\"]*\.png\"" "$site/$c.html" | wc -l)
        if [ "$got" -eq "$want" ] && grep -q '<td><code>[a-z_0-9]*</code></td>' "$site/$c.html"; then
            ok "$c.html: the $want figures and the metrics table of the stand-in figures/$c"
        else echo "$got of $want figures, or no metrics table" > "$tmp/why"; bad "$c.html: figures and metrics" "$tmp/why"; fi
    elif ! grep -q 'No figures or metrics yet' "$site/$c.html"; then
        echo "no figures here, and no note saying so" > "$tmp/why"; bad "$c.html: says its figures are missing" "$tmp/why"
    fi
done

# ---- a screenshot, kept as an artifact ----------------------------------------
shot=${stand_in:-$1}
rm -f build/site-check.png
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile-shot" \
    --window-size=1280,3000 --screenshot="$PWD/build/site-check.png" "file://$site/$shot.html" > /dev/null 2>&1
if [ -s build/site-check.png ]; then ok "screenshot of $shot.html: build/site-check.png"
else echo "no screenshot" > "$tmp/why"; bad "screenshot of $shot.html" "$tmp/why"; fi
[ "$fails" -eq 0 ]
