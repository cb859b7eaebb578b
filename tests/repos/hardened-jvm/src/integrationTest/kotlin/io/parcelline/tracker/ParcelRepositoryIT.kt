package io.parcelline.tracker

import org.junit.jupiter.api.Test

class ParcelRepositoryIT {
    @Test
    fun `parcels round-trip through PostgreSQL`() {
    }
}
