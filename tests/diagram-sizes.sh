#!/bin/sh
# diagram-sizes.sh CHAPTER... -- the architecture diagrams draw the sizes the
# programs use by default.
#
# A diagram is a Graphviz file chapters/NN-name/diagrams/NAME.dot. It declares
# where each number it draws comes from, one comment line per source:
#
#   // flag --hidden 256             bin/NN-name --help prints "[256]" as the
#                                    default of --hidden
#   // flag --noise-dim 0 GAN 100    the default is 0, and the help line of
#                                    --noise-dim contains "GAN 100" (for the
#                                    flags whose 0 means "the recipe decides")
#   // fixed 784 28 : MNIST pixels   numbers of the code that no flag sets
#
# A flag's value may be a word (// flag --act tanh). Each diagram must pass:
#   - dot reads it without a word on stderr;
#   - it declares at least one flag, and each declared flag exists, has the
#     declared default, and its help line contains the declared text;
#   - every number in a label (node, edge, cluster or graph) is declared: a
#     flag's value, a number in a flag's text, a fixed number, or the
#     chapter's own number (the title's "(05)"). A size
#     drawn wrong, or a default changed in the program but not in its
#     diagram, fails.
# Prints PASS/FAIL lines; exit 0 when all pass.
# shellcheck source=tests/lib.sh
. tests/lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0 found=0
ok()  { echo "PASS  diagrams $1"; }
bad() { fails=$((fails + 1)); echo "FAIL  diagrams $1"; [ -f "$2" ] && sed 's/^/        /' "$2" | head -12; }
numbers() { grep -oE '[0-9]+(\.[0-9]+)?' | sed 's/^0*\([0-9]\)/\1/'; }

for c in "$@"; do
    for dotfile in chapters/"$c"/diagrams/*.dot; do
        [ -f "$dotfile" ] || continue
        found=$((found + 1))
        name="$c/$(basename "$dotfile")"
        : > "$tmp/why"
        if ! dot -Tcanon "$dotfile" > /dev/null 2> "$tmp/dot.err" || [ -s "$tmp/dot.err" ]; then
            cat "$tmp/dot.err" > "$tmp/why"; bad "$name: dot reads it" "$tmp/why"; continue
        fi
        if [ ! -x "bin/$c" ]; then echo "no bin/$c (make bin/$c)" > "$tmp/why"; bad "$name" "$tmp/why"; continue; fi
        bin/"$c" --help > "$tmp/help" 2>&1
        echo "${c%%-*}" | numbers > "$tmp/declared"    # the chapter's number, as in "(05)"
        flags=0
        # // flag --NAME VALUE [TEXT]
        sed -n 's|^// *flag  *||p' "$dotfile" > "$tmp/flags"
        while read -r flag value text; do
            flags=$((flags + 1))
            line=$(grep -E -- "^  $flag( |$)" "$tmp/help" | head -n 1)
            if [ -z "$line" ]; then echo "$flag: not in bin/$c --help" >> "$tmp/why"; continue; fi
            default=$(printf '%s\n' "$line" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
            if [ "$default" != "$value" ]; then
                echo "$flag: the diagram says $value, bin/$c --help says [${default:-no default}]" >> "$tmp/why"
            fi
            if [ -n "$text" ] && ! printf '%s\n' "$line" | grep -qF -- "$text"; then
                echo "$flag: the help line does not say \"$text\": $line" >> "$tmp/why"
            fi
            { printf '%s\n' "$value" | grep -xE '[0-9]+(\.[0-9]+)?' | numbers; printf '%s\n' "$text" | numbers; } >> "$tmp/declared"
        done < "$tmp/flags"
        [ "$flags" -gt 0 ] || echo "no '// flag --NAME VALUE' line: nothing ties the diagram to the program" >> "$tmp/why"
        # // fixed N... : reason
        sed -n 's|^// *fixed  *\([^:]*\).*|\1|p' "$dotfile" | numbers >> "$tmp/declared"
        # every number in a label="..." (escaped quotes allowed)
        grep -oE 'label="([^"\\]|\\.)*"' "$dotfile" | numbers | sort -u > "$tmp/drawn"
        sort -u "$tmp/declared" > "$tmp/declared.s"
        comm -23 "$tmp/drawn" "$tmp/declared.s" > "$tmp/undeclared"
        if [ -s "$tmp/undeclared" ]; then
            echo "drawn but not declared (a '// flag' or '// fixed' line): $(tr '\n' ' ' < "$tmp/undeclared")" >> "$tmp/why"
        fi
        if [ -s "$tmp/why" ]; then bad "$name: sizes match bin/$c --help" "$tmp/why"
        else ok "$name: $flags flags match bin/$c --help, $(wc -l < "$tmp/drawn") numbers drawn, all declared"; fi
    done
done
[ "$found" -gt 0 ] || { echo "FAIL  diagrams: no chapters/*/diagrams/*.dot"; fails=1; }
[ "$fails" -eq 0 ]
