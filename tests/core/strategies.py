"""Hypothesis strategies that generate valid plans (as raw JSON data)."""

from datetime import date, timedelta

from hypothesis import strategies as st

from cadence.model import ASSET_KINDS, CHANNELS, REQUEST_STATUSES, ROLL_POLICIES, WEEKDAYS

ids = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True)
names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda s: s.strip())
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
times = st.one_of(st.none(), st.times().map(lambda t: f"{t.hour:02d}:{t.minute:02d}"))


@st.composite
def raw_plans(draw):
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 400)))
    team_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    # The content library's ids; a touch may also name one the library lacks ("missing").
    asset_ids = draw(st.lists(ids, max_size=3, unique=True))
    teams = [
        {
            "id": t,
            "name": draw(names),
            "color": draw(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)),
            "weekly_capacity": draw(st.one_of(st.none(), st.integers(0, 500))),
        }
        for t in team_ids
    ]
    products = []
    for pid in draw(st.lists(ids, min_size=0, max_size=3, unique=True)):
        stage_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
        stages = []
        for sid in stage_ids:
            stage = {
                "id": sid,
                "name": draw(names),
                "days": draw(st.integers(1, 40)),
                "owner": draw(st.one_of(st.none(), st.sampled_from(team_ids))),
                "conversion": draw(st.floats(0, 1, allow_nan=False)),
            }
            if draw(st.booleans()):
                stage["max_silence_days"] = draw(st.integers(1, 30))
            stages.append(stage)
        touches = []
        for tid in draw(st.lists(ids, max_size=4, unique=True)):
            stage = draw(st.sampled_from(stages))
            touch = {
                "id": tid,
                "name": draw(names),
                "channel": draw(st.sampled_from(CHANNELS)),
                "owner": draw(st.sampled_from(team_ids)),
                "stage": stage["id"],
                "offset_days": draw(st.integers(0, stage["days"] - 1)),
                "every_days": draw(st.one_of(st.none(), st.integers(1, 10))),
                "time": draw(times),
                "automated": draw(st.booleans()),
            }
            roll = draw(st.one_of(st.none(), st.sampled_from(ROLL_POLICIES)))
            if roll is not None:
                touch["roll"] = roll
            asset = draw(st.one_of(st.none(), st.sampled_from([*asset_ids, "gone"])))
            if asset is not None:
                touch["asset"] = asset
            touches.append(touch)
        if draw(st.booleans()):
            cohorts = {
                "start": draw(days).isoformat(),
                "every_days": draw(st.integers(1, 30)),
                "count": draw(st.integers(1, 20)),
                "size": draw(st.integers(1, 200)),
            }
        else:
            cohorts = {
                "dates": [d.isoformat() for d in draw(st.lists(days, max_size=4, unique=True))],
                "size": draw(st.integers(1, 200)),
            }
        products.append(
            {
                "id": pid,
                "name": draw(names),
                "lead_definition": draw(st.text(max_size=30)),
                "stages": stages,
                "touches": touches,
                "cohorts": cohorts,
            }
        )
    product_ids = [p["id"] for p in products]
    broadcasts = []
    for bid in draw(st.lists(ids, max_size=2, unique=True)):
        b = {
            "id": bid,
            "name": draw(names),
            "channel": draw(st.sampled_from(CHANNELS)),
            "owner": draw(st.sampled_from(team_ids)),
            "rrule": draw(st.sampled_from(["FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=1TU"])),
            "dtstart": draw(days).isoformat(),
            "time": draw(times),
            "automated": draw(st.booleans()),
        }
        if draw(st.booleans()):
            b["products"] = (
                draw(st.lists(st.sampled_from(product_ids), unique=True)) if product_ids else []
            )
        broadcasts.append(b)
    requests = []
    if products:
        for rid in draw(st.lists(ids, max_size=2, unique=True)):
            product = draw(st.sampled_from(products))
            on = draw(days)
            status = draw(st.sampled_from(REQUEST_STATUSES))
            requests.append(
                {
                    "id": rid,
                    "title": draw(names),
                    "product": product["id"],
                    "stage": draw(st.sampled_from(product["stages"]))["id"],
                    "requested_by": draw(st.sampled_from(team_ids)),
                    "requested_on": on.isoformat(),
                    "needed_by": (on + timedelta(days=draw(st.integers(0, 30)))).isoformat(),
                    "production_days": draw(st.integers(1, 5)),
                    "status": status,
                    "start": (on + timedelta(days=3)).isoformat()
                    if status in ("scheduled", "in_production", "delivered")
                    else None,
                    "note": draw(st.text(max_size=20)),
                }
            )
    content = []
    for aid in asset_ids:
        ready = draw(days)
        asset = {
            "id": aid,
            "title": draw(names),
            "kind": draw(st.sampled_from(list(ASSET_KINDS))),
            "owner": draw(st.sampled_from(team_ids)),
            "ready_on": ready.isoformat(),
        }
        if products and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(products), min_size=1, max_size=2))
            asset["products"] = sorted({p["id"] for p in chosen})
            stage_ids = sorted({s["id"] for p in chosen for s in p["stages"]})
            if draw(st.booleans()):
                asset["stages"] = draw(
                    st.lists(st.sampled_from(stage_ids), min_size=1, max_size=2, unique=True)
                )
        if draw(st.booleans()):
            asset["persona"] = draw(st.sampled_from(["CFO", "IT"]))
        if draw(st.booleans()):
            asset["review_by"] = (ready + timedelta(days=draw(st.integers(0, 200)))).isoformat()
        if draw(st.booleans()):
            asset["url"] = "https://example.com/" + aid
        content.append(asset)
    return {
        "cadence": 1,
        "id": draw(ids),
        "name": draw(names),
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "calendar": {
            "workdays": draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True)),
            "holidays": draw(
                st.sampled_from([None, {"country": "DE", "subdivision": "BE"}, {"country": "US"}])
            ),
            "blackouts": [
                {
                    "name": draw(names),
                    "start": d.isoformat(),
                    "end": (d + timedelta(days=3)).isoformat(),
                }
                for d in draw(st.lists(days, max_size=2))
            ],
            "roll": draw(st.sampled_from(ROLL_POLICIES)),
        },
        "rules": {
            "min_spacing_days": draw(st.one_of(st.none(), st.integers(1, 5))),
            "max_silence_days": draw(st.one_of(st.none(), st.integers(1, 30))),
            "handoff_sla_days": draw(st.one_of(st.none(), st.integers(0, 5))),
        },
        "teams": teams,
        "products": products,
        "broadcasts": broadcasts,
        "studio": {"team": team_ids[0], "capacity_per_day": 1, "min_lead_days": 2}
        if draw(st.booleans())
        else None,
        "requests": requests,
        "content": content,
    }
