"""The deposito agent's HTTP routes, one module per area (endpoints.routers() mounts them)."""
