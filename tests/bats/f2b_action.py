#!/usr/bin/python3
"""Print one command of a fail2ban action as fail2ban 1.0.2 itself renders
it (its own ActionReader and CommandAction on /etc/fail2ban), for the
tests that then run it with sh -c as fail2ban does:

    f2b_action.py ACTION JAIL actionstart|actionstop|actionban|actionunban [IP]
"""
import sys

from fail2ban.client.actionreader import ActionReader
from fail2ban.server.action import CommandAction


def main():
    action, jail, what = sys.argv[1:4]
    ip = sys.argv[4] if len(sys.argv) > 4 else None
    reader = ActionReader(action, jail, {}, basedir="/etc/fail2ban")
    if not reader.read():
        sys.exit("no action " + action)
    reader.getOptions({})
    a = CommandAction(None, action)
    for x in reader.convert():
        if x[0] == "multi-set":
            for k, v in x[4]:
                setattr(a, k, v)
    cond = "family=inet4"
    cmd = a.replaceTag(getattr(a, what), a._properties, conditional=cond,
                       cache=a._substCache)
    if ip is not None:
        cmd = a.replaceDynamicTags(cmd, {"ip": ip, "family": "inet4"})
    print(cmd)


if __name__ == "__main__":
    main()
