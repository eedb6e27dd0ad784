"""A TAP report for the interop checks written in Python: check() runs one named check
and records whether it raised; report() prints the plan and the results and exits."""
import sys

_results = []


def check(name, fn):
    try:
        fn()
        _results.append((True, name, ""))
    except Exception as e:  # a failed check, reported as a TAP "not ok"
        _results.append((False, name, "%s: %s" % (type(e).__name__, e)))


def report():
    print("1..%d" % len(_results))
    for i, (good, name, why) in enumerate(_results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        for line in why.splitlines():
            print("# " + line)
    sys.exit(0 if all(r[0] for r in _results) else 1)
