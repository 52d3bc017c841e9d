"""Saved views: a person's named filters of a list page, private or shared on the node."""
