//! Form fields named by case-file paths (`interview_on`, `beneficiary.surname`,
//! `documents[2].kind`), applied to a case file held as JSON, so an edited case goes through
//! exactly the validation `visanav case import` applies and its messages name the same fields.

use serde_json::{Map, Value};

/// One step of a path: a key or a list index.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            None => out.push(Step::Key(part)),
            Some((key, rest)) => {
                out.push(Step::Key(key));
                let index = rest.strip_suffix(']')?.parse().ok()?;
                out.push(Step::Index(index));
            }
        }
    }
    Some(out)
}

/// Sets `path` to `value` (`None` removes it), creating tables on the way. A list index may
/// be one past the end (a new row). Returns false for a path that cannot be set.
pub fn set(root: &mut Value, path: &str, value: Option<Value>) -> bool {
    let Some(steps) = steps(path) else {
        return false;
    };
    let mut node = root;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        match step {
            Step::Key(k) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                let Some(map) = node.as_object_mut() else {
                    return false;
                };
                if last {
                    match value {
                        Some(v) => {
                            map.insert(k.to_string(), v);
                        }
                        None => {
                            map.remove(*k);
                        }
                    }
                    return true;
                }
                let next_is_list = matches!(steps.get(i + 1), Some(Step::Index(_)));
                node = map.entry(k.to_string()).or_insert_with(|| {
                    if next_is_list {
                        Value::Array(Vec::new())
                    } else {
                        Value::Object(Map::new())
                    }
                });
            }
            Step::Index(n) => {
                let Some(list) = node.as_array_mut() else {
                    return false;
                };
                if *n == list.len() {
                    list.push(Value::Object(Map::new()));
                }
                let Some(item) = list.get_mut(*n) else {
                    return false;
                };
                if last {
                    match value {
                        Some(v) => *item = v,
                        None => *item = Value::Null,
                    }
                    return true;
                }
                node = item;
            }
        }
    }
    false
}

/// The text at `path` ("" when absent); lists of strings are joined with ", ".
pub fn get(root: &Value, path: &str) -> String {
    let Some(steps) = steps(path) else {
        return String::new();
    };
    let mut node = root;
    for step in steps {
        let next = match step {
            Step::Key(k) => node.get(k),
            Step::Index(n) => node.get(n),
        };
        match next {
            Some(v) => node = v,
            None => return String::new(),
        }
    }
    text_of(node)
}

/// A value as a person typed it: strings as they are, lists joined with ", ".
fn text_of(node: &Value) -> String {
    match node {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Every filled leaf of a case file as (path, text), lists of plain values as one leaf.
pub fn leaves(root: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, child, out);
                }
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), child, out);
                }
            }
            Value::Null => {}
            Value::Array(items) if items.is_empty() => {}
            Value::String(s) if s.is_empty() => {}
            other => out.push((prefix.to_string(), text_of(other))),
        }
    }
    let mut out = Vec::new();
    walk("", root, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_and_removes_nested_fields_and_new_rows() {
        let mut v = json!({"visa": "K-1", "documents": [{"kind": "passport"}]});
        assert!(set(&mut v, "beneficiary.surname", Some(json!("Santos"))));
        assert!(set(
            &mut v,
            "documents[1].kind",
            Some(json!("police_certificate"))
        ));
        assert!(set(&mut v, "documents[0].status", Some(json!("gathered"))));
        assert!(set(&mut v, "visa", None));
        assert!(!set(&mut v, "documents[5].kind", Some(json!("x"))));
        assert!(!set(&mut v, "documents[x].kind", Some(json!("x"))));
        assert_eq!(
            v,
            json!({"beneficiary": {"surname": "Santos"}, "documents": [
                {"kind": "passport", "status": "gathered"}, {"kind": "police_certificate"}]})
        );
        assert_eq!(get(&v, "documents[1].kind"), "police_certificate");
        assert_eq!(get(&v, "documents[3].kind"), "");
    }

    #[test]
    fn leaves_name_every_filled_value() {
        let v = json!({"refusal": {"on": "2025-06-02", "requested": ["a", "b"], "notes": ""},
                       "documents": [{"kind": "passport"}], "status": []});
        let mut l = leaves(&v);
        l.sort();
        assert_eq!(
            l,
            [
                ("documents[0].kind".to_string(), "passport".to_string()),
                ("refusal.on".to_string(), "2025-06-02".to_string()),
                ("refusal.requested".to_string(), "a, b".to_string()),
            ]
        );
    }
}
