"""Django's SECRET_KEY, from the value the environment sets.

Render's `generateValue: true` (render.yaml) makes 256 random bits written as 44 characters of
base64. Django's deploy check (security.W009) wants at least 50 characters, so the hub spells
those same bits in hex instead: 64 characters, exactly as secret. Any other value is Django's
key as it is, and the check judges it as usual.
"""

import base64
import binascii

# What Render generates: 32 bytes, in base64 (or its URL-safe alphabet), padded or not.
GENERATED_BYTES = 32
GENERATED_LENGTHS = (43, 44)


def django_secret_key(value: str) -> str:
    """`value` in hex when it is 256 bits in base64, as Render generates it; else `value`."""
    if len(value) not in GENERATED_LENGTHS:
        return value
    standard = value.replace("-", "+").replace("_", "/")
    padded = standard + "=" * (-len(standard) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True)
    except binascii.Error:
        return value
    return decoded.hex() if len(decoded) == GENERATED_BYTES else value
