//! Notifications: the dispatcher that fans events out and delivers them, and the pages a
//! person reads them on and sets their choices.

mod channels;
pub mod dispatcher;
mod invite;
pub mod pages;

pub use dispatcher::{DispatchReport, Dispatcher, DispatcherConfig};
