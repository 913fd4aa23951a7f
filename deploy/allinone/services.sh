# The Kumo services the all-in-one stack runs, one line each:
#   name | entry point (relative to the repo) | port | health URL | extra environment (KEY=VALUE ...)
# Later services (image, compute, ...) add a line here.
KUMO_SERVICES=(
  "identity|apps/identity/dist/main.api.js|5000|http://127.0.0.1:5000/healthcheck|"
  "object-node1|apps/object/dist/main.storage.js|6200|http://127.0.0.1:6200/healthcheck|KUMO_OBJECT_OBJECT_PORT=6200 KUMO_OBJECT_CONTAINER_PORT=6201 KUMO_OBJECT_ACCOUNT_PORT=6202 KUMO_OBJECT_DEVICES=@STACK@/object/node1"
  "object-node2|apps/object/dist/main.storage.js|6210|http://127.0.0.1:6210/healthcheck|KUMO_OBJECT_OBJECT_PORT=6210 KUMO_OBJECT_CONTAINER_PORT=6211 KUMO_OBJECT_ACCOUNT_PORT=6212 KUMO_OBJECT_DEVICES=@STACK@/object/node2"
  "object-node3|apps/object/dist/main.storage.js|6220|http://127.0.0.1:6220/healthcheck|KUMO_OBJECT_OBJECT_PORT=6220 KUMO_OBJECT_CONTAINER_PORT=6221 KUMO_OBJECT_ACCOUNT_PORT=6222 KUMO_OBJECT_DEVICES=@STACK@/object/node3"
  "object-proxy|apps/object/dist/main.proxy.js|8080|http://127.0.0.1:8080/healthcheck|"
)
