"""`fedcrm demo`: a whole federation on one machine, with realistic data, in one command."""
