"""SMS gateways behind one interface (base.Gateway), chosen by settings."""

from __future__ import annotations

from backend.notices.gateways.base import Gateway, RateLimiter
from backend.notices.gateways.console import ConsoleGateway
from backend.notices.gateways.http import LinkGateway, SveveGateway
from backend.settings import Settings


def gateway_from_settings(settings: Settings) -> Gateway:
    """The configured gateway: console (the embedded default), LINK Mobility or Sveve."""
    limiter = RateLimiter(settings.sms_rate_per_second)
    if settings.sms_gateway == "link":
        return LinkGateway(
            url=settings.sms_gateway_url,
            user=settings.sms_user,
            password=settings.sms_password,
            sender=settings.sms_sender,
            platform_id=settings.link_platform_id,
            platform_partner_id=settings.link_platform_partner_id,
            gate_id=settings.link_gate_id,
            timeout=settings.sms_timeout_seconds,
            limiter=limiter,
        )
    if settings.sms_gateway == "sveve":
        return SveveGateway(
            url=settings.sms_gateway_url,
            user=settings.sms_user,
            password=settings.sms_password,
            sender=settings.sms_sender,
            timeout=settings.sms_timeout_seconds,
            limiter=limiter,
        )
    return ConsoleGateway(settings.sms_outbox_file)
