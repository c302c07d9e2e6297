"""DJX `transfers` (djx.md): `person`, `direction` (out | in), `from_org` / `to_org` (an org id of the file,
or the free-text name of an organisation outside it), `letter_date`, `valid_until`, `reported_date`.
Imported into the same transfer records the pages write; the same file twice changes nothing (a letter is
the same person, direction, date and counterpart), a report date added later completes it."""
from __future__ import annotations

import datetime as dt

from .choices import Direction
from .models import Transfer


def _d(v):
    return dt.date.fromisoformat(v) if v else None


def import_transfers(imp, count) -> None:
    from dangjian.people.models import Person

    rows = [(i, r) for i, r in enumerate(imp.doc.get("transfers") or []) if isinstance(r, dict)]
    if not rows:
        return
    orgs_of = dict(Person.objects.filter(pk__in={imp.people[r["person"]] for _, r in rows}).values_list("pk", "org_id"))
    existing = {}
    if imp.match_existing:
        for t in Transfer.objects.filter(person_id__in=list(orgs_of)):
            existing[(t.person_id, t.direction, t.letter_date, t.from_org_id, t.from_name, t.to_org_id, t.to_name)] = t
    new = []
    for i, r in rows:
        pid = imp.people[r["person"]]
        ends = {}
        for side in ("from", "to"):
            value = r.get(f"{side}_org")
            org = imp.orgs.get(value) if isinstance(value, str) else None
            ends[side] = (org.pk if org else None, "" if org else (value or "").strip()[:200])
        keeper = ends["from"][0] if r["direction"] == Direction.OUT else ends["to"][0]
        keeper = keeper or orgs_of.get(pid)
        if keeper is None:
            imp.fail(f"transfers[{i}].person", "办理转接的党组织不明：本人没有所在党组织，转出（转入）党组织也不在文件中")
            continue
        letter = _d(r.get("letter_date"))
        valid = _d(r.get("valid_until"))
        reported = _d(r.get("reported_date"))
        if letter and valid and valid < letter:
            imp.fail(f"transfers[{i}].valid_until", "有效期早于开具日期")
            continue
        key = (pid, r["direction"], letter, ends["from"][0], ends["from"][1], ends["to"][0], ends["to"][1])
        t = existing.get(key)
        if t is not None:
            if (t.valid_until, t.reported_on) != (valid, reported):
                t.valid_until, t.reported_on = valid, reported
                t.save(update_fields=["valid_until", "reported_on"])
                count.updated += 1
            else:
                count.unchanged += 1
            continue
        new.append(Transfer(person_id=pid, direction=r["direction"], org_id=keeper, from_org_id=ends["from"][0],
                            from_name=ends["from"][1], to_org_id=ends["to"][0], to_name=ends["to"][1],
                            letter_date=letter, valid_until=valid, reported_on=reported))
        count.created += 1
    if not imp.errors:
        Transfer.objects.bulk_create(new, batch_size=2000)


def export_transfers(person_ids: dict[int, str], org_ids: dict[int, str]) -> list[dict]:
    out = []
    rows = Transfer.objects.filter(person_id__in=list(person_ids), cancelled_on__isnull=True).select_related(
        "from_org", "to_org").order_by("letter_date", "pk")
    for t in rows:
        def end(org, name):
            if org is not None:
                return org_ids.get(org.pk) or org.name
            return name or None
        r = {"person": person_ids[t.person_id], "direction": t.direction, "from_org": end(t.from_org, t.from_name),
             "to_org": end(t.to_org, t.to_name), "letter_date": t.letter_date and t.letter_date.isoformat(),
             "valid_until": t.valid_until and t.valid_until.isoformat(),
             "reported_date": t.reported_on and t.reported_on.isoformat()}
        out.append({k: v for k, v in r.items() if v is not None})
    return out
