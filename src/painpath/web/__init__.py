"""The web shell: JSON API, server-rendered UI, middleware. Thin: parse, call a service, render."""
