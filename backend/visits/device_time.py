"""How far a tablet's clock may be from the server's. Offline delays are real (a carer without coverage
syncs hours later), a check-in in 2099 or 2000 is not: it would turn a team's face-to-face share into
nonsense. The server's own receive time is stored beside the device time (VisitEvent.server_time)."""

from __future__ import annotations

import datetime as dt

from backend.common.localtime import local_clock, local_date_of
from backend.errors import InvalidInput

MAX_AHEAD = dt.timedelta(minutes=10)
MAX_OFFLINE = dt.timedelta(hours=36)


def check_device_time(device_time: dt.datetime, *, server_time: dt.datetime, plan_day: dt.date) -> None:
    """Refuse a device time ahead of the server's clock, older than a long offline spell allows, or not on
    the visit's day (or the night after it, for an evening that runs past midnight)."""
    shown = f"{local_date_of(device_time):%d.%m.%Y} kl. {local_clock(device_time)}"
    if device_time > server_time + MAX_AHEAD:
        raise InvalidInput(
            f"Tidspunktet fra nettbrettet ({shown}) ligger fram i tid. Sjekk klokka på nettbrettet.",
            field="device_time",
        )
    if device_time < server_time - MAX_OFFLINE:
        raise InvalidInput(
            f"Tidspunktet fra nettbrettet ({shown}) er mer enn {MAX_OFFLINE.total_seconds() / 3600:.0f} timer "
            "gammelt. Meld tidene til koordinator.",
            field="device_time",
        )
    if local_date_of(device_time) not in (plan_day, plan_day + dt.timedelta(days=1)):
        raise InvalidInput(
            f"Tidspunktet fra nettbrettet ({shown}) er ikke på besøkets dag ({plan_day:%d.%m.%Y}).",
            field="device_time",
        )
