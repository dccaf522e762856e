package org.streamkit.sync.tier.cloud;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.streamkit.sync.api.StorageTier;
import org.streamkit.sync.testing.StorageTierContractTest;

/**
 * The storage-tier contract, for the cloud tier against the local server with its extensions off (the
 * deployed API's core routes): deletes travel as tombstone records, and every pull lists everything.
 */
class CloudTierCoreContractTest extends StorageTierContractTest {

    private static CloudStore cloud;

    @BeforeAll
    static void startServer() throws Exception {
        cloud = CloudTierContractTest.start(false);
    }

    @AfterAll
    static void stopServer() {
        CloudTierContractTest.stop();
    }

    @Override
    protected StorageTier tier() {
        return cloud;
    }

    @Override
    protected boolean listsOnlyChanges() {
        return false;
    }

    @Override
    protected int concurrentWriters() {
        return 4;
    }

    @Override
    protected int writesPerWriter() {
        return 25;
    }
}
