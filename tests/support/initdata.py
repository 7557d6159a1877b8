"""Mini App init data signed as Telegram signs it, for tests of the hub's checks."""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from tests.support.fake_telegram import TOKEN

USER = {"id": 777, "first_name": "Аня", "username": "anya", "language_code": "ru"}


def signed(token: str = TOKEN, auth_date: int | None = None, **fields: str) -> str:
    """Init data signed the way Telegram signs it."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(USER, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(auth_date if auth_date is not None else int(time.time())),
        **fields,
    }
    check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
