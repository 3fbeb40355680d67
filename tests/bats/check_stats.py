#!/usr/bin/env python3
"""Check `qtables --stats -o json` and `-o prometheus` output.

    check_stats.py SCHEMA JSON_FILE PROM_FILE

The JSON must be valid against SCHEMA (and the schema must refuse a broken
copy of it, so that it checks something); the Prometheus text must parse
with prometheus_client's parser; both must hold the same families, types,
label sets and values, except that the counters of control requests and
connections count the JSON request itself: the Prometheus answer, asked
right after, must be exactly one more. Prints "family{labels} value" per sample, sorted,
for the caller to grep.
"""
import copy
import json
import sys

import jsonschema
from prometheus_client.parser import text_string_to_metric_families

SELF_COUNTING = ("qtables_control_requests_total",
                 "qtables_control_connections_total")


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    prom = open(sys.argv[3]).read()

    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    validator.validate(doc)
    for breakage in ("negative", "untyped", "counter-name"):
        bad = copy.deepcopy(doc)
        fam = bad["metrics"][0]
        if breakage == "negative":
            fam["samples"][0]["value"] = -1
        elif breakage == "untyped":
            fam["type"] = "histogram"
        else:
            fam["type"] = "counter"    # a counter's name ends in _total
        if validator.is_valid(bad):
            sys.exit("the schema accepts a broken document (%s)" % breakage)

    from_json = {}
    for fam in doc["metrics"]:
        for s in fam["samples"]:
            key = (fam["name"], fam["type"], tuple(sorted(s["labels"].items())))
            from_json[key] = s["value"]

    from_prom = {}
    for fam in text_string_to_metric_families(prom):
        for s in fam.samples:
            if s.name.endswith("_created"):
                continue
            key = (s.name, fam.type, tuple(sorted(s.labels.items())))
            from_prom[key] = int(s.value)

    # the JSON request was answered between the two snapshots
    for name in SELF_COUNTING:
        key = (name, "counter", ())
        if key not in from_json or key not in from_prom:
            sys.exit("%s missing" % name)
        if from_prom[key] != from_json[key] + 1:
            sys.exit("%s: json %d, prometheus %d (asked right after: one more)"
                     % (name, from_json[key], from_prom[key]))
        from_prom[key] = from_json[key]

    if from_json != from_prom:
        only_j = set(from_json.items()) - set(from_prom.items())
        only_p = set(from_prom.items()) - set(from_json.items())
        sys.exit("json and prometheus differ:\n json only: %s\n prometheus only: %s"
                 % (sorted(only_j)[:10], sorted(only_p)[:10]))
    for (name, _, labels), v in sorted(from_json.items()):
        lab = ",".join('%s="%s"' % kv for kv in labels)
        print("%s{%s} %d" % (name, lab, v))


if __name__ == "__main__":
    main()
