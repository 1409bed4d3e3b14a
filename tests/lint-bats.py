#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lint the bats suites for assertions that cannot fail (TAP output).

bats runs a test under errexit, but bash ignores a failure on the left of
`&&`: `[ "$status" -eq 0 ] && [ "$output" = x ]` passes when the status is
wrong, unless it is the test's last command.  And `skip` (or a helper that
skips) inside `$(...)` only leaves the subshell: the test goes on.  Each
test body is split into statements outside quotes and `$(...)`/`(...)`;
a statement with `&&` is refused unless it is the body's last, a
condition (if/while/until), ends in control flow (`&& break`), or has a
`||` fallback after it.
"""
import re
import sys

SKIPPERS = ("skip", "require", "require_selector")
CONTROL = re.compile(r"&&\s*(break|continue|return 0)\s*$")
COMPOUND = re.compile(r"^\s*(if|elif|while|until)\b")


def statements(body):
    """Yield (line number, text) of each statement of BODY, a list of
    (lineno, line), split at newlines and `;` outside quotes and parens."""
    cur, start, depth, quote = [], None, 0, None
    for lineno, line in body:
        i = 0
        if start is None:
            start = lineno
        while i < len(line):
            c = line[i]
            if quote == "'":
                quote = None if c == "'" else quote
            elif c == "\\":
                cur.append(line[i : i + 2])
                i += 2
                continue
            elif quote == '"' and c == '"':
                quote = None
            elif quote is None and c in "'\"":
                quote = c
            elif quote is None and c == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif quote is None and depth == 0 and c == ";" and line[i : i + 2] != ";;":
                yield start, "".join(cur)
                cur, start = [], lineno
                i += 1
                continue
            cur.append(c)
            i += 1
        text = "".join(cur).rstrip()
        if quote or depth > 0 or re.search(r"(\\|&&|\|\||\|)$", text):
            cur.append("\n")
            continue
        yield start, text
        cur, start = [], None


def top_level(text):
    """TEXT with quoted strings and parenthesised parts blanked."""
    out, depth, quote = [], 0, None
    for c in text:
        if quote:
            quote = None if c == quote else quote
            out.append(" ")
        elif c in "'\"":
            quote = c
            out.append(" ")
        elif c == "(":
            depth += 1
            out.append(" ")
        elif c == ")":
            depth -= 1
            out.append(" ")
        else:
            out.append(" " if depth else c)
    return "".join(out)


def check(path):
    problems = []
    lines = open(path, encoding="utf-8").read().split("\n")
    body = None
    for n, line in enumerate(lines, 1):
        if line.startswith("@test "):
            body = []
        elif body is not None and line == "}":
            stmts = [s for s in statements(body) if s[1].strip()]
            for k, (lineno, text) in enumerate(stmts):
                flat = top_level(text)
                last = k == len(stmts) - 1
                if "&&" in flat and not last and not COMPOUND.match(flat) \
                        and not CONTROL.search(flat) \
                        and "||" not in flat.split("&&")[-1]:
                    problems.append(f"{path}:{lineno}: `&&` before the test's end: {text.strip()[:80]}")
            body = None
        elif body is not None:
            body.append((n, line))
        for m in re.finditer(r"\$\(\s*(\w+)", line):
            if m.group(1) in SKIPPERS:
                problems.append(f"{path}:{n}: `{m.group(1)}` inside $(...) skips nothing")
    return problems


def main(paths):
    problems = [p for path in paths for p in check(path)]
    print(f"1..{len(paths) + 1}")
    for i, path in enumerate(paths, 1):
        mine = [p for p in problems if p.startswith(path + ":")]
        print(f"{'not ok' if mine else 'ok'} {i} - {path}")
        for p in mine:
            print(f"# {p}")
    # The lint itself must catch the patterns it is for.
    probe = check_text('@test "x" {\n\t[ 1 -eq 2 ] && [ 1 -eq 1 ]\n\ttrue\n}\n'
                       '@test "y" {\n\tv=$(skip)\n}\n')
    print(f"{'ok' if len(probe) == 2 else 'not ok'} {len(paths) + 1} - the lint finds both patterns in a sample")
    return 1 if problems or len(probe) != 2 else 0


def check_text(text):
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".bats", delete=True) as f:
        f.write(text)
        f.flush()
        return check(f.name)


if __name__ == "__main__":
    import glob
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(main(sys.argv[1:] or sorted(glob.glob(os.path.join(here, "bats", "*.bats")))))
