#!/usr/bin/env python3
"""Summarises a JFR recording's execution samples: the methods on top of the stack (where CPU time is spent)
and the most frequent whole stacks (their first frames, line numbers left out). Standard library only.

    bench/jfr_top.py <recording.jfr> [frames-per-stack] [stacks]
"""
import collections
import re
import subprocess
import sys

path = sys.argv[1]
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 12
shown = int(sys.argv[3]) if len(sys.argv) > 3 else 15
out = subprocess.run(["jfr", "print", "--stack-depth", str(depth), "--events", "jdk.ExecutionSample", path],
                     capture_output=True, text=True, check=True).stdout
stacks, tops, frames, inside = collections.Counter(), collections.Counter(), [], False
for line in out.splitlines():
    line = line.strip()
    if line.startswith("stackTrace = ["):
        frames, inside = [], True
    elif inside and line.startswith("]"):
        inside = False
        if frames:
            stacks[tuple(frames[:depth])] += 1
            tops[frames[0]] += 1
    elif inside and line != "...":
        frames.append(re.sub(r"\s+line:.*", "", line))
total = sum(stacks.values())
print(f"{total} execution samples, {len(stacks)} distinct stacks (first {depth} frames)")
print(f"\nthe 30 methods most often on top of the stack:")
for frame, n in tops.most_common(30):
    print(f"{n:7d} {100 * n / max(1, total):5.1f}%  {frame}")
print(f"\nthe {shown} most frequent stacks:")
for stack, n in stacks.most_common(shown):
    print(f"\n{n} samples ({100 * n / max(1, total):.1f}%)")
    for frame in stack:
        print("    " + frame)
