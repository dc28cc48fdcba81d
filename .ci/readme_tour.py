#!/usr/bin/env python3
"""Run the README's curl tour against a live `make run`, the way a newcomer pastes it.

    python3 .ci/readme_tour.py [--port 8000] [--runs 2] [--verbose]

The tour is every ```sh block of README.md from the heading "## A tour of the API with curl" to the
next level-2 heading (its ### subsections included), in order, run in ONE bash session under
`set -euo pipefail` with nothing but bash, curl and python3, so each block sees the variables of the
blocks before it exactly as one terminal would.

The README announces a failure by ending the curl command's last line with `# <status> <code>`, e.g.

    curl -s -X POST $B/api/v1/bundles/$BUNDLE/submit/ -H "$AUTH"   # 400 incomplete

Every other request must answer below 400. A `curl` function stands in for curl: it records the
status of each call, and an announced one must answer that status with that `code` in its body (an
announcement that is not answered as announced fails the tour as much as an unannounced 401).
`--runs 2` runs the tour twice on the same server, because a newcomer runs it again.

Standard library only: CI runs it with the system's python3 while `make run` is serving.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
TOUR_HEADING = "## A tour of the API with curl"
TOKEN = re.compile(r"(Token [0-9a-f]{8})[0-9a-f]+")
# The tour must reach the stand-in, not the binary behind it.
BYPASS = re.compile(r"\bcommand\s+curl\b|/curl\b|\\curl\b")
# `# 409 unanswered_comments` at the end of a line, after the command (words may follow the code).
ANNOUNCED = re.compile(r"\s#\s*(?P<status>[1-5]\d\d)\s+(?P<code>[a-z][a-z0-9_]*)\b[^#]*$")

# Stands in for curl inside the tour. The announcement is handed over in a file, not a variable,
# because the command it belongs to usually runs curl in a subshell (`X=$(curl ...)`, a pipe).
PRELUDE = r"""
set -euo pipefail
__tour_expect() {  # __tour_expect STATUS CODE README_LINE: the README announces the next call's failure
  if [ -e "$TOUR_DIR/expect" ]; then
    echo "README.md:$(cut -f3 "$TOUR_DIR/expect"): announced failure never requested" >&2; return 1
  fi
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" > "$TOUR_DIR/expect"
}
curl() {
  local expect=$'\t\t' want code body status rc=0 args="${*//$'\n'/ }"
  if [ -e "$TOUR_DIR/expect" ]; then expect=$(cat "$TOUR_DIR/expect"); rm -f "$TOUR_DIR/expect"; fi
  want=$(cut -f1 <<<"$expect"); code=$(cut -f2 <<<"$expect")
  body=$(mktemp "$TOUR_DIR/body.XXXXXX")
  status=$(command curl -o "$body" -w '%{http_code}' "$@") || rc=$?
  cat "$body"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${BASH_LINENO[0]}" "${status:-000}" "$rc" "$body" "$expect" "$args" \
    >> "$TOUR_DIR/calls"
  if [ "$rc" != 0 ]; then
    echo "tour: curl exited $rc: curl $args" >&2; return "$rc"
  elif [ -n "$want" ] && [ "$status" != "$want" ]; then
    echo "tour: answered $status, the README announces $want: curl $args" >&2; return 22
  elif [ -n "$want" ] && ! python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])).get("code") != sys.argv[2])' \
      "$body" "$code" 2>/dev/null; then
    echo "tour: answered $status without the code $code the README announces: curl $args" >&2; return 22
  elif [ -z "$want" ] && [ "$status" -ge 400 ]; then
    echo "tour: answered $status, which the README does not announce: curl $args" >&2; return 22
  fi
}
"""

EPILOGUE = r"""
if [ -e "$TOUR_DIR/expect" ]; then
  echo "README.md:$(cut -f3 "$TOUR_DIR/expect"): announced failure never requested" >&2; exit 1
