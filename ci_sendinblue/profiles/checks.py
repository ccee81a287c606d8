"""The blocking check on profile keys: a profile without a usable key cannot be traced, so it is left out."""

from __future__ import annotations

from ci_sendinblue.quality import RefusedShareCheck

KEY_CHECK = RefusedShareCheck(
    name="customer_keys_present_and_unique",
    description="Profiles whose key is missing or shared with another profile are left out of every "
    "segment; above profiles.max_invalid_key_share nothing downstream runs.",
    refused_for="missing or duplicate customer key",
)
