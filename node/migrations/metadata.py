"""The whole database schema a running node has: its own models and federation state.

Migrations assemble the node like the app factory does, so they may import federation.
"""

import federation.registry.models  # noqa: F401  (registers its tables on Base.metadata)
from node.db.models import Base

metadata = Base.metadata
