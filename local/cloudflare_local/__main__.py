"""`python -m cloudflare_local serve ...` (what CloudflareLocalServer runs)."""

import sys

from cloudflare_local.cli import main

sys.exit(main())
