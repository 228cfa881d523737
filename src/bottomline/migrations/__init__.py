"""Alembic migrations of the operational store (run with ``bottomline.db.upgrade``).

No alembic.ini is needed at run time: ``bottomline.db`` configures Alembic in code. Developers
generate a new revision from the repository root with the ``alembic.ini`` there::

    uv run alembic revision --autogenerate --rev-id 0002 -m "add cases"

then read and tidy the generated file (docs/store.md, "Changing the schema").
"""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> MetaData:
    """The metadata of every table the migrations manage (imports all model modules)."""
    import bottomline.assistance.models
    import bottomline.audit
    import bottomline.cases.models
    import bottomline.ingest.models
    import bottomline.policy.models
    import bottomline.quality.models
    import bottomline.registry.models
    import bottomline.screening.models
    import bottomline.users.models  # noqa: F401
    from bottomline.db import Base

    return Base.metadata
