"""The admin's password check, one at a time per process.

A password hash (PBKDF2, on purpose slow) costs a core for a few hundred milliseconds: guessers
in parallel would take every core from the room lookups. django-axes refuses a locked-out user
or client before any hash (its backend comes first in AUTHENTICATION_BACKENDS); this backend
bounds the rest: while one check runs in this process, another is refused at once with 503 and
Retry-After, uncounted as a failed login (nothing was checked).
"""

import threading

from django.contrib.auth.backends import ModelBackend

from core.errors import ApplicationError

_checking = threading.Lock()


class LoginBusy(ApplicationError):
    status = 503
    message = "another admin login is being checked; try again in a second"

    def __init__(self):
        super().__init__(retry_after=1)


class OnePasswordCheckAtATime(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not _checking.acquire(blocking=False):
            raise LoginBusy
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        finally:
            _checking.release()
