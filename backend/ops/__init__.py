"""Running the service: readiness checks, Prometheus metrics, structured logs with a request id."""
