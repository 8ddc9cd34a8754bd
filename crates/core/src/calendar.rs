//! Calendar feeds: an RFC 5545 (iCalendar) writer and the events a case puts in a feed.
//!
//! `ical` writes the text (escaping, folding, CRLF, VTIMEZONE from jiff's time zone
//! database); `feed` turns a case's plan into events, naming the case only by a label such as
//! "K-1 case, Manila" (no names, case numbers or passport numbers: anyone holding a feed's
//! link can read it).
//!
//! Pure, like the rest of core: the caller passes `today`, `now` and each event's SEQUENCE
//! (which the store keeps, see `Event::fingerprint`).

pub mod feed;
pub mod ical;

pub use feed::{
    ConsultationInfo, DEFAULT_LEAD_DAYS, FeedLinks, case_events, case_label, consultation_event,
};
pub use ical::{Calendar, Event, Method, Stamp, When, write_calendar, write_invite};
