# The Kumo services the all-in-one stack runs, one line each:
#   name | entry point (relative to the repo) | port | health URL
# Later services (object proxy and storage nodes, image, compute, ...) add a line here.
KUMO_SERVICES=(
  "identity|apps/identity/dist/main.api.js|5000|http://127.0.0.1:5000/healthcheck"
)
