# Sourced: puts dplab's Node (>= 22) first on PATH when setup installed one under .tools/node.
_dplab_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$_dplab_root/.tools/node/node_modules/.bin/node" ]; then
  export PATH="$_dplab_root/.tools/node/node_modules/.bin:$PATH"
fi
# Node and npm trust only their built-in CAs; a host whose traffic passes a TLS proxy with its own
# CA (in the system bundle) needs them to use the system's bundle too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
node_ok() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$major" -ge 22 ]
}
