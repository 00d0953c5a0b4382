#!/bin/sh
# render.sh DIR: every gnuplot script in DIR to PNG and PDF (used by make figures).
. tests/lib.sh
render_dir "$1" png && render_dir "$1" pdf
