from fastapi.testclient import TestClient

from tests.backend.world import World, auth


def test_the_world_builds_and_each_role_logs_in(client: TestClient, world: World) -> None:
    """The fixture every API test stands on: one login per role, who each see themselves."""
    for role in ("admin", "coordinator", "carer", "manager"):
        me = client.get("/api/v1/auth/me", headers=auth(world, role))
        assert me.status_code == 200
        assert me.json()["role"] == role
