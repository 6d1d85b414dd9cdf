#!/usr/bin/env python3
"""tests/integration/columns.py FILE REGEX...: are the columns aligned?

For each REGEX (Python syntax, one capture group), the first line of FILE
that matches it, and the display column at which its group starts: the
display width of everything before it on the line, counted as a terminal
does (East Asian wide and fullwidth characters two columns, combining marks
none, everything else one), by Python's own Unicode tables, not by the code
under test. Prints "COLUMN  REGEX" for each; exit 0 if every REGEX matched
and all the columns are the same, 1 otherwise (2 on bad usage). FILE must be
valid UTF-8 (a character cut in the middle fails here).
"""
import re
import sys
import unicodedata


def width(text):
    w = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    try:
        lines = data.decode("utf-8", errors="strict").split("\n")
    except UnicodeDecodeError as e:
        print(f"columns: {argv[1]} is not valid UTF-8: {e}", file=sys.stderr)
        return 1
    cols = []
    for pattern in argv[2:]:
        rx = re.compile(pattern)
        for line in lines:
            m = rx.search(line)
            if m:
                cols.append(width(line[: m.start(1)]))
                print(f"{cols[-1]:4d}  {pattern}   | {line}")
                break
        else:
            print(f"columns: no line matches {pattern!r}", file=sys.stderr)
            return 1
    if len(set(cols)) != 1:
        print(f"columns: not aligned: {cols}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
