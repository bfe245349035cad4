"""Departments, users, roles, API keys and browser sessions."""
