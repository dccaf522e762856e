package org.streamkit.sync.tier.memory.tests;

import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.StorageTierContractTest;

/** The storage-tier contract, run against the memory tier as registered by Declarative Services. */
class MemoryTierContractTest extends StorageTierContractTest {

    @Override
    protected StorageTier tier() {
        return Services.tier(MemoryTierContractTest.class, "memory");
    }
}
