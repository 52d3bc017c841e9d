"""What needs a person's attention now: new dispatches, tickets about to breach, and the
day's overdue digest. Computed from the tickets; only when each person last looked is
stored."""
