#!/bin/sh
# workerd as Miniflare starts it (MINIFLARE_WORKERD_PATH points here), but tied to the sidecar that starts
# it: setpriv sets PR_SET_PDEATHSIG, which survives the exec, so the kernel kills workerd when the sidecar
# dies, even by SIGKILL (Miniflare alone would leave it running). Without setpriv, workerd runs as it is.
if command -v setpriv >/dev/null 2>&1; then
  exec setpriv --pdeathsig KILL -- "$CLOUDFLARE_LOCAL_WORKERD" "$@"
fi
exec "$CLOUDFLARE_LOCAL_WORKERD" "$@"
