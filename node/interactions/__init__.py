"""interactions domain."""
