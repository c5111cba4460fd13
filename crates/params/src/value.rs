//! Conversion between a parameter's Rust type and the neutral JSON value a recipe provides.

use serde_json::Value;

/// A type a parameter can have.
pub trait ParamValue: Sized {
    /// How the type reads in an error message and in `pipeline list`.
    fn type_name() -> &'static str;
    /// Converts a recipe value, or `None` when it has the wrong type.
    fn from_json(v: &Value) -> Option<Self>;
    fn to_json(&self) -> Value;
    /// The numbers a range check applies to (none for non-numeric types).
    fn numbers(&self) -> Vec<f64> {
        Vec::new()
    }
    /// The strings a choices check applies to.
    fn strings(&self) -> Vec<&str> {
        Vec::new()
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn type_name() -> &'static str { "a non-negative integer" }
            fn from_json(v: &Value) -> Option<Self> { v.as_u64().and_then(|x| <$t>::try_from(x).ok()) }
            fn to_json(&self) -> Value { Value::from(*self as u64) }
            fn numbers(&self) -> Vec<f64> { vec![*self as f64] }
        }
    )*};
}
unsigned!(usize, u64, u32);

impl ParamValue for i64 {
    fn type_name() -> &'static str {
        "an integer"
    }
    fn from_json(v: &Value) -> Option<Self> {
        v.as_i64()
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn numbers(&self) -> Vec<f64> {
        vec![*self as f64]
    }
}

macro_rules! float {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn type_name() -> &'static str { "a number" }
            fn from_json(v: &Value) -> Option<Self> { v.as_f64().map(|x| x as $t) }
            fn to_json(&self) -> Value { Value::from(*self as f64) }
            fn numbers(&self) -> Vec<f64> { vec![*self as f64] }
        }
    )*};
}
float!(f64, f32);

impl ParamValue for bool {
    fn type_name() -> &'static str {
        "true or false"
    }
    fn from_json(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ParamValue for String {
    fn type_name() -> &'static str {
        "a string"
    }
    fn from_json(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn strings(&self) -> Vec<&str> {
        vec![self.as_str()]
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn type_name() -> &'static str {
        T::type_name()
    }
    fn from_json(v: &Value) -> Option<Self> {
        if v.is_null() {
            Some(None)
        } else {
            T::from_json(v).map(Some)
        }
    }
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_json)
    }
    fn numbers(&self) -> Vec<f64> {
        self.as_ref().map_or_else(Vec::new, T::numbers)
    }
    fn strings(&self) -> Vec<&str> {
        self.as_ref().map_or_else(Vec::new, T::strings)
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn type_name() -> &'static str {
        // A list's element type reads well enough in messages; the list-ness is in the value.
        "a list"
    }
    fn from_json(v: &Value) -> Option<Self> {
        match v {
            Value::Array(items) => items.iter().map(T::from_json).collect(),
            // A single value where a list is expected is a one-element list: `layers: fc`.
            single => T::from_json(single).map(|x| vec![x]),
        }
    }
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(T::to_json).collect())
    }
    fn numbers(&self) -> Vec<f64> {
        self.iter().flat_map(T::numbers).collect()
    }
    fn strings(&self) -> Vec<&str> {
        self.iter().flat_map(T::strings).collect()
    }
}
