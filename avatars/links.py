"""The hub's own link to a player's photo, for whoever shows players: the Mini App, a host's
screen (through a ticket), the avatar JSON."""

from django.urls import reverse


def avatar_image_url(*, user_id: int, base_url: str, version: str | None = None) -> str:
    """The link to the user's photo under `base_url` (the hub's own URL); `version` changes with
    the photo, so that no cache shows an old one."""
    url = f"{base_url}{reverse('avatar-image', kwargs={'user_id': user_id})}"
    return f"{url}?v={version}" if version else url
