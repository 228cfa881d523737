"""The REST API (FastAPI): officials' reads and actions over HTTP, through the same domain
functions and access layer as the CLI (docs/api.md)."""
