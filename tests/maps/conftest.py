from tests.backend.conftest import client, session, world  # noqa: F401  (the app fixtures)
