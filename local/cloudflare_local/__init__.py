"""cloudflare-local: a local Cloudflare account serving the Workers + Workflows v4 API subset.

The state model (`models`) knows nothing of HTTP; `http` renders it as Cloudflare's API; `store` keeps it
on disk; `process` starts a real server subprocess for tests and demos.
"""

from cloudflare_local.process import CloudflareLocalServer

__all__ = ["CloudflareLocalServer"]
