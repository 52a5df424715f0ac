"""LINK Mobility's REST SMS API and Sveve's HTTP API over real HTTP (httpx).

LINK (Common Platform REST): POST JSON {source, destination, userData, platformId, platformPartnerId, refId,
useDeliveryReport, deliveryReportGates, validity (ms)} with basic auth; the answer carries messageId and
resultCode (1005 = queued). Delivery reports are POSTed to our gate with id, refId and resultCode.
Sveve: GET SendMessage?user&passwd&to&msg&from&ref&f=json; the answer {"response": {"msgOkCount": 1, "ids":
[…]}} or {"response": {"fatalError": …}}; delivery reports call back with id, ref, number, status.
"""

from __future__ import annotations

from typing import Any

import httpx

from backend.notices.gateways.base import OutgoingSms, RateLimiter, SendResult

LINK_QUEUED = 1005


def _post_outcome(exc: httpx.HTTPError) -> SendResult:
    """A failure before the request left us is safe to retry; after, the gateway may have the message."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return SendResult("retry", reason=f"SMS-tjenesten svarer ikke ({type(exc).__name__})")
    return SendResult("uncertain", reason=f"svaret fra SMS-tjenesten kom ikke ({type(exc).__name__})")


def _status_outcome(response: httpx.Response) -> SendResult | None:
    if response.status_code == 429 or response.status_code >= 500:
        return SendResult("retry", reason=f"SMS-tjenesten svarte HTTP {response.status_code}")
    if response.status_code in (401, 403):
        return SendResult("rejected", reason=f"SMS-kontoen ble avvist (HTTP {response.status_code})")
    if response.status_code >= 400:
        return SendResult("rejected", reason=f"SMS-tjenesten avviste meldingen (HTTP {response.status_code})")
    return None


def _post(client: httpx.Client, limiter: RateLimiter, url: str, **body: Any) -> httpx.Response | SendResult:
    """One rate-limited POST; a transport failure or an error status is already the answer."""
    limiter.wait()
    try:
        response = client.post(url, **body)
    except httpx.HTTPError as exc:
        return _post_outcome(exc)
    return _status_outcome(response) or response


class LinkGateway:
    name = "link"

    def __init__(
        self,
        *,
        url: str,
        user: str,
        password: str,
        sender: str,
        platform_id: str,
        platform_partner_id: str,
        gate_id: str,
        timeout: float,
        limiter: RateLimiter,
    ) -> None:
        self.url, self.sender, self.limiter = url, sender, limiter
        self.platform_id, self.partner_id, self.gate_id = platform_id, platform_partner_id, gate_id
        self.client = httpx.Client(auth=(user, password), timeout=timeout)

    def send(self, sms: OutgoingSms) -> SendResult:
        body: dict[str, Any] = {
            "source": self.sender,
            "destination": sms.phone,
            "userData": sms.text,
            "platformId": self.platform_id,
            "platformPartnerId": self.partner_id,
            "refId": sms.reference,
            "useDeliveryReport": True,
            "deliveryReportGates": [self.gate_id] if self.gate_id else [],
            "validity": sms.valid_seconds * 1000,
        }
        response = _post(self.client, self.limiter, self.url, json=body)
        if isinstance(response, SendResult):
            return response
        try:
            answer = response.json()
            message_id, code = str(answer["messageId"]), int(answer.get("resultCode", LINK_QUEUED))
        except (ValueError, KeyError, TypeError):
            return SendResult("uncertain", reason="ugyldig svar fra SMS-tjenesten (LINK)")
        if code != LINK_QUEUED:
            return SendResult(
                "rejected", message_id, f"LINK resultCode {code}: {answer.get('description', '')}"
            )
        return SendResult("accepted", provider_message_id=message_id)


class SveveGateway:
    name = "sveve"

    def __init__(
        self, *, url: str, user: str, password: str, sender: str, timeout: float, limiter: RateLimiter
    ) -> None:
        self.url, self.user, self.password, self.sender, self.limiter = url, user, password, sender, limiter
        self.client = httpx.Client(timeout=timeout)

    def send(self, sms: OutgoingSms) -> SendResult:
        params = {
            "user": self.user,
            "passwd": self.password,
            "to": sms.phone.removeprefix("+"),
            "msg": sms.text,
            "from": self.sender,
            "ref": sms.reference,
            "f": "json",
        }
        response = _post(self.client, self.limiter, self.url, data=params)
        if isinstance(response, SendResult):
            return response
        try:
            answer = response.json()["response"]
            if answer.get("fatalError"):
                return SendResult("rejected", reason=f"Sveve: {answer['fatalError']}")
            if int(answer.get("msgOkCount", 0)) < 1:
                errors = answer.get("errors") or [{}]
                return SendResult("rejected", reason=f"Sveve: {errors[0].get('message', 'ikke sendt')}")
            return SendResult("accepted", provider_message_id=str(answer["ids"][0]))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return SendResult("uncertain", reason="ugyldig svar fra SMS-tjenesten (Sveve)")
