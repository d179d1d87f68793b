#!/usr/bin/env python3
"""The house rule on size: no Swift file in Sources over 400 lines and no function or initialiser over 80 lines,
except the ones named below with the reason they stay whole. Run by Scripts/test; exits 1 and names each offender."""
import os
import re
import sys

FILE_LIMIT = 400
FUNCTION_LIMIT = 80
# (path, function) -> why it stays one piece.
EXEMPT = {
    ("Sources/DepotCore/CSV/CSVReader.swift", "next"):
        "the import's inner loop (docs/performance.md): one state machine over the bytes of a buffer, kept in one piece so "
        "its states read side by side and nothing is called per byte",
    ("Sources/DepotStore/Schema.swift", "v1"):
        "the first migration's DDL as applied: an applied migration is never edited, only followed by new ones",
}
EXEMPT_FILES = {
    "Sources/DepotStore/Schema.swift": "the migrations, in order; applied ones are frozen (see v1 above)",
}

DECLARATION = re.compile(
    r"\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|class|mutating|override|final|nonisolated)\s+)*"
    r"(?:func\s+(\w+)|(init)[?!]?)\s*[<(]")


def functions(lines):
    """(name, first line, length) of each function body, found by counting braces (strings with braces are rare
    enough in this code base for a size check)."""
    i = 0
    while i < len(lines):
        match = DECLARATION.match(lines[i])
        if not match:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            for ch in lines[j]:
                if ch == "{":
                    depth += 1
                    started = True
                elif ch == "}":
                    depth -= 1
            if started and depth <= 0:
                break
            j += 1
        if started:
            yield match.group(1) or match.group(2), i + 1, j - i + 1
            i = j + 1
        else:
            i += 1


def main():
    problems = []
    for root, _, files in os.walk("Sources"):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(root, name)
            lines = open(path, encoding="utf-8").read().split("\n")
            if len(lines) > FILE_LIMIT and path not in EXEMPT_FILES:
                problems.append(f"{path}: {len(lines)} lines (at most {FILE_LIMIT}): split it where a reader would stop")
            for function, line, length in functions(lines):
                if length > FUNCTION_LIMIT and (path, function) not in EXEMPT:
                    problems.append(f"{path}:{line}: {function} has {length} lines (at most {FUNCTION_LIMIT})")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"sizes: every file at most {FILE_LIMIT} lines, every function at most {FUNCTION_LIMIT} "
          f"({len(EXEMPT)} functions exempt, with reasons)")


if __name__ == "__main__":
    main()
