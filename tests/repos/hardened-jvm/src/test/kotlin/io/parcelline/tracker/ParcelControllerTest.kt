package io.parcelline.tracker

import org.junit.jupiter.api.Test

class ParcelControllerTest {
    @Test
    fun `unknown parcels are not found`() {
    }
}
