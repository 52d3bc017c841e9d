"""The whole database schema a running node has: its own models, federation state and
rollup snapshots.

Migrations assemble the node like the app factory does, so they may import federation.
"""

import federation.entry  # noqa: F401  (registers federation's tables on Base.metadata)
import rollup.entry  # noqa: F401  (the same for the rollup snapshot tables)
from node.models import Base

metadata = Base.metadata
