//! `${name}` substitution: inside a string it splices the parameter's text; a value that is
//! exactly `${name}` takes the parameter's value with its type (a number stays a number).
//! `$${` writes a literal `${`.

use indexmap::IndexMap;
use serde_json::Value;

/// The parameters visible in a scope: `None` for a declared parameter that has no value yet.
pub type Values = IndexMap<String, Option<Value>>;

#[derive(Debug, Clone, PartialEq)]
pub enum SubstError {
    Unknown { name: String, known: Vec<String> },
    Unset(String),
    Unclosed,
}

impl SubstError {
    pub fn message(&self) -> String {
        match self {
            SubstError::Unknown { name, .. } => format!("unknown parameter `${{{name}}}`"),
            SubstError::Unset(name) => format!("parameter `${{{name}}}` is not set"),
            SubstError::Unclosed => "unclosed `${` (write `$${` for a literal `${`)".into(),
        }
    }

    pub fn help(&self) -> String {
        match self {
            SubstError::Unknown { name, known } => {
                crate::diag::did_you_mean(name, known.iter().map(String::as_str)).unwrap_or_else(|| {
                    format!("declare it under `params:` (known: {})", if known.is_empty() { "none".into() } else { known.join(", ") })
                })
            }
            SubstError::Unset(name) => format!("give it a value: in `params:`, in the `use:` stage's `with:`, or with `--set {name}=...`"),
            SubstError::Unclosed => "close it with `}`".into(),
        }
    }
}

/// Substitutes in a value (recursively); returns it and the parameters it used.
pub fn substitute(value: &Value, values: &Values) -> Result<(Value, Vec<String>), SubstError> {
    let mut used = Vec::new();
    let out = subst_value(value, values, &mut used)?;
    Ok((out, used))
}

fn subst_value(value: &Value, values: &Values, used: &mut Vec<String>) -> Result<Value, SubstError> {
    Ok(match value {
        Value::String(s) => subst_str(s, values, used)?,
        Value::Array(items) => Value::Array(items.iter().map(|v| subst_value(v, values, used)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| Ok((k.clone(), subst_value(v, values, used)?))).collect::<Result<_, SubstError>>()?,
        ),
        other => other.clone(),
    })
}

fn lookup(name: &str, values: &Values, used: &mut Vec<String>) -> Result<Value, SubstError> {
    match values.get(name) {
        Some(Some(v)) => {
            used.push(name.to_string());
            Ok(v.clone())
        }
        Some(None) => Err(SubstError::Unset(name.to_string())),
        None => Err(SubstError::Unknown { name: name.to_string(), known: values.keys().cloned().collect() }),
    }
}

fn subst_str(s: &str, values: &Values, used: &mut Vec<String>) -> Result<Value, SubstError> {
    if !s.contains('$') {
        return Ok(Value::String(s.to_string()));
    }
    // Exactly `${name}`: keep the parameter's type.
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains(['{', '}', '$']) {
            return lookup(name.trim(), values, used);
        }
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let end = after.find('}').ok_or(SubstError::Unclosed)?;
            match lookup(after[..end].trim(), values, used)? {
                Value::String(v) => out.push_str(&v),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vals() -> Values {
        let mut v = Values::new();
        v.insert("k".into(), Some(json!(20)));
        v.insert("arch".into(), Some(json!("convnet")));
        v.insert("unset".into(), None);
        v
    }

    #[test]
    fn exact_reference_keeps_type_and_inline_splices_text() {
        let (v, used) = substitute(&json!({"k": "${k}", "name": "dc-${k}-${arch}", "lit": "$${k}"}), &vals()).unwrap();
        assert_eq!(v, json!({"k": 20, "name": "dc-20-convnet", "lit": "${k}"}));
        assert_eq!(used, vec!["k", "k", "arch"]);
    }

    #[test]
    fn unknown_unset_and_unclosed_are_errors() {
        assert!(matches!(substitute(&json!("${kk}"), &vals()), Err(SubstError::Unknown { .. })));
        assert_eq!(substitute(&json!("${unset}"), &vals()), Err(SubstError::Unset("unset".into())));
        assert_eq!(substitute(&json!("a ${k"), &vals()), Err(SubstError::Unclosed));
        let e = substitute(&json!("${kk}"), &vals()).unwrap_err();
        assert_eq!(e.help(), "did you mean `k`?");
    }
}
