#!/usr/bin/python3
"""score.py: the expectations and the table of the MTA bench.

score.py expect SCENARIOS DIR [SENT]
    prints DIR/expect.tab for the messages in DIR (<id>.eml, the final
    bounce; <id>.delay.eml, a delay notice), and for each id of the file
    SENT whose bounce never came (not found): FILE RECIPIENT CLASS REASON
    STATUS KIND, the scenario's truth.  STATUS is a full code, or a class
    digit only (the remote gave no enhanced code: the MTA writes its own),
    or "-" (not compared).
score.py table [--rebound PATH] [--markdown FILE] [--known] DIR...
    runs "rebound parse" on each DIR (tests/data/mta/<mta>, or a run's
    <mta>/out) and prints per MTA and per kind of scenario: found, hard,
    reason, status and soft recipients called hard.  --known prints instead
    each sample's disagreements (known.tab), one line each.
score.py check [--rebound PATH] DIR
    fails when a sample of DIR is worse than DIR/known.tab says.
"""
import os
import re
import subprocess
import sys

FAULTS = ("refuse", "nogreeting", "dropdata", "size", "delay")
PASSING = ("networkerror", "systemerror")
STATUS_TAB = {}
KINDS = ("rcpt status codes", "rcpt reply codes", "greeting", "ehlo", "mail",
         "data", "eom", "receivers", "faults", "local", "delay notices")


def load_scenarios(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        v = line.rstrip("\n").split("\t")
        out[v[0]] = v
    return out


def specific(status):
    """Whether src/core/status.tab gives the code a reason of its own."""
    if not STATUS_TAB:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "..", "src", "status.tab")
        for line in open(path, encoding="utf-8"):
            c = line.split()
            if c and not c[0].startswith("#"):
                STATUS_TAB[c[0]] = len(c) < 3 or c[-1] != "weak"
    for k in (status, "X" + status[1:]):
        if k in STATUS_TAB:
            return STATUS_TAB[k]
    return False


def kind_of(v, delay):
    sid, phase, src = v[0], v[1], v[8]
    if delay:
        return "delay notices"
    if phase == "local":
        return "local"
    if phase in FAULTS:
        return "faults"
    if not re.match(r"^[rgemdq]\d{3}", sid):
        return "receivers"
    if phase == "rcpt":
        return "rcpt status codes" if "-" in sid else "rcpt reply codes"
    return phase


def rcpt_of(sid, phase):
    if phase == "local":
        return sid + "@lists.example.org"
    if phase in ("greeting", "ehlo", "mail", "nogreeting", "refuse"):
        return "%s@%s.peer.test" % (sid, sid)
    return sid + "@peer.test"


def expect(scen_path, d, sent_path=None):
    sc = load_scenarios(scen_path)
    files = set(f for f in os.listdir(d) if f.endswith(".eml"))
    if sent_path:
        # A scenario sent and never bounced is in, as not found.
        files |= set(l.strip() + ".eml" for l in open(sent_path) if l.strip())
    for f in sorted(files):
        sid = f[:-4]
        delay = sid.endswith(".delay")
        if delay:
            sid = sid[:-6]
        if sid not in sc:
            continue
        v = sc[sid]
        cls, reason, status = v[5], v[6], v[7]
        if status == "-" and v[2] != "-":
            status = v[2][0]
        if delay:
            cls = "soft"
        # A passing fault retried until the MTA gave up (or still
        # retried, in a delay notice) is the expiry itself in rebound's
        # taxonomy (README, "How it decides"), unless a code that means
        # that one cause named it.
        if (delay or status[:1] == "4") and reason in PASSING and \
                not specific(status):
            reason = "expired"
        print("\t".join([f, rcpt_of(sid, v[1]), cls, reason, status,
                         kind_of(v, delay)]))


def parse(rebound, d):
    emls = sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith(".eml") and os.path.getsize(os.path.join(d, f)))
    rows = {}
    if not emls:
        return rows
    out = subprocess.run([rebound, "parse", "--format", "tsv"] + emls,
                         capture_output=True, text=True).stdout
    for line in out.splitlines()[1:]:
        c = line.split("\t")
        if len(c) >= 9:
            rows.setdefault(c[0], []).append(c)
    return rows


