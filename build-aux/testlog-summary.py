#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts the results of one or more `meson test` runs.

Usage: testlog-summary.py [--expect-suites a,b,...] [--failed-step TEXT]... BUILDDIR...

Reads BUILDDIR/meson-logs/testlog*.json (one JSON object per test, as meson writes
them; test.sh runs the headless suites and the ui suite with different --logbase).
A TAP test counts as its individual test cases ("ok" / "not ok" lines in its stdout);
a crash, timeout or bad plan on top of passing cases counts as one more failure.
Every --failed-step (a build that did not finish, ...) counts as one failure, and so
does every expected suite in which no test ran in a build directory.

Prints per-build, per-suite counts, every failure by name, and as its last line
`N passed, N failed` (after a line with the number of skipped tests). Exits 1 if anything failed or if no test ran.
"""

import argparse
import glob
import json
import os
import re
import sys

TAP_CASE = re.compile(r'^(not ok|ok)\b(.*)$')
TAP_PLAN = re.compile(r'^1\.\.\d+')
DIRECTIVE = re.compile(r'#\s*(SKIP|TODO)\b', re.IGNORECASE)

# meson's per-test results
OK_RESULTS = {'OK', 'EXPECTEDFAIL'}  # EXPECTEDFAIL: a should_fail test that failed
SKIP_RESULTS = {'SKIP'}


def suites_of(name):
    """'layerlab:engine+layerlab:slow / test-x' -> ['engine', 'slow']."""
    prefix = name.split(' / ', 1)[0] if ' / ' in name else ''
    return [s.split(':', 1)[-1] for s in prefix.split('+') if s] or ['(none)']


def count_tap(stdout):
    """Returns (passed, failed, skipped, bailed, is_tap) for top-level TAP lines."""
    passed = failed = skipped = 0
    bailed = False
    is_tap = False
    for line in stdout.splitlines():
        if TAP_PLAN.match(line):
            is_tap = True
            continue
        if line.startswith('Bail out!'):
            is_tap = True
            bailed = True
            continue
        m = TAP_CASE.match(line)
        if not m:
            continue
        is_tap = True
        d = DIRECTIVE.search(m.group(2))
        directive = d.group(1).upper() if d else None
        if m.group(1) == 'ok':
            if directive == 'SKIP':
                skipped += 1
            elif directive == 'TODO':
                failed += 1      # an "expected failure" that passed: meson fails it too
            else:
                passed += 1
        else:
            if directive == 'TODO':
                skipped += 1     # known, marked failure: neither a pass nor a new failure
            else:
                failed += 1
    return passed, failed, skipped, bailed, is_tap


def count_test(entry):
    """Returns (passed, failed, skipped) for one meson test entry."""
    result = entry.get('result', 'ERROR')
    passed, failed, skipped, bailed, is_tap = count_tap(entry.get('stdout') or '')
    meson_ok = result in OK_RESULTS or result in SKIP_RESULTS
    if is_tap:
        if bailed or (not meson_ok and failed == 0):
            failed += 1          # crashed, timed out or plan mismatch after passing cases
        if passed + failed + skipped == 0:
            skipped += 1         # "1..0 # SKIP reason"
        return passed, failed, skipped
    if result in OK_RESULTS:
        return 1, 0, 0
    if result in SKIP_RESULTS:
        return 0, 0, 1
    return 0, 1, 0


MAX_EXCERPTS = 4
EXCERPT_LINES = 8


def excerpt(entry):
    """The lines that say why a test failed: its failing TAP cases and bail-outs, then
    the end of its stderr (GLib's ERROR line, a sanitizer's report, a backtrace)."""
    out = (entry.get('stdout') or '').splitlines()
    err = (entry.get('stderr') or '').splitlines()
    lines = [l for l in out if l.startswith('not ok') or l.startswith('Bail out!')
             or l.startswith('# ERROR') or 'ERROR:' in l]
    tail = [l for l in err if l.strip()][-EXCERPT_LINES:]
    if not tail and not lines:
        tail = [l for l in out if l.strip()][-EXCERPT_LINES:]
    return [l[:300] for l in (lines[-EXCERPT_LINES:] + tail)]


def read_logs(builddir):
    entries = []
    for path in sorted(glob.glob(os.path.join(builddir, 'meson-logs', 'testlog*.json'))):
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                line = line.strip()
                if line:
                    entries.append(json.loads(line))
    return entries


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--expect-suites', default='',
                    help='comma-separated suites that must run at least one test per build')
    ap.add_argument('--expect-suites-for', action='append', default=[], metavar='BUILDDIR=a,b',
                    help='the suites one build must run instead of --expect-suites')
    ap.add_argument('--failed-step', action='append', default=[],
                    help='a step that failed outside the tests; counts as one failure')
    ap.add_argument('builddirs', nargs='+')
    args = ap.parse_args()
    expected = [s for s in args.expect_suites.split(',') if s]
    expected_for = {}
    for item in args.expect_suites_for:
        build, _, suites = item.partition('=')
        expected_for[os.path.normpath(build)] = [s for s in suites.split(',') if s]

    total = [0, 0, 0]
    excerpts = []
    problems = ['step failed: ' + s for s in args.failed_step]
    total[1] += len(args.failed_step)

    print()
    print('%-14s %-10s %7s %7s %7s' % ('build', 'suite', 'passed', 'failed', 'skipped'))
    for builddir in args.builddirs:
        label = os.path.basename(os.path.normpath(builddir))
        per_suite = {}
        for entry in read_logs(builddir):
            counts = count_test(entry)
            for suite in suites_of(entry.get('name', '')):
                s = per_suite.setdefault(suite, [0, 0, 0])
                for i in range(3):
                    s[i] += counts[i]
            for i in range(3):
                total[i] += counts[i]
            if counts[1]:
                problems.append('%s: %s: %s (exit %s, %d failed)' % (
                    label, entry.get('name', '?'), entry.get('result', '?'),
                    entry.get('returncode', '?'), counts[1]))
                excerpts.append((problems[-1], excerpt(entry)))
        for suite in expected_for.get(os.path.normpath(builddir), expected):
            s = per_suite.setdefault(suite, [0, 0, 0])
            if s[0] + s[1] == 0:
                s[1] += 1
                total[1] += 1
                problems.append('%s: suite %s: no test ran' % (label, suite))
        for suite in sorted(per_suite):
            p, f, sk = per_suite[suite]
            print('%-14s %-10s %7d %7d %7d' % (label, suite, p, f, sk))

    # What each failure printed, last, so that a log cut to its end still says why.
    for title, lines in excerpts[:MAX_EXCERPTS]:
        print()
        print('--- ' + title)
        for line in lines:
            print('    ' + line)
    if len(excerpts) > MAX_EXCERPTS:
        print('--- (%d more failures; their logs are in meson-logs)' % (len(excerpts) - MAX_EXCERPTS))
    print()
    for p in problems:
        print('FAILED: ' + p)
    if total[0] + total[1] == 0:
        print('no test ran')
    print('%d skipped' % total[2])
    print('%d passed, %d failed' % (total[0], total[1]))
    return 1 if total[1] or total[0] == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
