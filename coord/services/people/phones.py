"""Phone numbers stored and matched in E.164 (``+8613912345678``), read in a community's default region.

``13912345678``, ``139 1234 5678`` and ``+86 139 1234 5678`` are one number in the region CN, so an import
or an edit that writes it any of these ways names the same person. A number that is not even possible
(too short, too long for its country) is refused with a clear message.
"""

from __future__ import annotations

import re

import phonenumbers

from coord.errors import InvalidInput
from coord.i18n import N_

DEFAULT_REGION = "CN"
NOT_A_REGION = N_("“{value}” is not a region for phone numbers; use a country code such as CN or DE.")


def is_region(value: str) -> bool:
    """Whether ``value`` is a region phonenumbers knows (ISO 3166 alpha-2, upper case: CN, DE, US)."""
    return value in phonenumbers.SUPPORTED_REGIONS


def e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """``raw`` in E.164 ("" stays ""); ``InvalidInput`` when it is not a possible number."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise InvalidInput(N_("“{phone}” is not a phone number."), phone=raw[:40])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(raw: str, region: str = DEFAULT_REGION) -> str:
    """What two spellings of one number share: its E.164 form, or (for a stored number that is not a
    possible one) its digits and a leading +."""
    try:
        return e164(raw, region)
    except InvalidInput:
        return re.sub(r"[^0-9+]", "", raw)
