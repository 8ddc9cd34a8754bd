//! What a submitted form holds (URL-encoded bodies: every form of the pages but the upload).

use std::collections::HashMap;

pub fn fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A field's value, or "" when the form did not send it.
pub fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

/// The fields of a form, by name.
pub type Fields = HashMap<String, String>;

/// Every value sent under `name` (checkboxes sharing a name), in order.
pub fn all_values(body: &[u8], name: &str) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}
