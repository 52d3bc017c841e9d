"""The customer 360 view: one customer with what the other domains hold about them.

Sits above customers, contacts, subscriptions, tickets, interactions and churn, which
never import it; the API and the web UI show a customer's detail through it.
"""
