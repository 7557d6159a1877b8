"""Write a first `.env` from `.env.example`, with a fresh SECRET_KEY and HOST_SECRET, and say
which HOST_SECRET the hub will use.

Run as `python -m core.envfile` (make run does). Leaves an existing .env alone. The secret it
prints is the one in force: the environment's when set, as the settings read it (a variable in
the environment wins over the file), else the file's.
"""

import os
import re
import secrets
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key
from dotenv import dotenv_values

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


def host_secret_in_force(path: Path, environ=os.environ) -> tuple[str, str]:
    """The HOST_SECRET the hub will use and where it comes from: ("the environment" or the
    file's name); empty when neither sets one. Read as spirtuoz/settings.py reads it: a blank
    value counts as unset."""
    from_environment = environ.get("HOST_SECRET", "").strip()
    if from_environment:
        return from_environment, "the environment"
    from_file = (dotenv_values(path).get("HOST_SECRET") or "").strip() if path.exists() else ""
    return from_file, path.name


def main() -> None:
    env_file = BASE_DIR / ".env"
    if write_env_file(env_file, BASE_DIR / ".env.example") is not None:
        sys.stdout.write("Wrote .env with a fresh SECRET_KEY and HOST_SECRET.\n")
    host_secret, source = host_secret_in_force(env_file)
    if host_secret:
        sys.stdout.write(f"Host App secret (HOST_SECRET, from {source}): {host_secret}\n")
    else:
        sys.stdout.write("No HOST_SECRET is set: no Host App can register rooms.\n")


if __name__ == "__main__":
    main()
