"""Creating nodes and linking them into a federation, as values.

The steps behind `fedcrm init`, `child add` and `parent set`: each returns what it made
(settings, the parent's public key, the parent's address) and raises ProvisioningError with a plain
message, so the CLI prints and the demo builds from the same code without reading
anything printed. Part of the composition root: linking reaches into `federation`.
"""
