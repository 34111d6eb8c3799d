"""The network `make bench-faults` runs against: it answers after BENCH_NETWORK_LATENCY_MS and
appends one line per answered call to BENCH_NETWORK_LOG, so the benchmark can count a second
network call for the same product (every worker process appends to the same file)."""

from __future__ import annotations

import os
import time

from orders.provisioning import ProvisioningRequest


class CountingNetworkAdapter:
    def __init__(self) -> None:
        self.latency_s = int(os.environ.get("BENCH_NETWORK_LATENCY_MS", "20")) / 1000
        self.log_path = os.environ["BENCH_NETWORK_LOG"]

    def _answer(self, what: str, request: ProvisioningRequest) -> None:
        time.sleep(self.latency_s)
        # One short write in append mode: lines from several processes never interleave.
        with open(self.log_path, "a") as log:
            log.write(f"{what} {request.product_instance_id}\n")

    def activate(self, request: ProvisioningRequest) -> None:
        self._answer("activate", request)

    def deactivate(self, request: ProvisioningRequest) -> None:
        self._answer("deactivate", request)
