#!/bin/sh
# shellcheck disable=SC2016
# make-docs.sh OUT FIGURES CHAPTER... -- the course as a static site in OUT
# (`make docs`: docs/site, from figures/), to be opened from disk: relative
# links only, math as MathML, no script, nothing fetched from the network.
#
#   OUT/index.html        the front page, from README.md
#   OUT/NN-name.html      a chapter: its README.md, with its architecture
#                         diagrams after the introduction, then the figures and
#                         metrics.txt of FIGURES/NN-name/ (the last `make
#                         figures`; a note says so when there are none), then
#                         links to its source files
#   OUT/NN-name/          the chapter's diagrams (SVG and PNG, rendered here
#                         from chapters/NN-name/diagrams/*.dot) and figures
#   OUT/src/PATH.html     a page for every repository file the pages link to
#                         (numbered lines, with ids L1, L2, ... to link to)
#   OUT/style.css         the one style sheet (docs/style.css)
#
# Pages are pandoc's (docs/template.html); docs/links.lua rewrites the
# READMEs' links to the site's pages. Writes only OUT and a scratch folder
# under build/.
set -u
out=$1 figs=$2; shift 2
chapters="$*"
mkdir -p build
work=$(mktemp -d build/make-docs.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
rm -rf "$out" && mkdir -p "$out/src" || exit 1
cp docs/style.css "$out/style.css"
: > "$work/wanted"
status=0

# One look for every diagram: the shapes, fonts and greys are set here, the
# colours of data, noise, codes and losses in each file (see docs/README.md).
render_dot() {   # FILE.dot FORMAT OUTPUT (PNG at 110 dpi; an SVG is cropped with a dpi)
    dpi=""; [ "$2" = png ] && dpi=-Gdpi=110
    dot ${dpi:+"$dpi"} -Gfontname="DejaVu Sans" -Nfontname="DejaVu Sans" -Efontname="DejaVu Sans" \
        -Gfontsize=16 -Nfontsize=13 -Efontsize=11 -Glabelloc=t -Gstyle=rounded -Gcolor="#9A9A9A" \
        -Gpad=0.15 -Nshape=box -Nstyle="rounded,filled" -Nfillcolor="#EFEFEF" \
        -Ncolor="#4D4D4D" -Npenwidth=1.2 -Ecolor="#4D4D4D" -Earrowsize=0.8 \
        -T"$2" "$1" -o "$3"
}

title_of() { sed -n '1s/^# *//p' "chapters/$1/README.md"; }
html_escape() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }

# pandoc_page SOURCE.md OUTPUT.html SRCDIR ROOT TITLE SOURCE-NAME [PANDOC ARGS...]
pandoc_page() {
    src=$1 dst=$2 srcdir=$3 root=$4 title=$5 name=$6; shift 6
    pandoc "$src" -f markdown+gfm_auto_identifiers-smart -t html5 --standalone --mathml \
        --template docs/template.html --lua-filter docs/links.lua \
        -M srcdir="$srcdir" -M chapters="$chapters" -M wanted="$work/wanted" \
        -M pagetitle="$title" -V root="$root" -V source="$name" "$@" -o "$dst" \
        2> "$work/pandoc.err"
    st=$?
    if [ $st -ne 0 ] || [ -s "$work/pandoc.err" ]; then
        echo "make-docs: pandoc on $name:"; cat "$work/pandoc.err"; status=1
    fi
}

# ---- the front page: README.md, and every chapter's page ----------------
first=""
for c in $chapters; do first=$c; break; done
{
    cat README.md
    printf '\n## Every chapter in this site {#every-chapter}\n\n'
    for c in $chapters; do printf -- '- [%s](site:%s.html)\n' "$(title_of "$c")" "$c"; done
} > "$work/index.md"
pandoc_page "$work/index.md" "$out/index.html" . "" "genlab: generative models from scratch, in C" README.md \
    ${first:+-V next="$first.html" -V nexttitle="$(title_of "$first")"}

