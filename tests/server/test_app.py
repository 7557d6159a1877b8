"""What a worker does to its process when it loads the hub (server/app.py)."""

import os

from core.logs import SECRET_SETTINGS
from server.app import environment_secrets_forget

# Where the settings of the secrets the logs redact come from, and the URLs holding passwords.
# SECRET_KEY_AS_SET is no variable: the key as SECRET_KEY spelled it.
SECRET_VARIABLES = {*SECRET_SETTINGS, "DATABASE_URL", "REDIS_URL"} - {"SECRET_KEY_AS_SET"}


class TestWorkerEnvironment:
    def test_the_secrets_leave_the_environment_granian_copies_into_each_request(self, monkeypatch):
        for name in SECRET_VARIABLES:
            monkeypatch.setenv(name, f"a-value-of-{name.lower()}")

        environment_secrets_forget()

        assert not SECRET_VARIABLES & set(os.environ)
        assert "PATH" in os.environ
