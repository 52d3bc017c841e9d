"""Work orders by SMS (issue 20 §8): an outbox of messages to technicians, sent through
Kannel's HTTP sendsms interface, with Kannel's delivery reports posted back."""
