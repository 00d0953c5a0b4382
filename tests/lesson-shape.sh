#!/bin/sh
# lesson-shape.sh FILE.c... -- does each chapter file read as one lesson?
#
# The shape of ../shared/COURSE.md and the README's "How a chapter is built":
#   - at most MAX_LINES lines (about 900: more is two lessons);
#   - the numbered teaching sections come first, and are at least two thirds
#     of the file: everything from the first "Appendix" section header
#     (figures, keeping models, flags) to the end, main included, is at most
#     a third;
#   - main() is at most MAX_MAIN lines;
#   - the section headers are numbered 1, 2, 3, ... in order, each once.
# Prints one line per file ("ok FILE: ..." or "FAIL FILE: why"); exit 1 if
# any file fails.
MAX_LINES=${MAX_LINES:-900}
MAX_MAIN=${MAX_MAIN:-50}
status=0
for f in "$@"; do
    awk -v max_lines="$MAX_LINES" -v max_main="$MAX_MAIN" -v file="$f" '
        # a section header: " * N. Title" right after a "/* ----" rule
        prev ~ /^\/\* ----------/ && /^ \* [0-9]+\. / { n = $2; sub(/\./, "", n); secs[++k] = n + 0 }
        prev ~ /^\/\* ----------/ && /^ \* Appendix/ && !appendix { appendix = NR }
        /^int main\(/ { main_start = NR }
        main_start && !main_end && /^}/ { main_end = NR }
        { prev = $0 }
        END {
            why = ""
            if (NR > max_lines) why = why sprintf(" %d lines (at most %d);", NR, max_lines)
            if (!main_start) why = why " no main();"
            else if (main_end - main_start + 1 > max_main)
                why = why sprintf(" main() is %d lines (at most %d);", main_end - main_start + 1, max_main)
            lesson = appendix ? appendix - 1 : NR
            if (!appendix) why = why " no Appendix section (figures, keeping models, flags);"
            else if (3 * lesson < 2 * NR)
                why = why sprintf(" the lesson (lines 1-%d) is %.0f%% of the file (at least 67%%);", lesson, 100 * lesson / NR)
            for (i = 1; i <= k; i++)
                if (secs[i] != i) { why = why sprintf(" section %d is numbered %d;", i, secs[i]); break }
            if (why != "") { printf "FAIL %s:%s\n", file, why; exit 1 }
            printf "ok %s: %d lines, lesson %.0f%%, %d sections, main %d lines\n",
                   file, NR, 100 * lesson / NR, k, main_end - main_start + 1
        }' "$f" || status=1
done
exit $status
