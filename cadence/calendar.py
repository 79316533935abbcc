"""Working days: weekdays, public holidays (the `holidays` package) and blackouts.

A :class:`WorkingDays` table is built once per plan calendar over a window of
dates (the horizon plus a margin) and answers in O(1): is a day a working day,
why not, and where does a date roll to.

The `holidays` package is imported only when a holiday fact is not already known
(in this process, or in :mod:`cadence.holiday_cache`'s file when the app keeps one).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date, time, timedelta
from functools import cache, lru_cache

from cadence import holiday_cache
from cadence.model import WEEKDAYS, HolidayRule, Plan, Team, WorkCalendar

# Rolling may step out of the horizon; a long blackout plus holidays never
# exceeds this many days on either side.
MARGIN_DAYS = 400


@lru_cache(maxsize=64)
def holiday_names(
    rule: HolidayRule, years: tuple[int, ...], language: str | None = None
) -> dict[date, str]:
    """Public holidays of a country/subdivision for the given years, by date.

    Names are in ``language`` when the country offers it, else in English when
    the country has it (the app's language), else in the country's own — never
    in the language of the process's locale (``LANG``), so the same plan gives
    the same names everywhere.
    """
    chosen = language or default_holiday_language(rule.country)

    def read() -> dict[date, str]:
        import holidays as holidays_pkg

        table = holidays_pkg.country_holidays(
            rule.country, subdiv=rule.subdivision, years=years, language=chosen
        )
        return {d: str(name) for d, name in sorted(table.items())}

    key = f"{rule.country}/{rule.subdivision or ''}/{chosen or ''}/{_years_key(years)}"
    return holiday_cache.holiday_table(key, read)


def _years_key(years: tuple[int, ...]) -> str:
    """ "2025-2029" for a run of years, else the years listed ("2025,2027")."""
    if years and years == tuple(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ",".join(map(str, years))


@lru_cache(maxsize=64)
def default_holiday_language(country: str) -> str | None:
    """The language holiday names take when the plan sets none: "en_US" when the
    country offers it, else the country's own ("de"); None for a country whose
    names exist in one language only (they never depend on the locale)."""

    def read() -> str | None:
        import holidays as holidays_pkg

        table = holidays_pkg.country_holidays(country, years=())
        if "en_US" in (getattr(table, "supported_languages", None) or ()):
            return "en_US"
        return getattr(table, "default_language", None)

    language: str | None = holiday_cache.remembered("languages", country, read)
    return language


@lru_cache(maxsize=64)
def working_days(calendar: WorkCalendar, start: date, end: date) -> WorkingDays:
    """The :class:`WorkingDays` of a calendar around a horizon, shared between calls.

    A table never changes once built, so the engine and the checks share one
    per (calendar, horizon) instead of rebuilding it (and re-reading the holidays).
    """
    return WorkingDays(calendar, start, end)


# --- a team's own calendar (docs/scheduling.md, "Working days of a team") ---------


def team_calendar(calendar: WorkCalendar, team: Team | None) -> WorkCalendar:
    """The calendar a team works by: the plan's, with the team's own holidays and
    its own blackouts in place of the plan's when the team gives them (workdays and
    the roll policy stay the plan's)."""
    if team is None or not team.has_own_calendar:
        return calendar
    return replace(
        calendar,
        holidays=team.holidays if team.holidays is not None else calendar.holidays,
        blackouts=team.blackouts if team.blackouts is not None else calendar.blackouts,
    )


def team_working_days(plan: Plan, team_id: str | None) -> WorkingDays:
    """The working days of a team (the plan's for None or an unknown team), around the horizon."""
    return working_days(team_calendar(plan.calendar, plan.team(team_id)), plan.start, plan.end)


def team_calendars_key(plan: Plan) -> tuple[tuple[str, WorkCalendar], ...]:
    """Each team with a calendar of its own and that calendar (what rolls depend on)."""
    return tuple((t.id, team_calendar(plan.calendar, t)) for t in plan.teams if t.has_own_calendar)


def time_key(t: time | None) -> int:
    """Order of a time of day within its date: all-day (None) first, then by the clock."""
    return 0 if t is None else 1 + t.hour * 3600 + t.minute * 60 + t.second


class SupportedCountries(Mapping[str, list[str]]):
    """Country codes known to the `holidays` package -> their subdivision codes.

    Read lazily: the codes come from the package's registry and a country's
    module is imported only when its subdivisions are asked for (importing all
    of them, as ``holidays.list_supported_countries()`` does, costs ~0.3 s and
    used to delay every plan's validation, the app's start-up included).
    """

    def __init__(self) -> None:
        self._codes = frozenset(holiday_cache.remembered("countries", "codes", _country_codes))
        self._subdivisions: dict[str, list[str]] = {}

    def __getitem__(self, code: str) -> list[str]:
        if code not in self._codes:
            raise KeyError(code)
        if code not in self._subdivisions:
            self._subdivisions[code] = list(
                holiday_cache.remembered("subdivisions", code, lambda: _subdivisions(code))
            )
        return self._subdivisions[code]

    def __contains__(self, code: object) -> bool:
        return code in self._codes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._codes))

    def __len__(self) -> int:
        return len(self._codes)


def _country_codes() -> list[str]:
    from holidays.registry import EntityLoader

    return sorted(EntityLoader.get_country_codes())


def _subdivisions(code: str) -> list[str]:
    import holidays as holidays_pkg

    return list(getattr(holidays_pkg, code).subdivisions)


@cache
def supported_countries() -> SupportedCountries:
    """Country codes known to the `holidays` package with their subdivisions (lazy)."""
    return SupportedCountries()


