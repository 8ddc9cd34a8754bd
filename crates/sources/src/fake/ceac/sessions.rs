//! Per-session state of the fake CEAC site: the forms it issued (VIEWSTATE and BotDetect
//! captcha instance) and their codes.
//!
//! BotDetect keeps captcha codes in the ASP.NET session, so a captcha is only good with the
//! session cookie it was issued under, only once (right or wrong), and only for a while
//! (the peers expire a saved form after 5 minutes, reference §1.8).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;

use super::super::{captcha, lock, random};

/// How long a captcha code can be used.
pub const CAPTCHA_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// ASP.NET's default session timeout: idle sessions are forgotten after it.
const SESSION_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Forms remembered per session (a person reloading the page many times).
const FORMS_PER_SESSION: usize = 16;
/// How often idle sessions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// One issued form: what must come back with its submit.
#[derive(Debug, Clone)]
pub struct IssuedForm {
    pub viewstate: String,
    pub vcid: String,
    code: String,
    issued: Instant,
    used: bool,
}

#[derive(Debug)]
struct Session {
    last_seen: Instant,
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
    sessions: HashMap<String, Session>,
    last_sweep: Instant,
}

#[derive(Debug)]
pub struct Sessions {
    store: Mutex<Store>,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            store: Mutex::new(Store {
                sessions: HashMap::new(),
                last_sweep: Instant::now(),
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
    pub fn known(&self, cookie: Option<&str>, now: Instant) -> Option<String> {
        let mut store = lock(&self.store);
        let session = store.sessions.get_mut(cookie?)?;
        session.last_seen = now;
        cookie.map(str::to_string)
    }

    /// A new, empty session; its id goes into the `ASP.NET_SessionId` cookie.
    pub fn create(&self, now: Instant) -> String {
        let mut store = lock(&self.store);
        if now.duration_since(store.last_sweep) >= SWEEP_EVERY {
            store
                .sessions
                .retain(|_, s| now.duration_since(s.last_seen) < SESSION_TIMEOUT);
            store.last_sweep = now;
        }
        let id = new_session_id();
        store.sessions.insert(
            id.clone(),
            Session {
                last_seen: now,
                forms: VecDeque::new(),
            },
        );
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
        if let Some(s) = store.sessions.get_mut(session) {
            if s.forms.len() >= FORMS_PER_SESSION {
                s.forms.pop_front();
            }
            s.forms.push_back(form.clone());
        }
        form
    }

    /// The code of a captcha instance the session may still show.
    pub fn captcha_code(&self, session: &str, vcid: &str, now: Instant) -> Option<String> {
        let store = lock(&self.store);
        let form = store
            .sessions
            .get(session)?
            .forms
            .iter()
            .find(|f| f.vcid == vcid)?;
        let fresh = now.duration_since(form.issued) < CAPTCHA_LIFETIME;
        (fresh && !form.used).then(|| form.code.clone())
    }

    /// Whether the session was given this VIEWSTATE (and still remembers it).
    pub fn was_issued(&self, session: &str, viewstate: &str) -> bool {
        let store = lock(&self.store);
        store
            .sessions
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
        let Some(s) = store.sessions.get_mut(session) else {
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