# ---- one page per chapter -------------------------------------------------
prev=""
# shellcheck disable=SC2086
set -- $chapters
while [ $# -gt 0 ]; do
    c=$1 next=${2:-}; shift
    dir=chapters/$c
    md=$work/$c.md
    mkdir -p "$out/$c"

    # the diagrams, rendered to SVG (the page) and PNG (slides)
    : > "$work/diagrams.md"
    for d in "$dir"/diagrams/*.dot; do
        [ -f "$d" ] || continue
        n=$(basename "$d" .dot)
        mkdir -p "$out/$c/diagrams"
        if render_dot "$d" svg "$out/$c/diagrams/$n.svg" 2> "$work/dot.err" &&
           render_dot "$d" png "$out/$c/diagrams/$n.png" 2>> "$work/dot.err" && [ ! -s "$work/dot.err" ]; then
            # the caption: the file's first comment lines, up to the sizes
            caption=$(awk '!/^\/\// || /^\/\/ *(flag|fixed) / || /Sizes|Rendered/ { exit }
                           { sub(/^\/\/ */, ""); printf "%s ", $0 }' "$d" | html_escape)
            cat >> "$work/diagrams.md" <<EOF

<figure class="diagram">
<a href="$c/diagrams/$n.svg"><img src="$c/diagrams/$n.svg" alt="architecture diagram: $n"></a>
<figcaption>$caption <a href="$c/diagrams/$n.png">PNG for slides</a> · <a href="src/$d.html">source: diagrams/$n.dot</a></figcaption>
</figure>
EOF
            echo "file $d" >> "$work/wanted"
        else
            echo "make-docs: dot on $d:"; cat "$work/dot.err"; status=1
        fi
    done
    if [ -s "$work/diagrams.md" ]; then
        { printf '\n## Architecture\n\nDrawn from the program'"'"'s defaults (`bin/%s --help`); the sizes are checked by `make check`.\n' "$c"
          cat "$work/diagrams.md"; echo; } > "$work/diagrams.sec"
    else
        : > "$work/diagrams.sec"
    fi

    # the README: its introduction, the diagrams, the rest
    awk -v sec="$work/diagrams.sec" '
        /^(```|~~~)/ { fence = !fence }
        !fence && !done && /^## / { while ((getline l < sec) > 0) print l; done = 1 }
        { print }
        END { if (!done) while ((getline l < sec) > 0) print l }' "$dir/README.md" > "$md"

    # the results of the last make figures
    {
        printf '\n## Figures and metrics of the last `make figures` {#last-make-figures}\n\n'
        pngs=$(ls "$figs/$c"/*.png 2> /dev/null)
        if [ -f "$figs/$c/metrics.txt" ]; then
            printf 'From `figures/%s/metrics.txt`, the default run'"'"'s `metrics.txt`:\n\n| metric | value |\n|---|--:|\n' "$c"
            awk 'NF >= 2 { printf "| `%s` | %s |\n", $1, $2 }' "$figs/$c/metrics.txt"
            echo
        fi
        if [ -n "$pngs" ]; then
            mkdir -p "$out/$c/figures"
            for png in $pngs; do
                n=$(basename "$png")
                cp "$png" "$out/$c/figures/$n"
                printf '<figure>\n<a href="%s"><img src="%s" alt="figure %s"></a>\n<figcaption>%s</figcaption>\n</figure>\n\n' \
                    "$c/figures/$n" "$c/figures/$n" "${n%.png}" "$n (script: <code>chapters/$c/figures/${n%.png}.gp</code>)"
            done
        fi
        if [ -z "$pngs" ] && [ ! -f "$figs/$c/metrics.txt" ]; then
            printf '<p class="note">No figures or metrics yet: <code>make figures</code> has not been run for this chapter. Run it, then <code>make docs</code> again, and they appear here.</p>\n\n'
        fi

        printf '\n## Source files {#source-files}\n\n'
        for f in "$dir"/*.c; do [ -f "$f" ] && printf -- '- [%s](%s): the program, the lesson itself\n' "${f##*/}" "${f##*/}"; done
        [ -d "$dir/figures" ] && printf -- '- [figures/](figures/): its gnuplot scripts, one per figure\n'
        for d in "$dir"/diagrams/*.dot; do [ -f "$d" ] && printf -- '- [diagrams/%s](diagrams/%s): the architecture diagram'"'"'s source (Graphviz)\n' "${d##*/}" "${d##*/}"; done
        t=tests/test_$(echo "$c" | tr - _).c
        [ -f "$t" ] && printf -- '- [%s](../../%s): its unit and gradient tests\n' "$t" "$t"
        [ -f "tests/golden/$c.out" ] && printf -- '- [tests/golden/%s.out](../../tests/golden/%s.out): the golden output of `--quick --seed 1`\n' "$c" "$c"
        [ -f "tests/goals/$c.goals" ] && printf -- '- [tests/goals/%s.goals](../../tests/goals/%s.goals): the goals its default run must meet\n' "$c" "$c"
        printf -- '- [README.md](README.md): this page'"'"'s text\n'
    } >> "$md"

    pandoc_page "$md" "$out/$c.html" "$dir" "" "$(title_of "$c")" "$dir/README.md" --toc --toc-depth=2 \
        ${prev:+-V prev="$prev.html" -V prevtitle="$(title_of "$prev")"} \
        ${next:+-V next="$next.html" -V nexttitle="$(title_of "$next")"}
    prev=$c
done

# ---- the repository files the pages link to --------------------------------
# listing PATH: a page with the file's numbered lines
listing() {
    p=$1 dst=$out/src/$1.html
    root=$(dirname "src/$p" | sed 's|[^/][^/]*|..|g')/
    mkdir -p "$(dirname "$dst")"
    back=""
    case "$p" in chapters/[0-9][0-9]-*) ch=${p#chapters/}; ch=${ch%%/*}
        case " $chapters " in *" $ch "*) back="<a href=\"$root$ch.html\">← $(title_of "$ch" | html_escape)</a>" ;; esac ;;
    esac
    {
        printf '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        printf '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        printf '<title>%s · genlab</title>\n<link rel="stylesheet" href="%sstyle.css">\n</head>\n<body>\n' "$p" "$root"
        printf '<header class="site">\n<a class="home" href="%sindex.html">genlab</a>\n<nav class="pager">%s</nav>\n</header>\n' "$root" "$back"
        printf '<main class="source">\n<h1><code>%s</code></h1>\n<pre class="listing"><code>' "$p"
        awk '{ gsub(/&/, "\\&amp;"); gsub(/</, "\\&lt;"); gsub(/>/, "\\&gt;"); if ($0 == "") $0 = " ";
               printf "<span class=\"line\" id=\"L%d\">%s</span>", NR, $0 }' "$p"
        printf '</code></pre>\n</main>\n</body>\n</html>\n'
    } > "$dst"
}
# folder PATH: a page listing its files (each of which gets its own page)
folder() {
    p=$1 dst=$out/src/$1/index.html
    root=$(echo "src/$p/x" | sed 's|[^/][^/]*|..|g; s|\.\.$||')
    mkdir -p "$(dirname "$dst")"
    {
        printf '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        printf '<title>%s/ · genlab</title>\n<link rel="stylesheet" href="%sstyle.css">\n</head>\n<body>\n' "$p" "$root"
        printf '<header class="site">\n<a class="home" href="%sindex.html">genlab</a>\n</header>\n' "$root"
        printf '<main class="source">\n<h1><code>%s/</code></h1>\n<ul>\n' "$p"
        for f in "$p"/*; do
            [ -f "$f" ] || continue
            printf '<li><a href="%s.html">%s</a></li>\n' "${f##*/}" "${f##*/}"
            echo "file $f" >> "$work/wanted"
        done
        printf '</ul>\n</main>\n</body>\n</html>\n'
    } > "$dst"
}
# until no page links to a file that has no page yet (a README may link to
# another README, which links to more files)
: > "$work/done"
while :; do
    sort -u "$work/wanted" | comm -23 - "$work/done" > "$work/todo"
    [ -s "$work/todo" ] || break
    cat "$work/todo" >> "$work/done"; sort -u -o "$work/done" "$work/done"
    while read -r kind p; do
        case "$kind" in
            raw)  mkdir -p "$out/src/$(dirname "$p")" && cp "$p" "$out/src/$p" ;;
            dir)  folder "$p" ;;
            file) case "$p" in
                      *.md) root=$(dirname "src/$p" | sed 's|[^/][^/]*|..|g')/
                            mkdir -p "$out/src/$(dirname "$p")"
                            pandoc_page "$p" "$out/src/$p.html" "$(dirname "$p")" "$root" "$p" "$p" ;;
                      *) listing "$p" ;;
                  esac ;;
        esac
    done < "$work/todo"
done
exit $status
