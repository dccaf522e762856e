package org.streamkit.sync.tier.file;

import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.Services;
import org.streamkit.sync.testing.StorageTierContractTest;

/** The storage-tier contract, run against the file backup tier as registered by Declarative Services. */
class FileTierContractTest extends StorageTierContractTest {

    @Override
    protected StorageTier tier() {
        return Services.tier(FileTierContractTest.class, "file");
    }

    @Override
    protected int writesPerWriter() {
        return 40; // every write is two fsyncs
    }
}
