"""Notice texts in bokmål and nynorsk: no health information, no task names, no names at all; the
municipality's phone number to call. SMS length is counted as the network does: GSM-7 (160 characters, 153
per part; æ, ø, å and Æ, Ø, Å are in the GSM alphabet) or, with any other character, UCS-2 (70, 67 per
part). A notice must fit in two parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.common.localtime import local_clock

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 2

TEMPLATES: dict[str, dict[str, str]] = {
    "nb": {
        "delay": "Hjemmetjenesten: Besøket i dag kl. {agreed} kommer senere enn avtalt. Ny forventet tid: ca. kl. {time}.",
        "delay_many": "Hjemmetjenesten: Besøkene i dag kommer senere enn avtalt. Ny forventet tid: {visits}.",
        "visit": "besøket kl. {agreed} ca. kl. {time}",
        "and": " og ",
        "moved": "Hjemmetjenesten: Besøket i dag kl. {agreed} er flyttet. Ny forventet tid: ca. kl. {time}.",
        "cancelled": "Hjemmetjenesten: Besøket i dag kl. {time} blir dessverre ikke som avtalt. Vi tar kontakt.",
        "contact": " Spørsmål: ring {phone}.",
        "visit_plan": "Hjemmetjenesten, besøk uke {week}: {days}.",
        "visit_plan_short": "Hjemmetjenesten: Besøksplanen for uke {week} er klar.",
        "days": "man tir ons tor fre lør søn",
        "agreed_time": "Hjemmetjenesten: Fra {weekday} {date} kommer vi mellom {start} og {end} i stedet for {old_start}-{old_end}.",
        "weekdays": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    },
    "nn": {
        "delay": "Heimetenesta: Besøket i dag kl. {agreed} kjem seinare enn avtalt. Ny venta tid: ca. kl. {time}.",
        "delay_many": "Heimetenesta: Besøka i dag kjem seinare enn avtalt. Ny venta tid: {visits}.",
        "visit": "besøket kl. {agreed} ca. kl. {time}",
        "and": " og ",
        "moved": "Heimetenesta: Besøket i dag kl. {agreed} er flytta. Ny venta tid: ca. kl. {time}.",
        "cancelled": "Heimetenesta: Besøket i dag kl. {time} blir dessverre ikkje som avtalt. Vi tek kontakt.",
        "contact": " Spørsmål: ring {phone}.",
        "visit_plan": "Heimetenesta, besøk veke {week}: {days}.",
        "visit_plan_short": "Heimetenesta: Besøksplanen for veke {week} er klar.",
        "days": "mån tys ons tor fre lau sun",
        "agreed_time": "Heimetenesta: Frå {weekday} {date} kjem vi mellom {start} og {end} i staden for {old_start}-{old_end}.",
        "weekdays": "måndag tysdag onsdag torsdag fredag laurdag sundag",
    },
}


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # GSM-7 | UCS-2
    segments: int


def measure(text: str) -> SmsText:
    """Why: a third part costs money and may arrive out of order; keep every notice to two."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // part)
    return SmsText(text, encoding, segments)


Visit = tuple[dt.datetime, dt.datetime]  # (agreed window start, expected start)


def render(
    kind: str,
    language: str,
    *,
    expected: dt.datetime,
    phone: str | None,
    agreed: dt.datetime | None = None,
    together: list[Visit] | None = None,
) -> SmsText:
    """The notice's text, naming the agreed time so a recipient with two visits knows which; `together`:
    the recipient's visits told in one message (one SMS per recipient per event). The contact line is
    dropped rather than go beyond two parts."""
    templates = TEMPLATES.get(language, TEMPLATES["nb"])
    if together and len(together) > 1:
        visits = templates["and"].join(
            templates["visit"].format(agreed=local_clock(a), time=local_clock(e)) for a, e in together
        )
        body = templates["delay_many"].format(visits=visits)
    else:
        body = templates[kind].format(time=local_clock(expected), agreed=local_clock(agreed or expected))
    if phone:
        with_contact = measure(body + templates["contact"].format(phone=phone))
        if with_contact.segments <= MAX_SEGMENTS:
            return with_contact
    measured = measure(body)
    if measured.segments > MAX_SEGMENTS:
        raise ValueError(f"notice text for {kind}/{language} exceeds {MAX_SEGMENTS} SMS parts")
    return measured


def render_visit_plan(
    language: str, *, week: int, days: list[tuple[int, list[dt.time]]], phone: str | None
) -> SmsText:
    """The week's times, day by day («man 08:10, 12:30; tir 08:10»): times only, never what is done. A week
    too long for two parts says the plan is ready (and whom to ask) instead."""
    templates = TEMPLATES.get(language, TEMPLATES["nb"])
    names = templates["days"].split()
    listed = "; ".join(
        f"{names[weekday]} {', '.join(t.strftime('%H:%M') for t in times)}"
        for weekday, times in days
        if times
    )
    bodies = [
        templates["visit_plan"].format(week=week, days=listed),
        templates["visit_plan_short"].format(week=week),
    ]
    return _first_that_fits(bodies, templates["contact"], phone, "visit plan")


def _first_that_fits(bodies: list[str], contact: str, phone: str | None, what: str) -> SmsText:
    """The first body, with the contact line where it still fits, that goes in two parts."""
    for body in bodies:
        for text in ([body + contact.format(phone=phone)] if phone else []) + [body]:
            measured = measure(text)
            if measured.segments <= MAX_SEGMENTS:
                return measured
    raise ValueError(f"the {what} text exceeds two SMS parts")


MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]


def render_agreed_time(
    language: str,
    *,
    valid_from: dt.date,
    old: tuple[dt.time, dt.time],
    new: tuple[dt.time, dt.time],
    phone: str | None,
) -> SmsText:
    """A standing agreement changed from a date («Fra mandag 7. desember kommer vi mellom 09:15 og 10:15 i
    stedet for 08:00-09:00»): times only, never which visit or what is done."""
    templates = TEMPLATES.get(language, TEMPLATES["nb"])
    body = templates["agreed_time"].format(
        weekday=templates["weekdays"].split()[valid_from.weekday()],
        date=f"{valid_from.day}. {MONTHS[valid_from.month - 1]}",
        start=f"{new[0]:%H:%M}",
        end=f"{new[1]:%H:%M}",
        old_start=f"{old[0]:%H:%M}",
        old_end=f"{old[1]:%H:%M}",
    )
    return _first_that_fits([body], templates["contact"], phone, "agreed-time")
