"""Import every domain's models so that Base.metadata knows all tables (for Alembic)."""

from __future__ import annotations

from tanji.accounts import models as account_models  # noqa: F401
from tanji.db.base import Base
from tanji.exchange.pact import models as pact_models  # noqa: F401
from tanji.factors import models as factor_models  # noqa: F401
from tanji.footprints import models as footprint_models  # noqa: F401
from tanji.labels import models as label_models  # noqa: F401

metadata = Base.metadata
