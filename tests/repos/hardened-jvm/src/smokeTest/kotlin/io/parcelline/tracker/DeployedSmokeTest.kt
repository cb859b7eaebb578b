package io.parcelline.tracker

import org.junit.jupiter.api.Test

/** Runs against BASE_URL after a deploy. */
class DeployedSmokeTest {
    @Test
    fun `health and one parcel lookup answer`() {
    }
}
