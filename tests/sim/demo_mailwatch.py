"""`make demo`: prints the link of every email the worker writes into the mail folder
(PILOTOMAIL_MAIL_DIR, var/mail) while the demo runs: invitations and password resets, so a
newcomer can follow them without opening .eml files. Emails written before it started are left
alone. The worker writes each file whole (temporary name, then rename), so a file seen is complete.

usage: demo_mailwatch.py MAIL_DIR
"""
import email
import email.policy
import os
import re
import sys
import time

LINK_RE = re.compile(r"https?://\S+/(?:invite|password/reset)/[A-Za-z0-9_-]+")


def describe(path):
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    m = LINK_RE.search(body.get_content() if body else "")
    if not m:
        return None
    kind = "Password reset" if "/password/reset/" in m.group(0) else "Invitation"
    return "  %s for %s:\n    %s" % (kind, msg["To"], m.group(0))


def seen_now(folder):
    try:
        return {n: os.stat(os.path.join(folder, n)).st_mtime_ns for n in os.listdir(folder) if n.endswith(".eml")}
    except FileNotFoundError:
        return {}


def main(folder):
    seen = seen_now(folder)
    while True:
        time.sleep(0.5)
        now = seen_now(folder)
        for name in sorted(n for n in now if seen.get(n) != now[n]):
            try:
                line = describe(os.path.join(folder, name))
            except (OSError, ValueError):
                continue
            if line:
                print(line, flush=True)
        seen = now


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        main(sys.argv[1])
    except KeyboardInterrupt:
        pass