class WorkingDays:
    """Answers working-day questions for one calendar over a window of dates."""

    def __init__(
        self,
        calendar: WorkCalendar,
        first: date,
        last: date,
        holiday_language: str | None = None,
    ) -> None:
        self.calendar = calendar
        self.first = first - timedelta(days=MARGIN_DAYS)
        self.last = last + timedelta(days=MARGIN_DAYS)
        self._base = self.first.toordinal()
        size = self.last.toordinal() - self._base + 1
        workday_numbers = {WEEKDAYS.index(w) for w in calendar.workdays}
        self._holidays: dict[date, str] = {}
        if calendar.holidays is not None:
            years = tuple(range(self.first.year, self.last.year + 1))
            self._holidays = holiday_names(calendar.holidays, years, holiday_language)
        self._blackout_of: dict[date, str] = {}
        for b in calendar.blackouts:
            d = max(b.start, self.first)
            while d <= min(b.end, self.last):
                self._blackout_of.setdefault(d, b.name)
                d += timedelta(days=1)
        working = bytearray(size)
        first_weekday = self.first.weekday()
        for i in range(size):
            working[i] = ((first_weekday + i) % 7) in workday_numbers
        for d in list(self._holidays) + list(self._blackout_of):
            i = d.toordinal() - self._base
            if 0 <= i < size:
                working[i] = 0
        self._working = working
        # next_idx[i]: index of the first working day at or after i (size if none);
        # prev_idx[i]: index of the last working day at or before i (-1 if none).
        nxt = [size] * (size + 1)
        for i in range(size - 1, -1, -1):
            nxt[i] = i if working[i] else nxt[i + 1]
        prv = [-1] * size
        last_seen = -1
        for i in range(size):
            if working[i]:
                last_seen = i
            prv[i] = last_seen
        self._next = nxt
        self._prev = prv
        self._size = size

    # --- single-day questions -------------------------------------------------

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._base
        if not 0 <= i < self._size:
            raise ValueError(f"{d} is outside the calendar window {self.first} – {self.last}")
        return i

    def is_working(self, d: date) -> bool:
        return bool(self._working[self._index(d)])

    def holiday(self, d: date) -> str | None:
        return self._holidays.get(d)

    def blackout(self, d: date) -> str | None:
        return self._blackout_of.get(d)

    def reason(self, d: date) -> str | None:
        """Why a day is not a working day (None for a working day).

        A blackout is named first (the planner's own rule), then a public
        holiday, then the weekday that is not a workday ("weekend" for Sat/Sun).
        """
        if self.is_working(d):
            return None
        if d in self._blackout_of:
            return f"blackout: {self._blackout_of[d]}"
        if d in self._holidays:
            return f"holiday: {self._holidays[d]}"
        wd = d.weekday()
        return "weekend" if wd >= 5 else f"non-working day ({WEEKDAYS[wd]})"

    # --- rolling --------------------------------------------------------------

    def next_working(self, d: date) -> date:
        """The first working day on or after d."""
        j = self._next[self._index(d)]
        if j >= self._size:
            raise ValueError(f"no working day after {d} within the calendar window")
        return date.fromordinal(self._base + j)

    def prev_working(self, d: date) -> date:
        """The last working day on or before d."""
        j = self._prev[self._index(d)]
        if j < 0:
            raise ValueError(f"no working day before {d} within the calendar window")
        return date.fromordinal(self._base + j)

    def roll_ordinal(self, ordinal: int, policy: str) -> int | None:
        """Fast path of :meth:`roll` on proleptic ordinals (the engine's hot loop)."""
        i = ordinal - self._base
        if self._working[i]:
            return ordinal
        if policy == "forward":
            j = self._next[i]
            return self._base + j if j < self._size else None
        if policy == "backward":
            j = self._prev[i]
            return self._base + j if j >= 0 else None
        return None

    def land(self, ordinal: int, policy: str) -> int | None:
        """Where a nominal date (an ordinal) is sent: the rule of docs/scheduling.md.

        A working day stays; otherwise ``forward`` goes to the next working day,
        ``backward`` to the previous one and ``skip`` nowhere (None). None too
        when the date, or the day it would roll to, lies outside the window.
        """
        i = ordinal - self._base
        if not 0 <= i < self._size:
            return None
        return self.roll_ordinal(ordinal, policy)

    def roll(self, d: date, policy: str) -> date | None:
        """Where a nominal date lands: itself if working, else by policy (None = skipped)."""
        if self.is_working(d):
            return d
        if policy == "forward":
            return self.next_working(d)
        if policy == "backward":
            return self.prev_working(d)
        return None

    def add_working_days(self, d: date, n: int) -> date:
        """The working day n working days after d (n = 0: d rolled forward)."""
        current = self.next_working(d) if n == 0 else d
        for _ in range(n):
            current = self.next_working(current + timedelta(days=1))
        return current

    def count_working(self, a: date, b: date) -> int:
        """Working days from a to b inclusive (0 when b is before a)."""
        i, j = self._index(a), self._index(b)
        return sum(self._working[i : j + 1]) if j >= i else 0

    def working_day_after(self, d: date, n: int, limit: date) -> date:
        """The n-th working day after d (n = 0: d itself when working, else the next
        working day), or ``limit`` when that lies after ``limit``."""
        current = d
        if n == 0 and not self.is_working(d):
            n = 1
        while n > 0 and current < limit:
            current += timedelta(days=1)
            n -= self._working[self._index(current)]
        return min(current, limit)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: how many working days b lies after a (negative if before)."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + timedelta(days=1)
        while d <= b:
            count += self._working[self._index(d)]
            d += timedelta(days=1)
        return count

    def working_days(self, a: date, b: date) -> list[date]:
        """Every working day from a to b inclusive."""
        out = []
        d = a
        while d <= b:
            if self._working[self._index(d)]:
                out.append(d)
            d += timedelta(days=1)
        return out
