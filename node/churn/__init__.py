"""churn domain."""
