"""The notice rules as named scenarios: threshold, update step, consent, quiet hours, SMS length in
GSM-7 and UCS-2, both languages, and no health information in any text."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common.localtime import local_instant
from backend.notices.policy import delay_decision, quiet_now, window_closing
from backend.notices.texts import TEMPLATES, measure, render, render_agreed_time

DAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("lateness", "consented", "last", "closing", "expected"),
    [
        (14, True, None, False, "not_late"),  # below the 15-minute threshold
        (15, True, None, False, "created"),  # at the threshold
        (40, False, None, False, "no_consent"),  # nobody agreed to SMS
        (29, True, 15, False, "already"),  # moved only 14 min further since the last notice
        (30, True, 15, False, "created"),  # moved 15 min further: an update
        (3, True, None, True, "created"),  # the window ends within 10 min and the carer will be late
        (0, True, None, True, "not_late"),  # ... but not if the carer makes it in time
        (8, True, 3, True, "already"),  # after a first notice, updates follow the threshold step
    ],
)
def test_delay_rules(lateness: int, consented: bool, last: int | None, closing: bool, expected: str) -> None:
    assert (
        delay_decision(
            lateness_minutes=lateness,
            threshold_minutes=15,
            consented=consented,
            last_notified_lateness=last,
            closing=closing,
        )
        == expected
    )


def test_the_window_closes_in_its_last_ten_minutes() -> None:
    end = local_instant(DAY, dt.time(9, 0))
    assert not window_closing(local_instant(DAY, dt.time(8, 49)), end)
    assert window_closing(local_instant(DAY, dt.time(8, 50)), end)


def test_quiet_hours_unless_the_visit_itself_is_then() -> None:
    late_evening = local_instant(DAY, dt.time(22, 10))
    early_morning = local_instant(DAY, dt.time(6, 30))
    assert quiet_now(late_evening, local_instant(DAY, dt.time(14, 0)))  # a day visit: wait
    assert not quiet_now(late_evening, local_instant(DAY, dt.time(21, 30)))  # the evening visit itself
    assert quiet_now(early_morning, local_instant(DAY, dt.time(8, 0)))
    assert not quiet_now(local_instant(DAY, dt.time(9, 0)), local_instant(DAY, dt.time(8, 0)))


def test_segments_are_counted_as_the_network_does() -> None:
    assert measure("a" * 160) == measure("a" * 160) and measure("a" * 160).segments == 1
    assert measure("a" * 161).segments == 2 and measure("a" * 306).segments == 2
    assert measure("æøå ÆØÅ" + "a" * 153).encoding == "GSM-7"  # Norwegian letters are GSM-7
    assert measure("€" * 80).segments == 1 and measure("€" * 81).segments == 2  # extension chars count 2
    ucs2 = measure("Besøk ś" + "a" * 63)
    assert ucs2.encoding == "UCS-2" and ucs2.segments == 1 and measure("ś" + "a" * 70).segments == 2


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("kind", ["delay", "moved", "cancelled"])
def test_texts_in_both_languages_fit_and_carry_no_health_information(kind: str, language: str) -> None:
    text = render(kind, language, expected=local_instant(DAY, dt.time(9, 45)), phone="+4732123456")
    assert "09:45" in text.text and "+4732123456" in text.text
    assert text.segments <= 2 and text.encoding == "GSM-7"
    for word in ("medisin", "stell", "sår", "diagnose", "insulin", "dusj"):
        assert word not in text.text.lower()
    assert (
        text.text
        != render(
            kind, "nn" if language == "nb" else "nb", expected=local_instant(DAY, dt.time(9, 45)), phone=None
        ).text
    )
    assert set(TEMPLATES["nb"]) == set(TEMPLATES["nn"])


def test_a_municipality_sets_its_own_quiet_hours() -> None:
    at_2130 = local_instant(DAY, dt.time(21, 30))
    day_visit = local_instant(DAY, dt.time(14, 0))
    assert quiet_now(at_2130, day_visit)  # the default 21-07
    assert not quiet_now(at_2130, day_visit, dt.time(22, 0), dt.time(6, 0))
    assert quiet_now(local_instant(DAY, dt.time(5, 30)), day_visit, dt.time(22, 0), dt.time(6, 0))
    assert not quiet_now(at_2130, day_visit, dt.time(0, 0), dt.time(0, 0))  # none at all


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_one_message_names_every_late_visit_of_the_recipient(language: str) -> None:
    """Two visits late at once: one SMS that says which is which, still within two parts with the phone."""
    together = [
        (local_instant(DAY, dt.time(8, 0)), local_instant(DAY, dt.time(9, 10))),
        (local_instant(DAY, dt.time(12, 0)), local_instant(DAY, dt.time(13, 5))),
    ]
    text = render("delay", language, expected=together[0][1], phone="+4732123456", together=together)
    for clock in ("08:00", "09:10", "12:00", "13:05", "+4732123456"):
        assert clock in text.text
    assert text.segments <= 2 and text.encoding == "GSM-7"
    single = render("delay", language, expected=together[0][1], phone=None, agreed=together[0][0])
    assert "08:00" in single.text and "09:10" in single.text and "12:00" not in single.text


@pytest.mark.parametrize(
    ("language", "opening"), [("nb", "Fra onsdag 30. september"), ("nn", "Frå onsdag 30. september")]
)
def test_a_changed_agreed_time_is_told_in_the_recipients_language_in_one_part(
    language: str, opening: str
) -> None:
    text = render_agreed_time(
        language,
        valid_from=dt.date(2026, 9, 30),
        old=(dt.time(8, 0), dt.time(9, 0)),
        new=(dt.time(9, 15), dt.time(10, 15)),
        phone="+4732123456",
    )
    assert opening in text.text and "09:15 og 10:15" in text.text and "08:00-09:00" in text.text
    assert "+4732123456" in text.text and text.encoding == "GSM-7" and text.segments <= 2
    for word in ("medisin", "stell", "insulin", "morgen"):
        assert word not in text.text.lower()
