"""One fedcrm CRM node: data model, services, REST API, CLI."""
