package io.parcelline.tracker

import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.PathVariable
import org.springframework.web.bind.annotation.RestController

/** A JSON API: no pages, no browser UI. */
@RestController
class ParcelController(private val parcels: ParcelRepository) {
    @GetMapping("/parcels/{id}")
    fun parcel(@PathVariable id: String) = parcels.find(id)
}
