//! Where statuses come from: the CEAC status tracker and the USCIS Case Status API, spoken
//! over their real protocols, and faithful fakes of both for tests and benchmarks.
//!
//! Parsing lives in `visanav-core` (pure); this crate does the I/O around it.

pub mod captcha;
pub mod ceac;
pub mod fake;
pub mod net;
pub mod uscis;
