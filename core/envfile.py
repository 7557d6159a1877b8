"""Write a first `.env` from `.env.example`, with a fresh SECRET_KEY and HOST_SECRET.

Run as `python -m core.envfile` (make run does). Leaves an existing .env alone.
"""

import re
import secrets
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
GENERATED = ("SECRET_KEY", "HOST_SECRET")
_ASSIGNMENT = re.compile(r"^([A-Z_]+)=")


def render(example: str, values: dict[str, str]) -> str:
    """The example with `values` filled in and every other setting commented out."""
    lines = []
    for line in example.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match.group(1) in values:
            line = f"{match.group(1)}={values[match.group(1)]}"
        elif match:
            line = f"# {line}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_env_file(path: Path, example: Path) -> str | None:
    """Write `path` when it does not exist; returns the new host secret, or None."""
    if path.exists():
        return None
    values = {"SECRET_KEY": get_random_secret_key(), "HOST_SECRET": secrets.token_urlsafe(32)}
    path.touch(mode=0o600)
    path.write_text(render(example.read_text(), values))
    return values["HOST_SECRET"]


def main() -> None:
    host_secret = write_env_file(BASE_DIR / ".env", BASE_DIR / ".env.example")
    if host_secret is not None:
        sys.stdout.write(
            "Wrote .env with a fresh SECRET_KEY and HOST_SECRET.\n"
            f"Host App secret (HOST_SECRET): {host_secret}\n"
        )


if __name__ == "__main__":
    main()
