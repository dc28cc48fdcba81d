"""Cross-cutting pieces of the REST API: the error shape, pagination and the JSON error middleware."""
