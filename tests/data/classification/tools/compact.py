#!/usr/bin/env python3
"""Convert the compact labelled-message notation into JSONL and print a
due-date check sheet (local date + weekday of each message next to its label).

Compact line: kind pri due assignees lang ts tz | text
  pri: l n h u; due: MM-DD (2026), YY-MM-DD, or '-'; assignees: a,b or '-'
  ts: MM-DDTHH:MM (2026) or YY-MM-DDTHH:MM, UTC; tz: K (Kyiv) L (London) N (New York)
"""
import json, sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

TZ = {"K": "Europe/Kyiv", "L": "Europe/London", "N": "America/New_York"}
PRI = {"l": "low", "n": "normal", "h": "high", "u": "urgent"}

def full(d):
    return ("20" + d) if d.count("-") == 2 and len(d.split("-")[0]) == 2 else "2026-" + d

def main(src, dst):
    out = []
    for n, line in enumerate(open(src, encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        head, text = line.rstrip("\n").split(" | ", 1)
        kind, pri, due, asg, lang, ts, tz = head.split()
        date, hm = ts.split("T")
        sent = f"{full(date)}T{hm}:00Z"
        due_full = None if due == "-" else full(due)
        rec = {"text": text, "lang": lang, "sent_at": sent, "tz": TZ[tz], "kind": kind,
               "due": due_full, "assignees": [] if asg == "-" else asg.split(","),
               "priority": PRI[pri]}
        assert kind in ("task", "bug", "question", "info", "chatter"), n
        assert lang in ("en", "uk"), n
        out.append(rec)
        if due_full or "--check" in sys.argv:
            local = datetime.fromisoformat(sent.replace("Z", "+00:00")).astimezone(ZoneInfo(TZ[tz]))
            dd = datetime.fromisoformat(due_full).date() if due_full else None
            delta = (dd - local.date()).days if dd else ""
            print(f"{n:4} {local:%a %m-%d %H:%M} -> {dd and dd.strftime('%a %Y-%m-%d')} (+{delta}) {text[:90]}")
    with open(dst, "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    uk = sum(r["lang"] == "uk" for r in out)
    print(f"{len(out)} records, {uk} uk", file=sys.stderr)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
