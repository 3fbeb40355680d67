#!/usr/bin/env python3
"""The layout in numbers: files and lines per folder, and the include
graph between folders with the edges that run against the layers'
direction (see Makefile.am: util <- sets <- ipc <- parser; util <- engine/ct <-
engine <- extensions/lib <- extensions <- io <- daemon <- cmd).

    scripts/layout-report.py [TREE]      (default: this checkout)

TREE may be any checkout (e.g. `git worktree add /tmp/old REV`), also one
from before the layers existed: an include is resolved against the
including file's folder first (as the compiler does), then by name."""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), '..'))
FOLDERS = ['util', 'sets', 'ipc', 'parser', 'engine/ct', 'engine', 'extensions/lib',
           'extensions', 'io', 'daemon', 'cmd']
# what each layer may include besides itself
ALLOWED = {
    'util': set(),
    'sets': {'util'},
    'ipc': {'util', 'sets'},
    'parser': {'util', 'sets', 'ipc'},
    'engine/ct': {'util'},
    'engine': {'util', 'sets', 'ipc', 'parser', 'engine/ct'},
    'extensions/lib': {'util', 'sets', 'ipc', 'parser', 'engine/ct',
                       'engine'},
    'extensions': {'util', 'sets', 'ipc', 'parser', 'engine/ct', 'engine',
                   'extensions/lib'},
    'io': {'util', 'sets', 'ipc', 'parser', 'engine/ct', 'engine'},
    'daemon': {'util', 'sets', 'ipc', 'parser', 'engine/ct', 'engine',
               'extensions/lib', 'extensions', 'io'},
    'cmd': set(FOLDERS) - {'cmd'},
}


def folder_of(rel):
    best = None
    for f in FOLDERS:
        if rel.startswith(f + '/') and '/' not in rel[len(f) + 1:]:
            best = f
    return best


def sources():
    for f in FOLDERS:
        d = os.path.join(ROOT, f)
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            if n.endswith(('.c', '.h', '.y', '.l')):
                yield f, os.path.join(f, n)


def main():
    files = list(sources())
    by_name = {}
    for f, rel in files:
        by_name.setdefault(os.path.basename(rel), rel)
    stats = {}
    edges = {}
    for f, rel in files:
        text = open(os.path.join(ROOT, rel), errors='replace').read()
        s = stats.setdefault(f, [0, 0])
        s[0] += 1
        s[1] += text.count('\n')
        for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
            here = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            if os.path.exists(os.path.join(ROOT, here)):
                target = here
            else:
                target = by_name.get(os.path.basename(inc))
            g = folder_of(target) if target else None
            if g and g != f:
                edges[(f, g)] = edges.get((f, g), 0) + 1
    print('| folder | files | lines |')
    print('|---|---:|---:|')
    for f in FOLDERS:
        if f in stats:
            print('| %s | %d | %d |' % (f, stats[f][0], stats[f][1]))
    print()
    print('| includes from | into | count | direction |')
    print('|---|---|---:|---|')
    against = 0
    for (f, g), n in sorted(edges.items()):
        ok = g in ALLOWED.get(f, set())
        against += 0 if ok else n
        print('| %s | %s | %d | %s |' % (f, g, n, 'down' if ok else 'AGAINST'))
    print()
    print('%d includes against the direction' % against)


main()
