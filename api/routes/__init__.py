"""One router per resource; `api.main.create_app` mounts them."""
