#!/bin/sh
# Runs one test program built with AddressSanitizer + UBSan (make
# test-sanitize) and fails when the sanitizers report anything of ours.
#
# Criterion reports a test's result before its worker exits, so a report at
# exit does not change the exit status: the output is read instead. One
# exception: libcriterion itself sometimes leaks a small block from its own
# run state (an allocation made directly by libcriterion, frame #1). Such a
# leak record is shown but not counted; a leak with any other allocating
# frame is ours, even when the stack passes through criterion further down.
# Leaks are judged here, so they do not change the exit status by themselves.
LSAN_OPTIONS="exitcode=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
log=$(mktemp "${TMPDIR:-/tmp}/v6n-sanitize.XXXXXX") || exit 2
"$@" >"$log" 2>&1
status=$?
cat "$log"
awk '
    /ERROR: AddressSanitizer/ || /runtime error:/ { bad++ }
    /^(Direct|Indirect) leak of / { inleak = 1; frame1 = ""; next }
    inleak && /^ *#1 / { frame1 = $0 }
    inleak && /^ *$/ {
        if (frame1 !~ /libcriterion\.so/) ours++; else theirs++
        inleak = 0
    }
    END {
        if (inleak) { if (frame1 !~ /libcriterion\.so/) ours++; else theirs++ }
        if (theirs) printf("sanitize-run: %d leak record(s) of libcriterion itself ignored\n", theirs)
        if (bad || ours) {
            printf("sanitize-run: %d sanitizer error(s), %d leak record(s) of ours\n", bad, ours)
            exit 1
        }
    }' "$log"
verdict=$?
rm -f "$log"
[ "$status" -ne 0 ] && exit "$status"
exit "$verdict"
