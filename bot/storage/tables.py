"""The whole schema in one place: every module that declares tables is imported here, so that
`metadata` lists every table whoever asks (migrations, key rotation), whatever else happens to
be imported. A module with a new table is added to this list."""

from __future__ import annotations

from bot.cases import models as cases
from bot.knowledge import store as knowledge
from bot.security import audit
from bot.staff import models as staff
from bot.storage.db import Base

TABLE_MODULES = (cases, knowledge, audit, staff)
metadata = Base.metadata
