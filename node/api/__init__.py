"""HTTP API plumbing shared by every domain router."""
