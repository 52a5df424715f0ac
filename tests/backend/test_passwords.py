"""Passwords are stored as Argon2id hashes with argon2-cffi's recommended parameters."""

from argon2 import PasswordHasher

from backend.auth import passwords


def test_production_hasher_uses_argon2id_defaults() -> None:
    production = PasswordHasher()
    stored = production.hash("et-langt-passord")
    assert stored.startswith("$argon2id$")
    assert f"m={production.memory_cost},t={production.time_cost},p={production.parallelism}" in stored
    assert production.memory_cost >= 65536 and production.time_cost >= 2


def test_verify_accepts_the_right_password_only() -> None:
    stored = passwords.hash_password("et-langt-passord")
    assert passwords.verify_password(stored, "et-langt-passord")
    assert not passwords.verify_password(stored, "et-langt-passorD")
    assert not passwords.verify_password("not-a-hash", "et-langt-passord")
