//! Per-session state of the fake CEAC site: the forms it issued (VIEWSTATE and BotDetect
//! captcha instance) and their codes.
//!
//! BotDetect keeps captcha codes in the ASP.NET session, so a captcha is only good with the
//! session cookie it was issued under, only once (right or wrong), and only for a while
//! (the peers expire a saved form after 5 minutes, reference §1.8).
//!
//! Memory stays bounded under any load: sessions live in two generations; one untouched
//! for a whole generation (10 minutes, or 50,000 newer sessions) is forgotten, as ASP.NET
//! forgets idle sessions (after 20 minutes by default).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;

use super::super::{captcha, lock, random};

/// How long a captcha code can be used.
pub const CAPTCHA_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// How long a generation of sessions lasts: idle sessions go after one to two of them.
const GENERATION: Duration = Duration::from_secs(10 * 60);
/// New sessions that end a generation early (a benchmark opening thousands per second).
const GENERATION_SIZE: usize = 50_000;
/// Forms remembered per session (a person reloading the page, or many checks in flight
/// on one cookie jar).
const FORMS_PER_SESSION: usize = 64;

/// One issued form: what must come back with its submit.
#[derive(Debug, Clone)]
pub struct IssuedForm {
    pub viewstate: String,
    pub vcid: String,
    code: String,
    issued: Instant,
    used: bool,
}

#[derive(Debug, Default)]
struct Session {
    forms: VecDeque<IssuedForm>,
}

/// How a submit's VIEWSTATE and captcha compare with what the session was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The session never issued this VIEWSTATE: ASP.NET refuses the postback.
    Rejected,
    /// The captcha instance is unknown, used, expired, or the code differs.
    Mismatch,
    Solved,
}

#[derive(Debug)]
struct Store {
    current: HashMap<String, Session>,
    previous: HashMap<String, Session>,
    rotated: Instant,
}

impl Store {
    /// A session by id; using it brings it into the current generation.
    fn get(&mut self, id: &str) -> Option<&mut Session> {
        if let Some(s) = self.previous.remove(id) {
            self.current.insert(id.to_string(), s);
        }
        self.current.get_mut(id)
    }

    /// Starts a new generation when the current one is old or full: the previous one,
    /// holding only sessions untouched for a whole generation, is dropped.
    fn rotate_if_due(&mut self, now: Instant) {
        if now.duration_since(self.rotated) >= GENERATION || self.current.len() >= GENERATION_SIZE {
            self.previous = std::mem::take(&mut self.current);
            self.rotated = now;
        }
    }
}

#[derive(Debug)]
pub struct Sessions {
    store: Mutex<Store>,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            store: Mutex::new(Store {
                current: HashMap::new(),
                previous: HashMap::new(),
                rotated: Instant::now(),
            }),
        }
    }
}

/// An ASP.NET session id: 24 characters of a–z and 0–5.
fn new_session_id() -> String {
    random::string_from(b"abcdefghijklmnopqrstuvwxyz012345", 24)
}

/// A VIEWSTATE-looking value: base64 of a serialized-state prefix and random bytes, so it
/// starts with `/wEP` like the real one and differs on every page.
fn new_viewstate() -> String {
    let mut raw = vec![0xff, 0x01, 0x0f, 0x0f];
    raw.extend(random::bytes(150));
    base64::engine::general_purpose::STANDARD.encode(raw)
}

impl Sessions {
    /// The session named by the cookie, if the fake knows it (and touches it).
    pub fn known(&self, cookie: Option<&str>) -> Option<String> {
        let id = cookie?;
        lock(&self.store).get(id).map(|_| id.to_string())
    }

    /// A new, empty session; its id goes into the `ASP.NET_SessionId` cookie.
    pub fn create(&self, now: Instant) -> String {
        let mut store = lock(&self.store);
        store.rotate_if_due(now);
        let id = new_session_id();
        store.current.insert(id.clone(), Session::default());
        id
    }

    /// Issues a fresh form (VIEWSTATE, captcha instance and code) to the session.
    pub fn issue(&self, session: &str, now: Instant) -> IssuedForm {
        let form = IssuedForm {
            viewstate: new_viewstate(),
            vcid: random::hex(32),
            code: captcha::new_code(),
            issued: now,
            used: false,
        };
        let mut store = lock(&self.store);
        if let Some(s) = store.get(session) {
            if s.forms.len() >= FORMS_PER_SESSION {
                s.forms.pop_front();
            }
            s.forms.push_back(form.clone());
        }
        form
    }

