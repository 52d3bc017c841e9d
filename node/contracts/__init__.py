"""contracts domain."""
