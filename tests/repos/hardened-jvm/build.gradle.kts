plugins {
    kotlin("jvm") version "2.0.21"
    kotlin("plugin.spring") version "2.0.21"
    id("org.springframework.boot") version "3.3.5"
    id("io.spring.dependency-management") version "1.1.6"
    id("com.google.cloud.tools.jib") version "3.4.4"
    id("org.jlleitschuh.gradle.ktlint") version "12.1.1"
    id("io.gitlab.arturbosch.detekt") version "1.23.7"
    id("org.owasp.dependencycheck") version "11.1.0"
    jacoco
}

group = "io.parcelline"

java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }

dependencies {
    implementation("org.springframework.boot:spring-boot-starter-web")
    implementation("org.springframework.boot:spring-boot-starter-actuator")
    implementation("org.springframework.boot:spring-boot-starter-data-jdbc")
    implementation("org.flywaydb:flyway-core")
    implementation("org.flywaydb:flyway-database-postgresql")
    implementation("io.sentry:sentry-spring-boot-starter-jakarta:7.16.0")
    runtimeOnly("org.postgresql:postgresql")
    testImplementation("org.springframework.boot:spring-boot-starter-test")
    testImplementation("org.testcontainers:postgresql")
}

jib {
    from { image = "eclipse-temurin:21.0.5_11-jre-noble@sha256:5b9e2d1bb1d2ca2e7f6e3a7d3b0c1a5e0f8f39c1d6a0c6e7b3d7f1e2c9a8b7d6" }
    to { image = "europe-west1-docker.pkg.dev/parcelline/apps/parcel-tracker" }
    container { user = "1000:1000" }
}

tasks.jacocoTestCoverageVerification {
    violationRules { rule { limit { minimum = "0.80".toBigDecimal() } } }
}

dependencyCheck { failBuildOnCVSS = 7.0f }
