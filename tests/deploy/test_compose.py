"""compose.yaml gives a contributor the services CI has, where .ci/run expects them: PostgreSQL
(trust auth, user postgres, database test, port 5432, the Blueprint's major version) and Redis
(port 6379). No Docker engine runs where the suite does, so the file is read, never run."""

import re
from urllib.parse import urlsplit

import yaml

from tests.support import BASE_DIR, REDIS_TEST_URL

COMPOSE = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
CI_RUN = (BASE_DIR / ".ci" / "run").read_text()
BLUEPRINT = yaml.safe_load((BASE_DIR / "render.yaml").read_text())


def published_port(service: dict) -> tuple[str, int, int]:
    """(host address, host port, container port) of the service's one published port."""
    (mapping,) = service["ports"]
    address, host_port, container_port = mapping.split(":")
    return address, int(host_port), int(container_port)


class TestCompose:
    def test_it_runs_exactly_the_services_ci_has(self):
        assert set(SERVICES) == {"postgres", "redis"}
        for name, service in SERVICES.items():
            assert service["healthcheck"]["test"][0] == "CMD", name  # for `up --wait`

    def test_its_postgres_is_where_ci_s_database_url_points(self):
        (url,) = re.findall(r"DATABASE_URL=(\S+) make test", CI_RUN)
        ci = urlsplit(url)
        postgres = SERVICES["postgres"]

        assert published_port(postgres) == ("127.0.0.1", ci.port, 5432)
        assert postgres["environment"] == {
            "POSTGRES_HOST_AUTH_METHOD": "trust",
            "POSTGRES_DB": "test",
        }
        # The image's own superuser, no password: what the URL names.
        assert (ci.username, ci.password, ci.path) == ("postgres", None, "/test")

    def test_its_postgres_is_the_blueprint_s_major_version(self):
        image, _, tag = SERVICES["postgres"]["image"].partition(":")

        assert image == "postgres"
        assert tag == BLUEPRINT["databases"][0]["postgresMajorVersion"]

    def test_its_redis_is_where_the_suite_looks_for_one(self):
        suite = urlsplit(REDIS_TEST_URL)

        assert published_port(SERVICES["redis"]) == ("127.0.0.1", suite.port, 6379)
        assert "--save" in SERVICES["redis"]["command"]
