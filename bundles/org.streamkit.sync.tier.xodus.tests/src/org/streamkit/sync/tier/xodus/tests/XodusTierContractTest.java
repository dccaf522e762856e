package org.streamkit.sync.tier.xodus.tests;

import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.StorageTierContractTest;

/** The storage-tier contract, run against the Xodus tier as registered by Declarative Services. */
class XodusTierContractTest extends StorageTierContractTest {

    @Override
    protected StorageTier tier() {
        return Services.tier(XodusTierContractTest.class, "xodus");
    }
}
