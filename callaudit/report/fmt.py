"""Spanish (es-CO) formatting for the report and the alerts: decimal comma, short month names, Bogotá time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
WEEKDAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
BOGOTA = timezone(timedelta(hours=-5), "COT")  # Colombia has no daylight saving time


def number(value: float | None, decimals: int = 1) -> str:
    """12345.67 -> '12.345,7' (Colombian style); None -> '—'."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def percent(value: float | None, decimals: int = 1) -> str:
    """0.953 -> '95,3 %'."""
    return "—" if value is None else f"{number(100.0 * value, decimals)} %"


def short_date(d: date | None) -> str:
    return "—" if d is None else f"{d.day} {MONTHS[d.month - 1]}"


def long_date(d: date | None) -> str:
    return "—" if d is None else f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def day_label(d: date) -> str:
    """'lun 3 nov' for chart axes."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]}"


def week_label(monday: date) -> str:
    """'Sem. 45 (3 nov)': ISO week number and the Monday it starts on."""
    return f"Sem. {monday.isocalendar().week} ({short_date(monday)})"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(round(seconds))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def now_bogota() -> datetime:
    return datetime.now(BOGOTA)


def datetime_label(dt: datetime) -> str:
    """'25 nov 2026, 18:03 (hora Colombia)'."""
    local = dt.astimezone(BOGOTA) if dt.tzinfo else dt
    return f"{long_date(local.date())}, {local:%H:%M} (hora Colombia)"
