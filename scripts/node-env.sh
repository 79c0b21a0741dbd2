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
# A supported LTS that testcontainers 12 runs on: 22.22 or newer.
node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 22) ? 0 : 1)' 2>/dev/null
}
