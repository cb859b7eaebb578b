#!/usr/bin/env bash
set -euo pipefail
kubectl exec -n riptide deployment/redis -- redis-cli BGSAVE
