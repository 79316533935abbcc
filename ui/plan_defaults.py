"""What a plan made with File ▸ New starts with: the rules on, the user's zone and country.

The core never reads the machine's settings; the app reads them here (the UI
edge) and passes them in. ``new_plan_defaults(plan)`` gives the plan the
default rules (documented in docs/plan-format.md), the system time zone and
the public holidays of the system locale's country when the ``holidays``
package knows it.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale, QTimeZone

from cadence.model import HolidayRule, Plan, Rules

#: the rules a new plan starts with (a new user sees silences, late hand-offs and crowding)
DEFAULT_RULES = Rules(min_spacing_days=2, max_silence_days=14, handoff_sla_days=3)


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this Python knows."""
    if not name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def system_timezone() -> str:
    """The IANA name of the machine's time zone ("Europe/Berlin"), or "UTC" when unknown."""
    raw = QTimeZone.systemTimeZoneId()
    name = bytes(raw.data()).decode("ascii", "ignore") if raw is not None else ""
    return name if valid_timezone(name) else "UTC"


def system_country(locale: QLocale | None = None) -> str | None:
    """The ISO code of the system locale's country when its holidays are known, else None."""
    from cadence.calendar import supported_countries

    locale = locale or QLocale.system()
    code = QLocale.territoryToCode(locale.territory())
    return code if code and code in supported_countries() else None


def new_plan_defaults(
    plan: Plan, timezone: str | None = None, country: str | None | bool = True
) -> Plan:
    """``plan`` with the default rules, a time zone and public holidays.

    ``timezone`` defaults to the system's; ``country`` True means the system
    locale's country, None means no public holidays.
    """
    zone = timezone if timezone is not None else system_timezone()
    code = system_country() if country is True else country
    holidays = HolidayRule(code) if isinstance(code, str) else None
    return replace(
        plan,
        timezone=zone,
        rules=DEFAULT_RULES,
        calendar=replace(plan.calendar, holidays=holidays),
    )