    /// The code of a captcha instance the session may still show.
    pub fn captcha_code(&self, session: &str, vcid: &str, now: Instant) -> Option<String> {
        let mut store = lock(&self.store);
        let form = store.get(session)?.forms.iter().find(|f| f.vcid == vcid)?;
        let fresh = now.duration_since(form.issued) < CAPTCHA_LIFETIME;
        (fresh && !form.used).then(|| form.code.clone())
    }

    /// Whether the session was given this VIEWSTATE (and still remembers it).
    pub fn was_issued(&self, session: &str, viewstate: &str) -> bool {
        lock(&self.store)
            .get(session)
            .is_some_and(|s| s.forms.iter().any(|f| f.viewstate == viewstate))
    }

    /// Checks a submit's VIEWSTATE and captcha. The captcha instance is used up either way.
    pub fn check(
        &self,
        session: &str,
        viewstate: &str,
        vcid: &str,
        typed: &str,
        now: Instant,
    ) -> Check {
        let mut store = lock(&self.store);
        let Some(s) = store.get(session) else {
            return Check::Mismatch;
        };
        let Some(issued_with) = s
            .forms
            .iter()
            .find(|f| f.viewstate == viewstate)
            .map(|f| f.vcid.clone())
        else {
            return Check::Rejected;
        };
        let Some(form) = s.forms.iter_mut().find(|f| f.vcid == vcid) else {
            return Check::Mismatch;
        };
        let usable = !form.used && now.duration_since(form.issued) < CAPTCHA_LIFETIME;
        form.used = true;
        let right = form.code.eq_ignore_ascii_case(typed.trim());
        if usable && right && issued_with == vcid {
            Check::Solved
        } else {
            Check::Mismatch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captcha_is_good_once_in_its_own_session_and_only_while_fresh() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let id = sessions.create(now);
        let form = sessions.issue(&id, now);
        assert!(form.viewstate.starts_with("/wEP"), "{}", form.viewstate);
        assert_eq!(form.vcid.len(), 32);
        let code = sessions.captcha_code(&id, &form.vcid, now).expect("code");
        let other = sessions.create(now);
        assert_eq!(sessions.captcha_code(&other, &form.vcid, now), None);
        assert_eq!(
            sessions.check(&id, "not-issued", &form.vcid, &code, now),
            Check::Rejected
        );
        let lower = code.to_ascii_lowercase();
        assert_eq!(
            sessions.check(&id, &form.viewstate, &form.vcid, &lower, now),
            Check::Solved
        );
        assert_eq!(
            sessions.check(&id, &form.viewstate, &form.vcid, &code, now),
            Check::Mismatch,
            "single use"
        );
        let later = sessions.issue(&id, now);
        let code = sessions.captcha_code(&id, &later.vcid, now).expect("code");
        let stale = now + CAPTCHA_LIFETIME;
        assert_eq!(sessions.captcha_code(&id, &later.vcid, stale), None);
        assert_eq!(
            sessions.check(&id, &later.viewstate, &later.vcid, &code, stale),
            Check::Mismatch
        );
    }

    #[test]
    fn idle_sessions_are_forgotten_after_a_generation_and_used_ones_kept() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let idle = sessions.create(now);
        let busy = sessions.create(now);
        let t1 = now + GENERATION;
        sessions.create(t1);
        assert!(sessions.known(Some(&busy)).is_some(), "touched: kept");
        let t2 = t1 + GENERATION;
        sessions.create(t2);
        assert!(sessions.known(Some(&busy)).is_some());
        assert!(
            sessions.known(Some(&idle)).is_none(),
            "idle two generations: gone"
        );
        assert!(sessions.known(None).is_none());
    }

    #[test]
    fn a_wrong_code_spends_the_captcha_too() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let id = sessions.create(now);
        let form = sessions.issue(&id, now);
        let code = sessions.captcha_code(&id, &form.vcid, now).expect("code");
        assert_eq!(
            sessions.check(&id, &form.viewstate, &form.vcid, "WRONG!", now),
            Check::Mismatch
        );
        assert_eq!(
            sessions.check(&id, &form.viewstate, &form.vcid, &code, now),
            Check::Mismatch
        );
    }
}
