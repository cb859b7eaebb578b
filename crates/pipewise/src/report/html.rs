//! HTML report.
