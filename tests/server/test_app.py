"""What a worker does to its process when it loads the hub (server/app.py)."""

import os

from server.app import environment_secrets_forget


class TestWorkerEnvironment:
    def test_the_secrets_leave_the_environment_granian_copies_into_each_request(self, monkeypatch):
        for name, value in {
            "HOST_SECRET": "a-host-secret-value",
            "BOT_TOKEN": "123:a-bot-token",
            "SECRET_KEY": "a-secret-key-value",
            "DATABASE_URL": "postgres://hub:password@db.example/hub",
            "REDIS_URL": "redis://:password@redis.example:6379/0",
        }.items():
            monkeypatch.setenv(name, value)

        environment_secrets_forget()

        assert not {"HOST_SECRET", "BOT_TOKEN", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} & set(
            os.environ
        )
        assert "PATH" in os.environ
