"""分享报告: within three months after the batch (the programme's outcome window, 90 days by
default) each trainee gives a report in its region (研修结束三个月内…在本实验区内做一次分享报告);
the region's contact records it: the date, how many listened, a short note, photos."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.errors import ValidationFailedError, problem

NOTE_MAX = 500
MAX_IMAGES = 9
AUDIENCE_MAX = 100_000


def window_closes(end_date: date, window_days: int) -> date:
    """The last day a report may be held: the batch's end + the window."""
    return end_date + timedelta(days=window_days)


def check_held_on(held_on: date, end_date: date, window_days: int, today: date) -> None:
    """After the batch, within the window, and not in the future."""
    closes = window_closes(end_date, window_days)
    if held_on <= end_date:
        raise ValidationFailedError(fields={"date": problem("sharing_before_end", end=end_date.isoformat())})
    if held_on > closes:
        raise ValidationFailedError(
            fields={"date": problem("sharing_after_window", closes=closes.isoformat())}
        )
    if held_on > today:
        raise ValidationFailedError(fields={"date": problem("date_in_future")})