def judge(exp, rows):
    """The columns a sample gets wrong: found hard reason status s2h."""
    f, rcpt, cls, reason, status, kind = exp
    mine = [c for c in rows.get(f, []) if c[6].lower() == rcpt.lower()
            and c[7] in ("failed", "delayed", "")]
    if not mine:
        return ["found"], None
    c = mine[0]
    wrong = []
    hard = c[5] == "1"
    if hard != (cls == "hard"):
        wrong.append("hard")
        if hard:
            wrong.append("softcalledhard")
    if c[4] != reason:
        wrong.append("reason")
    if status != "-" and not (c[2] == status or
                              (len(status) == 1 and c[2][:1] == status)):
        wrong.append("status")
    return wrong, c


def mta_name(d):
    d = os.path.normpath(d)
    b = os.path.basename(d)
    return os.path.basename(os.path.dirname(d)) if b == "out" else b


def table(args):
    rebound = "rebound"
    md = None
    known = False
    dirs = []
    i = 0
    while i < len(args):
        if args[i] == "--rebound":
            rebound = args[i + 1]
            i += 1
        elif args[i] == "--markdown":
            md = args[i + 1]
            i += 1
        elif args[i] == "--known":
            known = True
        else:
            dirs.append(args[i])
        i += 1
    lines = []
    total_bad = 0
    for d in dirs:
        m = mta_name(d)
        rows = parse(rebound, d)
        exps = [l.rstrip("\n").split("\t")
                for l in open(os.path.join(d, "expect.tab"), encoding="utf-8")]
        stats = {}
        for e in exps:
            wrong, c = judge(e, rows)
            if known and wrong:
                got = "\t".join(c[2:6]) if c else "-"
                print("%s\t%s\t%s" % (e[0], ",".join(wrong), got))
            s = stats.setdefault(e[5], [0, 0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += "found" not in wrong
            s[2] += c is not None and "hard" not in wrong
            s[3] += c is not None and "reason" not in wrong
            s[4] += c is not None and "status" not in wrong
            s[5] += "softcalledhard" in wrong
        for k in KINDS + tuple(sorted(set(stats) - set(KINDS))):
            if k in stats:
                lines.append([m, k] + stats[k])
        t = [sum(s[j] for s in stats.values()) for j in range(6)]
        lines.append([m, "all"] + t)
    if known:
        return
    hdr = ["mta", "kind", "n", "found", "hard", "reason", "status",
           "soft called hard"]
    w = [max(len(str(x)) for x in col) for col in zip(hdr, *lines)]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)))
    for l in lines:
        print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(l)))
    if md:
        with open(md, "w") as f:
            f.write("| " + " | ".join(hdr) + " |\n")
            f.write("|" + "---|" * len(hdr) + "\n")
            for l in lines:
                n = l[2]
                cells = l[:3] + ["%d (%d%%)" % (x, 100 * x // n) if n else "0"
                                 for x in l[3:7]] + [str(l[7])]
                f.write("| " + " | ".join(map(str, cells)) + " |\n")


def check(args):
    """Each sample of DIR no worse than DIR/known.tab: a column it got
    right then is right now.  Prints "worse" and "better" lines."""
    rebound = args[args.index("--rebound") + 1] if "--rebound" in args \
        else "rebound"
    d = args[-1]
    known = {}
    kp = os.path.join(d, "known.tab")
    if os.path.exists(kp):
        for l in open(kp, encoding="utf-8"):
            c = l.rstrip("\n").split("\t")
            known[c[0]] = set(c[1].split(","))
    rows = parse(rebound, d)
    worse = 0
    n = 0
    for l in open(os.path.join(d, "expect.tab"), encoding="utf-8"):
        e = l.rstrip("\n").split("\t")
        n += 1
        wrong, c = judge(e, rows)
        now = set(wrong)
        was = known.get(e[0], set())
        got = "\t".join(c[2:7]) if c else "no row"
        if now - was:
            worse += 1
            print("worse\t%s\t%s\t(known: %s)\t%s" %
                  (e[0], ",".join(sorted(now)), ",".join(sorted(was)) or "-", got))
        elif was - now:
            print("better\t%s\t%s\t(known: %s)" %
                  (e[0], ",".join(sorted(now)) or "-", ",".join(sorted(was))))
    print("samples\t%d" % n)
    sys.exit(1 if worse else 0)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "expect":
        expect(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif len(sys.argv) >= 2 and sys.argv[1] == "table":
        table(sys.argv[2:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        check(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
