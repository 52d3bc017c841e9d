"""dictionaries domain."""
