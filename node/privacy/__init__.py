"""Personal data protection: masking."""
