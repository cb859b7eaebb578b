//! The `pipewise/report@1` data model: the `pipewise-report` crate, re-exported
//! here so `crate::schema::X` (and `report::X`) keep their paths.

pub use pipewise_report::*;
