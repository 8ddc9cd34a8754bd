//! What a submitted form holds (URL-encoded bodies: every form of the pages but the upload).

use std::collections::HashMap;

pub fn fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A field's value, or "" when the form did not send it.
pub fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}
