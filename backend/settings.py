"""Runtime configuration, read from the environment (prefix HJEMMERUTE_ or plain DATABASE_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Everything an operator can set; defaults give the embedded demo (SQLite, in-process jobs)."""

    model_config = SettingsConfigDict(env_prefix="HJEMMERUTE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATA_DIR / 'hjemmerute.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "HJEMMERUTE_DATABASE_URL"),
    )
    job_backend: Literal["auto", "inprocess", "procrastinate"] = "auto"
    token_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    metrics_token: str = Field(
        default="",
        description="bearer token Prometheus must send to /metrics (empty: open, for a closed network)",
    )
    api_docs: bool = Field(
        default=True,
        description="serve /docs, /redoc and /openapi.json; HJEMMERUTE_API_DOCS=false in production "
        "(the schema maps every endpoint for an attacker)",
    )
    cookie_secure: bool = False
    municipality_name: str = "Demo kommune"
    log_sql: bool = False
    network_dir: Path = DEFAULT_DATA_DIR / "networks"
    network_name: str = Field(default="demo", description="the imported network the planner uses")
    plan_seconds_per_team: float = Field(default=8.0, gt=0, le=600)
    replan_seconds: float = Field(default=5.0, gt=0, le=120)
    proposal_seconds_per_shift: float = Field(
        default=0.7, gt=0, le=60, description="solver time per shift when trying agreed-time proposals"
    )
    plan_workers: int = Field(default=2, ge=1, le=64, description="teams solved in parallel")
    usual_time_weight: int = Field(
        default=2,
        ge=0,
        le=9,
        description="cost per second a visit starts away from its usual time, in seconds of travel "
        "(below lateness's 10); 0 plans each day on its own",
    )
    usual_time_tolerance_minutes: int = Field(default=10, ge=0, le=120)
    continuity_weight: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="cost of a visit by a carer the recipient has not had in the last seven days, in seconds "
        "of travel",
    )
    sms_gateway: Literal["console", "link", "sveve"] = Field(
        default="console", description="console writes what would be sent to sms_outbox_file"
    )
    sms_gateway_url: str = Field(default="", description="LINK: https://…/sms/send; Sveve: …/SMS/SendMessage")
    sms_user: str = ""
    sms_password: str = ""
    sms_sender: str = Field(default="Hjemmetj", max_length=11, description="alphanumeric sender id")
    link_platform_id: str = "COMMON_API"
    link_platform_partner_id: str = ""
    link_gate_id: str = ""
    sms_dlr_secret: str = Field(default="", description="shared secret the delivery-report callbacks carry")
    sms_rate_per_second: float = Field(default=10.0, gt=0, le=1000, description="per gateway account")
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    sms_outbox_file: Path = DEFAULT_DATA_DIR / "sms-outbox.jsonl"
    notices_enabled: bool = Field(
        default=True, description="false: no delay notices are created (measuring the day without them)"
    )
    notice_validity_minutes: int = Field(default=60, ge=5, le=24 * 60)
    notice_tick_seconds: float = Field(default=30.0, gt=0, le=3600, description="ETA check and retries")
    # single sign-on (OpenID Connect: Entra ID, ID-porten/HelseID brokers, Keycloak …); off while issuer is empty
    oidc_issuer: str = Field(default="", description="e.g. https://login.microsoftonline.com/<tenant>/v2.0")
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_username_claim: str = Field(default="preferred_username", description="the login's username")
    oidc_name_claim: str = "name"
    oidc_groups_claim: str = Field(default="groups", description="Entra ID: groups (object ids) or roles")
    oidc_employee_claim: str = Field(
        default="employee_id", description="a carer's employee number (links the login to the carer)"
    )
    oidc_group_roles: dict[str, Literal["admin", "manager", "coordinator", "carer"]] = Field(
        default_factory=dict, description='group → role, JSON: {"<group id>": "coordinator"}'
    )
    oidc_group_teams: dict[str, list[str]] = Field(
        default_factory=dict, description='group → team names, JSON: {"<group id>": ["Gul"]}'
    )
    session_secret: str = Field(
        default="", description="signs the sign-on state cookie; the same value on every API process"
    )

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql", "postgres"))

    @property
    def effective_job_backend(self) -> Literal["inprocess", "procrastinate"]:
        """Procrastinate needs PostgreSQL; the embedded SQLite default runs jobs in-process."""
        if self.job_backend == "auto":
            return "procrastinate" if self.is_postgres else "inprocess"
        return self.job_backend


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own Settings and pass them to create_app."""
    return Settings()
