rootProject.name = "parcel-tracker"
