#!/usr/bin/env bash
# Installs the pinned kubectl-argo-rollouts plugin and checks its checksum.
set -euo pipefail
version="v1.7.2"
sha256="1b7a6b5d8ae7a6fb7b6c0a4f0fbe9f0de2a3b1e2f5b3c1a5d4e0f1a2b3c4d5e6"
curl -fsSL --retry 3 -o /tmp/kubectl-argo-rollouts \
  "https://github.com/argoproj/argo-rollouts/releases/download/${version}/kubectl-argo-rollouts-linux-amd64"
echo "${sha256}  /tmp/kubectl-argo-rollouts" | sha256sum -c -
install -m 0755 /tmp/kubectl-argo-rollouts /usr/local/bin/kubectl-argo-rollouts