fi
touch "$TOUR_DIR/finished"
"""


@dataclass
class Script:
    text: str
    readme_line: dict[int, int]  # script line -> README line
    announced: int


def tour_blocks(readme: str) -> list[tuple[int, list[str]]]:
    """(README line of the block's first line, its lines) for every ```sh block of the tour section."""
    lines = readme.splitlines()
    try:
        start = lines.index(TOUR_HEADING)
    except ValueError:
        raise SystemExit(f"README.md has no heading {TOUR_HEADING!r}") from None
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if current is None:
            if line.startswith("## "):
                break
            if line.strip() == "```sh":
                current, first = [], number + 1
        elif line.strip() == "```":
            blocks.append((first, current))
            current = None
        else:
            current.append(line)
    if current is not None:
        raise SystemExit("README.md: a ```sh block of the tour is not closed")
    if not blocks:
        raise SystemExit("README.md: the tour has no ```sh blocks")
    return blocks


def build_script(readme: str) -> Script:
    out: list[str] = PRELUDE.strip("\n").splitlines()
    mapping: dict[int, int] = {}
    announced = 0
    for first, lines in tour_blocks(readme):
        for i, line in enumerate(lines):
            if BYPASS.search(line):
                raise SystemExit(f"README.md:{first + i}: call curl by its name, so the tour can be checked")
        inserts: dict[int, str] = {}
        for i, line in enumerate(lines):
            match = ANNOUNCED.search(line)
            if not match:
                continue
            # The command starts where the backslash continuations that lead to this line start.
            start = i
            while start > 0 and lines[start - 1].rstrip().endswith("\\"):
                start -= 1
            if "curl " not in " ".join(lines[start : i + 1]):
                raise SystemExit(f"README.md:{first + i}: an announced failure on a line that is not curl")
            indent = re.match(r"\s*", lines[start]).group(0)
            inserts[start] = f"{indent}__tour_expect {match['status']} {match['code']} {first + i}"
            announced += 1
        for i, line in enumerate(lines):
            if i in inserts:
                out.append(inserts[i])
                mapping[len(out)] = first + i
            out.append(line)
            mapping[len(out)] = first + i
    out.extend(EPILOGUE.strip("\n").splitlines())
    return Script("\n".join(out) + "\n", mapping, announced)


def shorter(text: str, limit: int = 400) -> str:
    """A line fit for a CI log: tokens masked, long JSON answers cut."""
    text = TOKEN.sub(r"\1…", text)
    return text if len(text) <= limit else text[:limit] + " …"


def body_code(path: str) -> str | None:
    try:
        return json.loads(Path(path).read_text()).get("code")
    except (OSError, ValueError, AttributeError):
        return None


def run_once(script: Script, base_port: str, verbose: bool) -> list[str]:
    """Run the tour once; the problems found (none: it ran as written)."""
    with tempfile.TemporaryDirectory(prefix="readme-tour-") as tmp:
        tour_dir = Path(tmp)
        (tour_dir / "tour.sh").write_text(script.text)
        (tour_dir / "calls").touch()
        env = {**os.environ, "TOUR_DIR": str(tour_dir), "PORT": base_port}
        bash = shutil.which("bash") or "/bin/bash"
        done = subprocess.run(  # noqa: S603 - the README's own tour, which is what is being checked
            [bash, "--noprofile", "--norc", str(tour_dir / "tour.sh")],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if verbose:
            print(done.stdout)
        problems: list[str] = []
        calls = [line.split("\t", 7) for line in (tour_dir / "calls").read_text().splitlines()]
        for script_line, status, rc, body, want, want_code, announced_at, args in calls:
            where = f"README.md:{announced_at or script.readme_line.get(int(script_line), '?')}"
            got_code = body_code(body)
            if rc != "0":
                problems.append(f"{where}: curl exited {rc}: curl {shorter(args)}")
            elif want and (status != want or got_code != want_code):
                problems.append(
                    f"{where}: answered {status} {got_code}, announced {want} {want_code}: curl {shorter(args)}"
                )
            elif not want and int(status) >= 400:
                problems.append(f"{where}: answered {status} {got_code}, not announced: curl {shorter(args)}")
        if done.returncode != 0 or not (tour_dir / "finished").exists():
            problems.append(f"the tour stopped (bash exited {done.returncode}); its last words:")
            last = (done.stdout.rstrip() + "\n" + done.stderr).splitlines()[-12:]
            problems.extend("  " + shorter(line) for line in last)
        elif sum(1 for call in calls if call[4]) != script.announced:
            problems.append("some announced failures were never requested")
        if not problems:
            print(f"  {len(calls)} requests, {script.announced} of them announced failures, all as announced")
        return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"), help="the port make run serves")
    parser.add_argument("--runs", type=int, default=1, help="run the tour this many times in a row")
    parser.add_argument("--verbose", action="store_true", help="print what the tour prints")
    parser.add_argument("--readme", type=Path, default=README, help="another copy of the README")
    args = parser.parse_args()
    script = build_script(args.readme.read_text())
    for run in range(1, args.runs + 1):
        print(f"README tour, run {run} of {args.runs}, on 127.0.0.1:{args.port}")
        problems = run_once(script, args.port, args.verbose)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
