//! Composing parameter structs: a method whose options are its own struct plus shared ones
//! (optimiser, training loop) declares `type Params = (Own, OptimParams, TrainParams)`. Each key
//! goes to every component that declares it; a key no component declares is unknown.

use crate::{check_known, ParamError, ParamMap, ParamSpec, Params};

fn part<P: Params>(map: &ParamMap) -> Result<P, ParamError> {
    let names: Vec<&str> = P::specs().iter().map(|s| s.name).collect();
    let mine: ParamMap = map.iter().filter(|(k, _)| names.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    P::from_map(&mine)
}

macro_rules! tuple_params {
    ($($t:ident),+) => {
        impl<$($t: Params),+> Params for ($($t,)+) {
            fn specs() -> Vec<ParamSpec> {
                let mut out: Vec<ParamSpec> = Vec::new();
                $(
                    for s in $t::specs() {
                        if !out.iter().any(|o| o.name == s.name) {
                            out.push(s);
                        }
                    }
                )+
                out
            }
            fn from_map(map: &ParamMap) -> Result<Self, ParamError> {
                let specs = Self::specs();
                let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                check_known(map, &names)?;
                Ok(($(part::<$t>(map)?,)+))
            }
            fn to_map(&self) -> ParamMap {
                #[allow(non_snake_case)]
                let ($($t,)+) = self;
                let mut m = ParamMap::new();
                $( m.extend($t.to_map()); )+
                m
            }
        }
    };
}

tuple_params!(A, B);
tuple_params!(A, B, C);
tuple_params!(A, B, C, D);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    crate::params! {
        /// Own options.
        pub struct Own { k: usize = 3; }
    }
    crate::params! {
        /// Shared options.
        pub struct Shared { lr: f64 = 0.1; k: usize = 3; }
    }

    #[test]
    fn keys_go_to_every_component_that_declares_them() {
        let mut m = ParamMap::new();
        m.insert("k".into(), json!(5));
        m.insert("lr".into(), json!(0.5));
        let (own, shared) = <(Own, Shared)>::from_map(&m).unwrap();
        assert_eq!((own.k, shared.k, shared.lr), (5, 5, 0.5));
        assert_eq!(<(Own, Shared)>::specs().len(), 2);
        m.insert("lrr".into(), json!(1));
        let e = <(Own, Shared)>::from_map(&m).unwrap_err();
        assert!(e.to_string().contains("did you mean `lr`"), "{e}");
    }
}
