//! The "Cost and speed" data of the `pipewise/report@1` document, in the report
//! schema crate ([`pipewise_report::economics`]).

pub use pipewise_report::economics::*;
