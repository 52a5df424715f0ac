"""The registry of job kinds. Each takes a Session and JSON-able keyword arguments and returns a JSON-able
dict; the same functions run under both runners (in-process on SQLite, procrastinate on PostgreSQL).

jobs/ sits below the domains, so it knows none of them: the job kinds are registered by `backend.tasks`
(the composition root), and so are extra procrastinate tasks (the notice sender) through TASK_INSTALLERS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import procrastinate
from sqlalchemy.engine import Engine

from backend.settings import Settings

JobFunction = Callable[..., dict[str, Any]]
JOBS: dict[str, JobFunction] = {}


TaskInstaller = Callable[[procrastinate.App, Settings, Engine], None]
TASK_INSTALLERS: list[TaskInstaller] = []
